"""Applications that wait for a missing route go out once a route exists, or are given up with a
readable reason and sent again later."""

from datetime import timedelta

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django_tasks_db.models import DBTaskResult

from amtsweg.hub.models import Delivery, Message, Routing
from amtsweg.hub.routing import (
    message_dead_letter,
    message_replay,
    messages_unrouted_expire,
    routing_create,
    routing_set,
)
from amtsweg.hub.targets import target_create


def _filedrop(authority, tmp_path, key="ablage"):
    return target_create(
        authority=authority, key=key, name=f"Ablage {key}", type_key="filedrop", config={"directory": str(tmp_path)}
    )


def _tasks_for(delivery) -> int:
    return sum(1 for task in DBTaskResult.objects.all() if str(delivery.pk) in (task.args_kwargs or {}).get("args", []))


def test_without_route_the_message_waits_with_a_readable_reason(submit):
    message = Message.objects.get(vorgang__submission=submit())
    assert message.status == "unrouted" and not message.deliveries.exists()
    assert "Keine Weiterleitung für gem-14612000 eingerichtet" in message.status_reason
    assert message.get_status_display().startswith("wartet auf Weiterleitung")


def test_creating_a_route_sends_the_waiting_messages_in_the_same_transaction(
    submit, dresden_authority, leistung, tmp_path
):
    waiting = [Message.objects.get(vorgang__submission=submit()) for _ in range(2)]
    target = _filedrop(dresden_authority, tmp_path)
    routing = routing_create(authority=dresden_authority, target=target, leistung=leistung)
    assert routing.released == 2
    for message in waiting:
        message.refresh_from_db()
        delivery = Delivery.objects.get(message=message, target=target)
        assert message.status == "routed" and message.status_reason == ""
        assert delivery.status == "queued" and _tasks_for(delivery) == 1
    # A message that arrives later is routed directly; releasing again changes nothing.
    assert Message.objects.get(vorgang__submission=submit()).status == "routed"
    assert routing_set(routing=routing, active=True).released == 0


def test_a_route_for_another_leistung_or_an_inactive_route_releases_nothing(submit, dresden_authority, tmp_path):
    from amtsweg.catalog.models import Leistung

    message = Message.objects.get(vorgang__submission=submit())
    other = Leistung.objects.exclude(leika_key=message.leika_key).exclude(leika_key="").first()
    target = _filedrop(dresden_authority, tmp_path)
    assert routing_create(authority=dresden_authority, target=target, leistung=other).released == 0
    inactive = routing_create(
        authority=dresden_authority, target=_filedrop(dresden_authority, tmp_path, "b"), active=False
    )
    assert inactive.released == 0
    message.refresh_from_db()
    assert message.status == "unrouted"
    # Enabling the route is what sends it.
    assert routing_set(routing=inactive, active=True).released == 1
    message.refresh_from_db()
    assert message.status == "routed" and message.deliveries.count() == 1


def test_admin_routing_add_releases_waiting_messages(admin_client, submit, dresden_authority, tmp_path):
    message = Message.objects.get(vorgang__submission=submit())
    target = _filedrop(dresden_authority, tmp_path)
    response = admin_client.post(
        "/admin/hub/routing/add/",
        {"authority": dresden_authority.pk, "leistung": "", "target": target.pk, "active": "on"},
        follow=True,
    )
    assert response.status_code == 200 and "1 wartende Nachricht(en) werden jetzt weitergeleitet" in (
        response.content.decode()
    )
    assert Routing.objects.filter(authority=dresden_authority, target=target).exists()
    message.refresh_from_db()
    assert message.status == "routed" and message.deliveries.get().target == target


def test_admin_dead_letter_with_reason_and_replay(admin_client, submit, dresden_authority, tmp_path):
    message = Message.objects.get(vorgang__submission=submit())
    url = "/admin/hub/message/"
    listing = admin_client.get(url).content.decode()
    assert "wartet auf Weiterleitung" in listing and "Keine Weiterleitung für gem-14612000" in listing
    selection = {"action": "dead_letter_action", ACTION_CHECKBOX_NAME: [str(message.pk)]}
    page = admin_client.post(url, selection)
    assert (
        page.status_code == 200
        and "Grund" in page.content.decode()
        and message.vorgangsnummer in (page.content.decode())
    )
    admin_client.post(url, {**selection, "apply": "1", "reason": "Behörde nimmt keine Online-Anträge an"})
    message.refresh_from_db()
    assert message.status == "dead"
    assert message.status_reason == "Behörde nimmt keine Online-Anträge an (aufgegeben von admin)"

    # Replay without a route: it waits again; with a route it goes out.
    admin_client.post(url, {"action": "message_replay_action", ACTION_CHECKBOX_NAME: [str(message.pk)]})
    message.refresh_from_db()
    assert message.status == "unrouted"
    message_dead_letter(message=message, reason="noch keine Weiterleitung")
    Routing.objects.create(authority=dresden_authority, target=_filedrop(dresden_authority, tmp_path))
    response = admin_client.post(
        url, {"action": "message_replay_action", ACTION_CHECKBOX_NAME: [str(message.pk)]}, follow=True
    )
    assert "1 Nachricht(en) weitergeleitet" in response.content.decode()
    message.refresh_from_db()
    assert message.status == "routed" and message.deliveries.count() == 1


def test_replay_refuses_routed_messages_and_old_waiting_ones_expire(submit, dresden_authority, sim_clock, tmp_path):
    import pytest

    old = Message.objects.get(vorgang__submission=submit())
    sim_clock.advance(days=8)
    recent = Message.objects.get(vorgang__submission=submit())
    assert messages_unrouted_expire(max_age=timedelta(days=7)) == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == "dead" and "Seit mehr als 7 Tagen keine Weiterleitung" in old.status_reason
    assert recent.status == "unrouted"
    routing_create(authority=dresden_authority, target=_filedrop(dresden_authority, tmp_path))
    recent.refresh_from_db()
    assert recent.status == "routed"
    old.refresh_from_db()
    assert old.status == "dead"  # given up stays given up until replayed
    assert message_replay(message=old) == 1
    with pytest.raises(ValueError):
        message_replay(message=recent)


def test_routing_list_shows_whether_the_target_works(admin_client, dresden_authority, tmp_path):
    from amtsweg.hub.models import TargetSystem

    routing_create(authority=dresden_authority, target=_filedrop(dresden_authority, tmp_path))
    broken = TargetSystem.objects.create(authority=dresden_authority, key="kaputt", name="Kaputt", type_key="filedrop")
    Routing.objects.create(authority=dresden_authority, target=broken)
    html = admin_client.get("/admin/hub/routing/").content.decode()
    assert "ja" in html and "nein: Die Pflichtangabe „directory“ fehlt." in html
