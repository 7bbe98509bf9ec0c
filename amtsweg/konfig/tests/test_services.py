"""The activation workflow through its services: catalogue, configure, route, test, go-live, deactivate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from amtsweg.assistant.models import Activation, ActivationPeriod
from amtsweg.cases.models import Vorgang
from amtsweg.common import clock
from amtsweg.forms.models import Overlay
from amtsweg.forms.services import OverlayInvalid
from amtsweg.hub.models import Message
from amtsweg.konfig import selectors
from amtsweg.konfig.models import KonfigChange
from amtsweg.konfig.services import (
    golive_due,
    setup_activate,
    setup_deactivate,
    setup_details_save,
    setup_golive_plan,
    setup_route_save,
    setup_test_send,
)
from amtsweg.konfig.tests.conftest import mail_config

pytestmark = pytest.mark.django_db


def test_catalogue_lists_released_services_with_state_and_search(definition, pirna):
    rows = selectors.catalogue(authority=pirna)
    row = next(r for r in rows if r.definition == definition)
    assert row.state.label == selectors.NOT_ACTIVATED
    assert "Funktionspostfach (E-Mail)" in row.target_kinds
    assert [r.definition for r in selectors.catalogue(authority=pirna, query="hunde")] == [definition]
    assert selectors.catalogue(authority=pirna, query="Gibtesnicht") == []
    definition.reusable = False
    definition.save()
    assert definition not in [r.definition for r in selectors.catalogue(authority=pirna)]
    with pytest.raises(ValidationError):
        setup_activate(definition=definition, authority=pirna)


def test_details_saved_through_overlay_with_versioned_log(setup, admin_pirna):
    setup_details_save(
        setup=setup,
        parameters={"gebuehr_erster_hund": "108.00"},
        texts={"steps.hunde.intro": "Bitte jeden Hund einzeln angeben.", "description": "  "},
        disabled_fields=["telefon"],
        contact={"name": "Stadt Pirna, Steueramt", "email": "steuern@pirna.example", "phone": ""},
        user=admin_pirna,
    )
    overlay = Overlay.objects.get(definition=setup.definition, authority=setup.authority)
    assert overlay.parameters == {"gebuehr_erster_hund": "108.00"}
    assert overlay.texts == {"steps.hunde.intro": "Bitte jeden Hund einzeln angeben."}  # empty = central text
    assert overlay.contact == {"name": "Stadt Pirna, Steueramt", "email": "steuern@pirna.example"}
    with pytest.raises(OverlayInvalid):
        setup_details_save(
            setup=setup, parameters={"gebuehr_erster_hund": "viel"}, texts={}, disabled_fields=[], contact={}
        )
    changes = list(setup.changes.order_by("version"))
    assert [(c.version, c.kind) for c in changes] == [(1, "aktiviert"), (2, "angaben")]
    assert changes[1].before["parameters"] == {} and changes[1].after["disabled_fields"] == ["telefon"]
    assert changes[1].user == admin_pirna


def test_test_submission_goes_through_the_route_marked_as_test_and_counts_nowhere(routed, mailbox, admin_pirna):
    vorgaenge, messages = Vorgang.objects.count(), Message.objects.count()
    test = setup_test_send(setup=routed, user=admin_pirna)
    assert test.ok, test.outcomes
    assert "zugestellt" in test.outcomes[0]["text"]
    [mail] = mailbox.received
    assert mail.message["X-Amtsweg-Test"] == "1"
    assert str(mail.message["Subject"]).strip().startswith("[TEST")
    assert "TEST-" in mail.message["X-Amtsweg-Vorgangsnummer"]
    # Never a real application: no Vorgang, no hub message.
    assert (Vorgang.objects.count(), Message.objects.count()) == (vorgaenge, messages)
    assert selectors.setup_state(setup=routed).label == selectors.TEST_PASSED


def test_failed_test_explains_in_german(setup, admin_pirna):
    from amtsweg.hub.receivers.mailbox import free_port

    setup_route_save(
        setup=setup, type_key="email", name="Postfach", config=mail_config(free_port("127.0.0.1")), secrets={}
    )
    test = setup_test_send(setup=setup, user=admin_pirna)
    assert not test.ok
    assert "Nicht zugestellt" in test.outcomes[0]["text"] and "Bitte prüfen Sie" in test.outcomes[0]["text"]
    with pytest.raises(ValidationError, match="erfolgreichen Testantrag"):
        setup_golive_plan(setup=setup, at=None, user=admin_pirna)


def test_go_live_refused_without_test_and_after_a_route_change(routed, mailbox, admin_pirna):
    with pytest.raises(ValidationError, match="Testantrag"):
        setup_golive_plan(setup=routed, at=None, user=admin_pirna)
    assert setup_test_send(setup=routed, user=admin_pirna).ok
    # A changed route (another recipient) makes the test stale.
    config = {**mail_config(mailbox.port), "to": ["andere@pirna.example"]}
    setup_route_save(setup=routed, type_key="email", name="Postfach", config=config, secrets={}, user=admin_pirna)
    assert selectors.setup_state(setup=routed).label == selectors.PREPARING
    with pytest.raises(ValidationError):
        setup_golive_plan(setup=routed, at=None, user=admin_pirna)
    assert not Activation.objects.filter(authority=routed.authority, live=True, definition=routed.definition).exists()


def test_scheduled_go_live_switched_on_by_the_job_then_deactivated(routed, admin_pirna):
    assert setup_test_send(setup=routed, user=admin_pirna).ok
    at = clock.now() + timedelta(days=2)
    setup_golive_plan(setup=routed, at=at, user=admin_pirna)
    state = selectors.setup_state(setup=routed)
    assert state.label == selectors.PLANNED and state.text.startswith("geplant ab ")
    assert golive_due(now=clock.now()) == (0, 0)
    assert golive_due(now=at + timedelta(minutes=1)) == (1, 0)
    activation = Activation.objects.get(definition=routed.definition, authority=routed.authority)
    assert activation.live
    assert ActivationPeriod.objects.get(activation=activation).since == at  # adoption counts from the date
    routed.refresh_from_db()
    assert selectors.setup_state(setup=routed, activation=activation).label == selectors.ONLINE

    setup_deactivate(setup=routed, user=admin_pirna)
    activation.refresh_from_db()
    assert not activation.live
    assert selectors.setup_state(setup=routed, activation=activation).label == selectors.DEACTIVATED
    kinds = list(routed.changes.order_by("version").values_list("kind", "user"))
    assert [k for k, _ in kinds] == ["aktiviert", "weiterleitung", "test", "geplant", "online", "deaktiviert"]
    assert dict(kinds)["online"] is None  # switched on by the scheduler


def test_job_refuses_a_planned_go_live_whose_route_changed(routed, mailbox, admin_pirna):
    assert setup_test_send(setup=routed, user=admin_pirna).ok
    at = clock.now() + timedelta(hours=1)
    setup_golive_plan(setup=routed, at=at, user=admin_pirna)
    config = {**mail_config(mailbox.port), "cc": ["kopie@pirna.example"]}
    setup_route_save(setup=routed, type_key="email", name="Postfach", config=config, secrets={}, user=admin_pirna)
    assert golive_due(now=at + timedelta(minutes=1)) == (0, 1)
    routed.refresh_from_db()
    assert routed.golive_at is None and "Testantrag" in routed.golive_problem
    assert KonfigChange.objects.filter(setup=routed, kind="nicht_online").exists()


def test_secrets_kept_unless_replaced_and_never_in_the_log(setup, admin_pirna):
    from amtsweg.hub.targets import target_secrets

    config = {"url": "http://127.0.0.1:9/antrag"}
    target = setup_route_save(
        setup=setup, type_key="http", name="Fachverfahren", config=config, secrets={"secret": "s" * 32}
    )
    setup_route_save(setup=setup, type_key="http", name="Fachverfahren", config={**config, "timeout": 5}, secrets={})
    target.refresh_from_db()
    assert target_secrets(target=target) == {"secret": "s" * 32}
    for change in setup.changes.all():
        assert "s" * 32 not in str(change.before) + str(change.after)


def test_scheduler_job_runs_the_go_live(routed, admin_pirna):
    from amtsweg.ops.scheduler import JOBS

    assert setup_test_send(setup=routed, user=admin_pirna).ok
    setup_golive_plan(setup=routed, at=clock.now() + timedelta(seconds=1), user=admin_pirna)
    routed.golive_at = clock.now() - timedelta(minutes=1)  # the date has come
    routed.save(update_fields=["golive_at"])
    assert JOBS["konfig_golive_due"]().startswith("1 Leistung(en) planmäßig online geschaltet")
    assert Activation.objects.get(definition=routed.definition, authority=routed.authority).live


def test_admin_pages_only_for_the_central_operator(client, admin_pirna, setup):
    from django.contrib.auth import get_user_model

    client.force_login(admin_pirna)
    assert client.get("/admin/konfig/konfigchange/").status_code in (302, 403)
    client.force_login(get_user_model().objects.create_superuser("zentral", password="x" * 12))
    page = client.get("/admin/konfig/konfigchange/")
    assert page.status_code == 200 and "aktiviert" in page.content.decode()


def test_test_submissions_are_limited_per_authority(routed, admin_pirna, settings, mailbox):
    settings.AMTSWEG_LIMIT_KONFIG_TESTS_PER_AUTHORITY = 2
    assert setup_test_send(setup=routed, user=admin_pirna).ok
    assert setup_test_send(setup=routed, user=admin_pirna).ok
    with pytest.raises(ValidationError, match="zu viele Testanträge"):
        setup_test_send(setup=routed, user=admin_pirna)
    assert len(mailbox.received) == 2


def test_target_kinds_are_products_the_hub_can_deliver_this_service_to(definition, pirna):
    from amtsweg.hub.models import Product

    Product.objects.create(name="Fachverfahren A", adapter_types=["http"])
    Product.objects.create(name="Nur Serverordner", adapter_types=["filedrop"])
    Product.objects.create(name="Ohne Schnittstelle", adapter_types=[])
    [row] = [r for r in selectors.catalogue(authority=pirna) if r.definition == definition]
    assert "Fachverfahren A" in row.target_kinds and "Funktionspostfach (E-Mail)" in row.target_kinds
    assert "Nur Serverordner" not in row.target_kinds and "Ohne Schnittstelle" not in row.target_kinds


def test_http_route_test_reaches_the_demo_fachverfahren_and_explains_a_wrong_secret(setup, admin_pirna, tmp_path):
    from amtsweg.hub.models import Product
    from amtsweg.hub.receivers.fachverfahren import FachverfahrenReceiver

    secret = "fachverfahren-geheimnis-0123456789"
    product = Product.objects.create(name="Steuer-Fachverfahren", adapter_types=["http"])
    with FachverfahrenReceiver(secret=secret, store_path=tmp_path / "fv.sqlite3") as receiver:
        config = {"url": receiver.url}
        setup_route_save(
            setup=setup,
            type_key="http",
            name="Fachverfahren",
            config=config,
            secrets={"secret": "falsch" * 4},
            product=product,
        )
        failed = setup_test_send(setup=setup, user=admin_pirna)
        assert not failed.ok and "HTTP 401" in failed.outcomes[0]["text"]
        assert "Zugangsdaten" in failed.outcomes[0]["text"]
        setup_route_save(
            setup=setup,
            type_key="http",
            name="Fachverfahren",
            config=config,
            secrets={"secret": secret},
            product=product,
        )
        assert setup_test_send(setup=setup, user=admin_pirna).ok
        [accepted] = receiver.accepted()
    assert accepted["vorgangsnummer"].startswith("TEST-")
