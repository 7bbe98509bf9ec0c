"""An assistant goes live only with a valid route in the Integrationsdienst (service and admin)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from amtsweg.assistant.models import Activation
from amtsweg.assistant.services import activation_route_problems, activation_set
from amtsweg.hub.models import Routing, TargetSystem

pytestmark = pytest.mark.django_db


def test_going_live_without_route_is_refused_with_a_clear_message(version, authority):
    with pytest.raises(ValidationError) as caught:
        activation_set(definition=version.definition, authority=authority)
    text = " ".join(caught.value.messages)
    assert "kann für Stadtverwaltung Dresden nicht freigeschaltet werden" in text
    assert "keine Weiterleitung an ein Zielsystem eingerichtet" in text
    assert not Activation.objects.filter(definition=version.definition, authority=authority).exists()
    # Offline is always allowed (e.g. to prepare the overlay before the route exists).
    assert not activation_set(definition=version.definition, authority=authority, live=False).live
    with pytest.raises(CommandError, match="keine Weiterleitung"):
        call_command("assistant_activate", version.definition.key, authority.key)


def test_a_route_to_an_inactive_or_invalid_target_is_no_route(version, authority, route, tmp_path):
    assert activation_route_problems(definition=version.definition, authority=authority) == []
    target = route.target
    TargetSystem.objects.filter(pk=target.pk).update(active=False)
    assert "nicht aktiv" in activation_route_problems(definition=version.definition, authority=authority)[0]
    # Stored past the checks with a broken configuration (e.g. edited in the database).
    TargetSystem.objects.filter(pk=target.pk).update(active=True, config={"Directory": str(tmp_path)})
    problems = activation_route_problems(definition=version.definition, authority=authority)
    assert "nicht gültig eingerichtet" in problems[0] and "„Directory“" in problems[0]
    Routing.objects.filter(pk=route.pk).update(active=False)
    assert "keine Weiterleitung" in activation_route_problems(definition=version.definition, authority=authority)[0]


def test_a_route_for_another_leistung_does_not_count(version, authority, tmp_path):
    from amtsweg.catalog.models import Leistung
    from amtsweg.hub.routing import routing_create
    from amtsweg.hub.targets import target_create

    target = target_create(
        authority=authority, key="x", name="X", type_key="filedrop", config={"directory": str(tmp_path)}
    )
    other = Leistung.objects.exclude(pk=version.definition.leistung_id).exclude(leika_key="").first()
    routing_create(authority=authority, target=target, leistung=other)
    assert activation_route_problems(definition=version.definition, authority=authority)
    routing_create(authority=authority, target=target, leistung=version.definition.leistung)
    assert activation_set(definition=version.definition, authority=authority).live


def test_admin_refuses_live_without_route_and_accepts_it_with_one(admin_client, version, authority, tmp_path):
    url = "/admin/assistant/activation/add/"
    data = {"definition": version.definition.pk, "authority": authority.pk, "live": "on"}
    response = admin_client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200 and "keine Weiterleitung an ein Zielsystem eingerichtet" in html
    assert not Activation.objects.exists()

    from amtsweg.hub.routing import routing_create
    from amtsweg.hub.targets import target_create

    target = target_create(
        authority=authority, key="x", name="X", type_key="filedrop", config={"directory": str(tmp_path)}
    )
    routing_create(authority=authority, target=target)
    assert admin_client.post(url, data).status_code == 302
    activation = Activation.objects.get(definition=version.definition, authority=authority)
    assert activation.live
    # Switching off and on again through the change form.
    change = f"/admin/assistant/activation/{activation.pk}/change/"
    assert (
        admin_client.post(change, {"definition": version.definition.pk, "authority": authority.pk}).status_code == 302
    )
    activation.refresh_from_db()
    assert not activation.live


def test_activation_list_shows_a_route_switched_off_after_go_live(admin_client, activation, route):
    assert "gültig" in admin_client.get("/admin/assistant/activation/").content.decode()
    from amtsweg.hub.routing import routing_set

    routing_set(routing=route, active=False)
    html = admin_client.get("/admin/assistant/activation/").content.decode()
    assert "fehlt: Für Stadtverwaltung Dresden ist keine Weiterleitung" in html
