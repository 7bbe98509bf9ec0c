"""API clients: creation with a one-time token, lookup, rotation, the command and the admin."""

import io

import pytest
from django.core.management import CommandError, call_command

from amtsweg.apiclients.models import ApiClient
from amtsweg.apiclients.selectors import api_client_for_token
from amtsweg.apiclients.services import api_client_create, api_client_rotate_token
from amtsweg.common.hashing import token_hash
from amtsweg.directory.models import Authority

pytestmark = pytest.mark.django_db


def test_create_returns_token_once_and_stores_only_its_hash():
    client, token = api_client_create(name="Portal", scopes=["submissions:write", "submissions:write"])
    assert token.startswith("amtsweg_") and len(token) >= 40
    stored = ApiClient.objects.get(pk=client.pk)
    assert stored.token_hash == token_hash(token) and token not in str(stored.__dict__)
    assert stored.scopes == ["submissions:write"]
    assert api_client_for_token(token=token) == client


def test_unknown_scope_is_refused():
    with pytest.raises(ValueError, match="Unbekannte Berechtigung"):
        api_client_create(name="X", scopes=["admin:all"])


def test_lookup_rejects_wrong_inactive_and_rotated_tokens():
    client, token = api_client_create(name="Portal", scopes=["status:read"])
    assert api_client_for_token(token=token[:-1] + ("x" if token[-1] != "x" else "y")) is None
    assert api_client_for_token(token="") is None
    new = api_client_rotate_token(client=client)
    assert api_client_for_token(token=token) is None and api_client_for_token(token=new) == client
    ApiClient.objects.filter(pk=client.pk).update(active=False)
    assert api_client_for_token(token=new) is None


def test_command_creates_client_for_an_authority():
    authority = Authority.objects.order_by("pk").first()
    out = io.StringIO()
    call_command(
        "create_api_client", "Fachverfahren", "--scope", "status:write", "--authority", authority.key, stdout=out
    )
    token = out.getvalue().strip().splitlines()[-1]
    client = api_client_for_token(token=token)
    assert client.name == "Fachverfahren" and client.authority == authority and client.scopes == ["status:write"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["A"], "Berechtigung"),
        (["A", "--scope", "root"], "Unbekannte Berechtigung"),
        (["A", "--scope", "status:read", "--authority", "gibt-es-nicht"], "nicht gefunden"),
    ],
)
def test_command_errors_are_german(args, fragment):
    with pytest.raises(CommandError, match=fragment):
        call_command("create_api_client", *args, stdout=io.StringIO())


def test_admin_shows_token_once_on_creation(admin_client):
    response = admin_client.post(
        "/admin/apiclients/apiclient/add/",
        {"name": "Neues Portal", "scopes": ["submissions:write"], "rate": "", "active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    client = ApiClient.objects.get(name="Neues Portal")
    shown = [str(m) for m in response.context["messages"] if "Token" in str(m)]
    assert len(shown) == 1
    token = shown[0].rsplit(" ", 1)[-1]
    assert api_client_for_token(token=token) == client


def test_audit_admin_is_read_only(admin_client):
    from amtsweg.audit.services import audit_record

    entry = audit_record(event="received", message_id="m-1")
    assert admin_client.get("/admin/audit/auditentry/").status_code == 200
    assert admin_client.get("/admin/audit/auditentry/?q=m-1").status_code == 200
    assert admin_client.get("/admin/audit/auditentry/add/").status_code == 403
    assert admin_client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    change = admin_client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"event": "failed"})
    assert change.status_code == 403
    entry.refresh_from_db()
    assert entry.event == "received"


def test_admin_refuses_a_malformed_rate(admin_client):
    response = admin_client.post(
        "/admin/apiclients/apiclient/add/", {"name": "Portal", "scopes": ["submissions:write"], "rate": "viel"}
    )
    assert response.status_code == 200 and "600/min" in response.content.decode()
    assert not ApiClient.objects.filter(name="Portal").exists()
