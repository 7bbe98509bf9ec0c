"""After the demo setup (same order as ``manage.py bootstrap``), every live activation has a valid route:
an application to any demo assistant in any demo Kommune is routed to a local target, none waits."""

from amtsweg.assistant.models import Activation
from amtsweg.cases.services import vorgang_create
from amtsweg.demo.forms import REAL_SERVICES, demo_forms_ensure
from amtsweg.demo.hub import DEMO_ROUTING, hub_demo_ensure
from amtsweg.hub.selectors import route_problems
from amtsweg.hub.services import message_create


def test_every_live_demo_activation_is_routed(db):
    forms = demo_forms_ensure()
    hub = hub_demo_ensure()
    assert forms["ohne_weiterleitung"] == [] and hub["fehlende_behoerden"] == []
    live = list(Activation.objects.filter(live=True).select_related("definition__leistung", "authority"))
    assert len(live) == 5 + sum(len(keys) for keys in REAL_SERVICES.values())  # overlays + further Kommunen
    assert {a.authority.key for a in live} <= set(DEMO_ROUTING)
    type_keys = set()
    for number, activation in enumerate(live):
        authority, leistung = activation.authority, activation.definition.leistung
        assert route_problems(authority=authority, leistung=leistung) == [], activation
        message, _ = message_create(
            idempotency_key=f"demo-route-{number}",
            source="api",
            vorgang=vorgang_create(authority=authority, channel="api", leistung=leistung),
            authority=authority,
            data={"probe": True},
            leistung=leistung,
        )
        assert message.status == "routed" and message.deliveries.exists(), activation
        type_keys |= set(message.deliveries.values_list("target__type_key", flat=True))
    assert type_keys == {"http", "email", "xdomea", "filedrop"}  # varied on purpose


def test_a_demo_activation_without_route_stays_offline(db, monkeypatch):
    from amtsweg.demo import hub as demo

    routing = {key: value for key, value in DEMO_ROUTING.items() if key != "gem-14627140"}  # Meißen
    monkeypatch.setattr(demo, "DEMO_ROUTING", routing)
    result = demo_forms_ensure()
    assert result["ohne_weiterleitung"] == ["hundesteuer@gem-14627140"]
    meissen = Activation.objects.get(authority__key="gem-14627140")
    assert not meissen.live
