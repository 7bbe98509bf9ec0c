"""Hub API: API-client authentication and scopes, inbound applications, the return channel, OpenAPI."""

from __future__ import annotations

import base64
import io
import json

import pytest
from django.core.cache import cache
from django.core.management import call_command

from amtsweg.apiclients.models import ApiClient
from amtsweg.apiclients.services import api_client_create
from amtsweg.audit.models import AuditEntry
from amtsweg.cases.models import CaseEvent
from amtsweg.directory.models import Authority
from amtsweg.hub.models import Message

pytestmark = pytest.mark.django_db

API = "/api/v1/hub"
HUNDESTEUER = "99102013000000"
DRESDEN = "14612000"
# Well-formed (xref, startxref): attachments are parsed with pypdf (amtsweg.common.filecheck).
PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ALL_SCOPES = ["submissions:write", "status:write", "status:read", "decisions:write"]


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    cache.clear()
    yield
    cache.clear()


def _detail(response) -> str:
    body = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"], body
    return body["detail"]


class Caller:
    """A DRF-less HTTP caller with a bearer token (the Django test client, real URL routing)."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self, key=None, extra=None):
        headers = {}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        if key is not None:
            headers["Idempotency-Key"] = key
        headers.update(extra or {})
        return headers

    def post(self, path, body=None, *, key=None, raw=None, headers=None, **kwargs):
        data = raw if raw is not None else json.dumps(body)
        return self.client.post(
            f"{API}{path}", data=data, content_type="application/json", headers=self._headers(key, headers), **kwargs
        )

    def post_multipart(self, path, data, *, key=None):
        return self.client.post(f"{API}{path}", data=data, headers=self._headers(key))

    def get(self, path, **kwargs):
        return self.client.get(f"{API}{path}", headers=self._headers(), **kwargs)


@pytest.fixture
def dresden_authority(db):
    from amtsweg.catalog.models import Leistung
    from amtsweg.directory.selectors import gemeinde_by_ags
    from amtsweg.jurisdiction.selectors import responsible_authority

    leistung = Leistung.objects.filter(leika_key=HUNDESTEUER).order_by("pk").first()
    return responsible_authority(leistung=leistung, gemeinde=gemeinde_by_ags(ags=DRESDEN)).authority


@pytest.fixture
def other_authority(dresden_authority):
    return Authority.objects.exclude(pk=dresden_authority.pk).order_by("pk").first()


@pytest.fixture
def make_caller(client):
    def make(*, scopes=ALL_SCOPES, authority=None, name=None, **kwargs):
        api_client, token = api_client_create(
            name=name or f"Zugang {ApiClient.objects.count() + 1}", scopes=scopes, authority=authority, **kwargs
        )
        caller = Caller(client, token)
        caller.api_client = api_client
        return caller

    return make


@pytest.fixture
def portal(make_caller):
    """An external portal: may submit for any authority, no return channel."""
    return make_caller(scopes=["submissions:write"], name="Externes Portal")


@pytest.fixture
def back_office(make_caller, dresden_authority):
    return make_caller(authority=dresden_authority, name="Fachverfahren Dresden")


@pytest.fixture
def foreign_office(make_caller, other_authority):
    return make_caller(authority=other_authority, name="Fachverfahren anderswo")


def _antrag(**overrides):
    body = {
        "leika_key": HUNDESTEUER,
        "ags": DRESDEN,
        "data": {"hund": [{"hund_name": "Bello"}], "anlass": "anmeldung"},
        "attachments": [
            {
                "name": "nachweis.pdf",
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(PDF).decode(),
            }
        ],
        "email": "erika@example.org",
    }
    body.update(overrides)
    return body


# --- Authentication and scopes ----------------------------------------------------------------------------------


def test_no_token_is_401_with_german_detail_and_bearer_challenge(client):
    response = Caller(client, None).post("/antraege/", _antrag(), key="key-00000001")
    assert response.status_code == 401
    assert "Authorization: Bearer" in _detail(response)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("Basic dXNlcjpwYXNz", "Bearer"),
        ("Bearer", "genau ein Token"),
        ("Bearer amtsweg_wrong-token-value-000000000000000", "ungültig"),
        ("Bearer kurz", "ungültig"),
    ],
)
def test_bad_credentials_are_401(client, header, fragment):
    response = client.post(
        f"{API}/antraege/", data="{}", content_type="application/json", headers={"Authorization": header}
    )
    assert response.status_code == 401
    assert fragment in _detail(response)


def test_tampered_token_with_right_prefix_is_401(portal):
    portal.token = portal.token[:-4] + ("AAAA" if not portal.token.endswith("AAAA") else "BBBB")
    response = portal.post("/antraege/", _antrag(), key="key-00000002")
    assert response.status_code == 401


def test_inactive_client_is_401(portal):
    ApiClient.objects.filter(pk=portal.api_client.pk).update(active=False)
    response = portal.post("/antraege/", _antrag(), key="key-00000003")
    assert response.status_code == 401 and "gesperrt" in _detail(response)


def test_only_the_hash_of_the_token_is_stored(portal):
    stored = ApiClient.objects.get(pk=portal.api_client.pk)
    assert portal.token not in (stored.token_hash, stored.token_prefix)
    assert len(stored.token_hash) == 64 and portal.token.startswith(stored.token_prefix)


def test_missing_scope_is_403(make_caller, dresden_authority):
    reader = make_caller(scopes=["status:read"], authority=dresden_authority)
    response = reader.post("/antraege/", _antrag(), key="key-00000004")
    assert response.status_code == 403
    assert "submissions:write" in _detail(response)


def test_last_used_is_stamped(portal):
    portal.get(f"/antraege/{'0' * 8}-0000-0000-0000-{'0' * 12}/")
    assert ApiClient.objects.get(pk=portal.api_client.pk).last_used is not None


def test_per_client_rate_limit(make_caller, settings):
    settings.AMTSWEG_HUB_API_RATE = "2/min"
    first, second = make_caller(scopes=["status:read"]), make_caller(scopes=["status:read"])
    codes = [first.get("/vorgaenge/AW-2026-XXXXXXXX/status/").status_code for _ in range(3)]
    assert codes[:2] == [403, 403] and codes[2] == 429
    # Another client has its own budget.
    assert second.get("/vorgaenge/AW-2026-XXXXXXXX/status/").status_code == 403


# --- Inbound applications ---------------------------------------------------------------------------------------


def test_submit_creates_a_routed_message(portal, dresden_authority):
    response = portal.post("/antraege/", _antrag(), key="antrag-0001")
    assert response.status_code == 201, response.content
    body = response.json()
    message = Message.objects.get(pk=body["id"])
    assert message.source == "api" and message.client_ref == str(portal.api_client.pk)
    assert message.authority == dresden_authority and message.leika_key == HUNDESTEUER and message.ags == DRESDEN
    assert body["vorgangsnummer"] == message.vorgangsnummer and body["vorgangsnummer"].startswith("AW-")
    assert body["status_url"].endswith(f"/api/v1/hub/antraege/{message.pk}/")
    assert message.attachments.count() == 1
    assert AuditEntry.objects.filter(event="received", message_id=str(message.pk)).exists()
    # The status URL works for the submitting client.
    status = portal.client.get(body["status_url"], headers={"Authorization": f"Bearer {portal.token}"})
    assert status.status_code == 200 and status.json()["vorgangsnummer"] == message.vorgangsnummer


def test_api_message_carries_data_xml_that_the_fachverfahren_rule_accepts(portal):
    from lxml import etree

    from amtsweg.hub.models import IntegrationRule
    from amtsweg.hub.rules import rules_load
    from amtsweg.hub.services import delivery_dry_run, message_xml

    rules_load()
    body = _antrag(data={"anlass": "anmeldung", "hund": [{"hund_name": "Bello"}, {"hund_name": "Luna"}]})
    response = portal.post("/antraege/", body, key="antrag-xml-01")
    message = Message.objects.get(pk=response.json()["id"])
    root = etree.fromstring(message_xml(message=message))
    ns = {"d": "urn:amtsweg:forms:data:1"}
    assert root.get("leika") == HUNDESTEUER and root.get("formular") == "api"
    assert root.findtext("d:angaben/d:anlass", namespaces=ns) == "anmeldung"
    assert [e.text for e in root.findall("d:hund/d:hund_name", namespaces=ns)] == ["Bello", "Luna"]
    rule = IntegrationRule.objects.get(key="fachverfahren-xml", status=IntegrationRule.Status.ACTIVE)
    result = delivery_dry_run(rule=rule, message=message)
    assert result.valid, result.errors
    assert b"Luna" in result.output


def test_same_key_same_body_returns_the_same_message(portal):
    first = portal.post("/antraege/", _antrag(), key="antrag-0002")
    # Same content, different key order and whitespace: the canonical body is the same.
    raw = json.dumps(dict(reversed(list(_antrag().items()))), indent=2)
    second = portal.post("/antraege/", raw=raw, key="antrag-0002")
    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert Message.objects.filter(source="api").count() == 1


def test_same_key_different_body_is_409(portal):
    assert portal.post("/antraege/", _antrag(), key="antrag-0003").status_code == 201
    response = portal.post("/antraege/", _antrag(data={"anlass": "abmeldung"}), key="antrag-0003")
    assert response.status_code == 409 and "Idempotency-Key" in _detail(response)
    assert Message.objects.filter(source="api").count() == 1


def test_keys_are_per_client(portal, make_caller):
    other = make_caller(scopes=["submissions:write"])
    a = portal.post("/antraege/", _antrag(), key="antrag-0004")
    b = other.post("/antraege/", _antrag(), key="antrag-0004")
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]


@pytest.mark.parametrize(("key", "fragment"), [(None, "fehlt"), ("kurz", "8–100"), ("x" * 101, "8–100")])
def test_idempotency_key_is_required_and_checked(portal, key, fragment):
    response = portal.post("/antraege/", _antrag(), key=key)
    assert response.status_code == 400 and "Idempotency-Key" in _detail(response) and fragment in _detail(response)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"leika_key": "123"}, "leika_key"),
        ({"ags": "dresden"}, "ags"),
        ({"data": []}, "data"),
        ({"data": {}}, "data"),
        ({"email": "keine-adresse"}, "email"),
        (
            {"attachments": [{"name": "a.pdf", "content_type": "application/pdf", "content_base64": "!!!"}]},
            "attachments",
        ),
        (
            {"attachments": [{"name": "../../etc/passwd", "content_type": "text/plain", "content_base64": ""}]},
            "attachments",
        ),
    ],
)
def test_field_errors_are_400_with_german_messages(portal, overrides, field):
    response = portal.post("/antraege/", _antrag(**overrides), key="antrag-0005")
    assert response.status_code == 400
    assert "fehlerhaft" in _detail(response)
    assert field in response.json()["errors"]
    assert Message.objects.count() == 0


def test_missing_field_is_reported(portal):
    body = _antrag()
    del body["leika_key"]
    response = portal.post("/antraege/", body, key="antrag-0006")
    assert response.status_code == 400
    assert response.json()["errors"]["leika_key"] == ["Dieses Feld ist zwingend erforderlich."]


def test_broken_json_is_400(portal):
    response = portal.post("/antraege/", raw='{"leika_key": ', key="antrag-0007")
    assert response.status_code == 400 and "JSON" in _detail(response)


@pytest.mark.parametrize(
    ("overrides", "field"), [({"leika_key": "99999999999999"}, "leika_key"), ({"ags": "14999999"}, "ags")]
)
def test_unknown_leistung_or_gemeinde_is_422(portal, overrides, field):
    response = portal.post("/antraege/", _antrag(**overrides), key="antrag-0008")
    assert response.status_code == 422
    assert "unbekannt" in _detail(response) and field in response.json()["errors"]


def test_body_size_limit_is_413(portal, settings):
    settings.AMTSWEG_HUB_API_MAX_BODY_MB = 1
    big = base64.b64encode(b"%PDF-" + b"0" * (1024 * 1024)).decode()
    body = _antrag(attachments=[{"name": "gross.pdf", "content_type": "application/pdf", "content_base64": big}])
    response = portal.post("/antraege/", body, key="antrag-0009")
    assert response.status_code == 413 and "zu groß" in _detail(response)
    assert Message.objects.count() == 0


def test_attachment_size_limit_is_413(portal, settings):
    settings.AMTSWEG_UPLOAD_MAX_MB = 0
    response = portal.post("/antraege/", _antrag(), key="antrag-0010")
    assert response.status_code == 413 and "nachweis.pdf" in _detail(response)


def test_client_bound_to_another_authority_cannot_submit_for_dresden(foreign_office):
    response = foreign_office.post("/antraege/", _antrag(), key="antrag-0011")
    assert response.status_code == 403 and "eigene Behörde" in _detail(response)
    assert Message.objects.count() == 0


def test_message_status_is_visible_only_to_its_client_or_authority(portal, make_caller, back_office, foreign_office):
    message_id = portal.post("/antraege/", _antrag(), key="antrag-0012").json()["id"]
    stranger = make_caller(scopes=["submissions:write"])
    assert stranger.get(f"/antraege/{message_id}/").status_code == 404
    assert back_office.get(f"/antraege/{message_id}/").status_code == 200
    assert foreign_office.get(f"/antraege/{message_id}/").status_code == 404


# --- Return channel ---------------------------------------------------------------------------------------------


@pytest.fixture
def submission(submit):
    return submit()


def test_status_post_and_read(back_office, submission):
    number = submission.vorgangsnummer
    response = back_office.post(f"/vorgaenge/{number}/status/", {"status": "in_bearbeitung", "note": "Prüfung läuft"})
    assert response.status_code == 201, response.content
    event = CaseEvent.objects.get(pk=response.json()["id"])
    assert (
        event.vorgang.submission == submission and event.kind == "status" and event.api_client == back_office.api_client
    )
    assert event.payload == {"status": "in_bearbeitung", "note": "Prüfung läuft"}
    read = back_office.get(f"/vorgaenge/{number.lower()}/status/")
    assert read.status_code == 200
    assert read.json()["status"] == "in_bearbeitung" and read.json()["status_label"] == "in Bearbeitung"
    entry = AuditEntry.objects.get(event="status_posted")
    assert entry.detail["vorgangsnummer"] == number and entry.detail["status"] == "in_bearbeitung"
    assert "Prüfung läuft" not in json.dumps(entry.detail)  # free text stays out of the log


def test_status_read_before_any_report(back_office, submission):
    body = back_office.get(f"/vorgaenge/{submission.vorgangsnummer}/status/").json()
    assert body["status"] == "eingegangen" and body["status_label"] == "eingegangen" and body["events"] == []


def test_status_read_after_the_citizen_withdrew(back_office, submission, django_user_model):
    from amtsweg.cases.services import vorgang_withdraw

    number = submission.vorgangsnummer
    assert back_office.post(f"/vorgaenge/{number}/status/", {"status": "in_bearbeitung"}).status_code == 201
    citizen = django_user_model.objects.create_user(username="erika", email="erika@example.org", password="x" * 16)
    vorgang_withdraw(vorgang=submission.vorgang, user=citizen, reason="Umzug")
    body = back_office.get(f"/vorgaenge/{number}/status/").json()
    # The Vorgang's status, not the last status event ("in_bearbeitung").
    assert body["status"] == "zurueckgezogen" and body["status_label"] == "zurückgezogen"
    assert [event["kind"] for event in body["events"]] == ["status", "ruecknahme"]


def test_invalid_status_is_400(back_office, submission):
    response = back_office.post(f"/vorgaenge/{submission.vorgangsnummer}/status/", {"status": "erledigt"})
    assert response.status_code == 400 and "status" in response.json()["errors"]


def test_other_authority_cannot_post_or_read(foreign_office, submission):
    number = submission.vorgangsnummer
    post = foreign_office.post(f"/vorgaenge/{number}/status/", {"status": "abgeschlossen"})
    read = foreign_office.get(f"/vorgaenge/{number}/status/")
    bescheid = foreign_office.post(
        f"/vorgaenge/{number}/bescheide/", {"content_base64": base64.b64encode(PDF).decode()}
    )
    assert post.status_code == read.status_code == bescheid.status_code == 404
    assert "Zuständigkeit" in _detail(post)
    assert CaseEvent.objects.count() == 0


def test_client_without_authority_cannot_use_the_return_channel(make_caller, submission):
    central = make_caller(scopes=ALL_SCOPES)
    response = central.post(f"/vorgaenge/{submission.vorgangsnummer}/status/", {"status": "abgeschlossen"})
    assert response.status_code == 403 and "keiner Behörde" in _detail(response)


def test_status_write_scope_does_not_allow_bescheide(make_caller, dresden_authority, submission):
    status_only = make_caller(scopes=["status:write"], authority=dresden_authority)
    response = status_only.post(
        f"/vorgaenge/{submission.vorgangsnummer}/bescheide/", {"content_base64": base64.b64encode(PDF).decode()}
    )
    assert response.status_code == 403 and "decisions:write" in _detail(response)
    assert status_only.get(f"/vorgaenge/{submission.vorgangsnummer}/status/").status_code == 403


def test_unknown_vorgang_is_404(back_office):
    assert back_office.post("/vorgaenge/AW-2026-0000000X/status/", {"status": "abgeschlossen"}).status_code == 404
    assert back_office.get("/vorgaenge/nonsense/status/").status_code == 404


def test_nachforderung(back_office, submission):
    body = {"text": "Bitte Impfpass nachreichen.", "due_date": "2030-01-31", "documents_requested": ["Impfpass"]}
    response = back_office.post(f"/vorgaenge/{submission.vorgangsnummer}/nachforderungen/", body)
    assert response.status_code == 201
    event = CaseEvent.objects.get(kind="nachforderung")
    assert event.payload == {"text": body["text"], "due_date": "2030-01-31", "documents_requested": ["Impfpass"]}
    bad = back_office.post(f"/vorgaenge/{submission.vorgangsnummer}/nachforderungen/", {"due_date": "morgen"})
    assert bad.status_code == 400 and {"text", "due_date"} <= set(bad.json()["errors"])


def test_bescheid_as_json_base64_is_stored_privately(back_office, submission, private_storage_dir):
    response = back_office.post(
        f"/vorgaenge/{submission.vorgangsnummer}/bescheide/",
        {"file_name": "Bescheid Hundesteuer.pdf", "content_base64": base64.b64encode(PDF).decode(), "note": "anbei"},
    )
    assert response.status_code == 201, response.content
    event = CaseEvent.objects.get(kind="bescheid")
    assert event.file.read() == PDF and event.file.name.endswith(".pdf")
    assert str(private_storage_dir) in event.file.path
    assert event.payload["file_name"] == "Bescheid_Hundesteuer.pdf" and len(event.file_sha512) == 128
    assert response.json()["has_file"] is True


def test_bescheid_as_multipart(back_office, submission):
    upload = io.BytesIO(PDF)
    upload.name = "bescheid.pdf"
    response = back_office.post_multipart(f"/vorgaenge/{submission.vorgangsnummer}/bescheide/", {"file": upload})
    assert response.status_code == 201, response.content
    assert CaseEvent.objects.get(kind="bescheid").file.read() == PDF


@pytest.mark.parametrize("content", [PNG, b"%PDF-1.4 but truncated", b"<html>%PDF-%%EOF</html>"])
def test_disguised_bescheid_is_rejected(back_office, submission, content):
    upload = io.BytesIO(content)
    upload.name = "bescheid.pdf"
    response = back_office.post_multipart(f"/vorgaenge/{submission.vorgangsnummer}/bescheide/", {"file": upload})
    assert response.status_code == 422 and "keine PDF" in _detail(response)
    json_response = back_office.post(
        f"/vorgaenge/{submission.vorgangsnummer}/bescheide/", {"content_base64": base64.b64encode(content).decode()}
    )
    assert json_response.status_code == 422
    assert CaseEvent.objects.count() == 0


def test_bescheid_size_limit(back_office, submission, settings):
    settings.AMTSWEG_UPLOAD_MAX_MB = 1
    big = PDF[:-6] + b"0" * (1024 * 1024) + b"%%EOF\n"
    response = back_office.post(
        f"/vorgaenge/{submission.vorgangsnummer}/bescheide/", {"content_base64": base64.b64encode(big).decode()}
    )
    assert response.status_code == 413
    upload = io.BytesIO(big)
    upload.name = "b.pdf"
    assert (
        back_office.post_multipart(f"/vorgaenge/{submission.vorgangsnummer}/bescheide/", {"file": upload}).status_code
        == 413
    )


def test_return_channel_idempotency(back_office, submission):
    path = f"/vorgaenge/{submission.vorgangsnummer}/status/"
    first = back_office.post(path, {"status": "beschieden"}, key="status-0001")
    again = back_office.post(path, {"status": "beschieden"}, key="status-0001")
    other = back_office.post(path, {"status": "abgeschlossen"}, key="status-0001")
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert again.json()["id"] == first.json()["id"]
    assert CaseEvent.objects.count() == 1
    assert back_office.post(path, {"status": "beschieden"}, key="bad").status_code == 400


def test_return_channel_for_an_api_message(portal, back_office):
    number = portal.post("/antraege/", _antrag(), key="antrag-0100").json()["vorgangsnummer"]
    response = back_office.post(f"/vorgaenge/{number}/status/", {"status": "eingegangen"})
    assert response.status_code == 201
    event = CaseEvent.objects.get()
    message = Message.objects.get(vorgang__number=number)
    # No submission behind it; the event belongs to the message's Vorgang and is audited under the message.
    assert not hasattr(event.vorgang, "submission") and event.vorgang_id == message.vorgang_id
    assert AuditEntry.objects.get(event="status_posted").message_id == str(message.pk)
    assert portal.get(f"/antraege/{message.pk}/").json()["case_status"] == "eingegangen"


def test_case_events_selector_for_the_postfach(back_office, submission):
    from amtsweg.cases.selectors import case_events_for, case_status

    path = f"/vorgaenge/{submission.vorgangsnummer}"
    back_office.post(f"{path}/status/", {"status": "in_bearbeitung"})
    back_office.post(f"{path}/nachforderungen/", {"text": "Bitte Nachweis."})
    back_office.post(f"{path}/status/", {"status": "nachforderung"})
    assert [e.kind for e in case_events_for(vorgang=submission.vorgang)] == ["status", "nachforderung", "status"]
    assert case_status(vorgang=submission.vorgang).payload["status"] == "nachforderung"


# --- OpenAPI ----------------------------------------------------------------------------------------------------


def test_openapi_documents_the_hub_api():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out)
    schema = json.loads(out.getvalue())
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "Token eines API-Zugangs (vom Betrieb vergeben).",
    }
    post = schema["paths"]["/api/v1/hub/antraege/"]["post"]
    assert {"bearerAuth": []} in post["security"]
    header = next(p for p in post["parameters"] if p["name"] == "Idempotency-Key")
    assert header["in"] == "header" and header["required"] is True
    assert {"201", "200", "400", "401", "403", "409", "413", "422"} <= set(post["responses"])
    bescheid = schema["paths"]["/api/v1/hub/vorgaenge/{vorgangsnummer}/bescheide/"]["post"]
    assert {"application/json", "multipart/form-data"} <= set(bescheid["requestBody"]["content"])


def test_client_rate_overrides_default_and_a_broken_rate_is_harmless(make_caller):
    strict = make_caller(scopes=["status:read"], rate="1/min")
    assert strict.get("/vorgaenge/AW-2026-XXXXXXXX/status/").status_code == 403
    limited = strict.get("/vorgaenge/AW-2026-XXXXXXXX/status/")
    assert limited.status_code == 429 and _detail(limited)
    broken = make_caller(scopes=["status:read"], rate="viel")
    assert broken.get("/vorgaenge/AW-2026-XXXXXXXX/status/").status_code == 403


@pytest.mark.parametrize(
    ("name", "content_type", "content", "fragment"),
    [
        # Issue 8 finding 8: HTML delivered as "….pdf" to a Funktionspostfach.
        ("nachweis.pdf", "application/pdf", b"<html><script>alert(1)</script></html>", "nicht, was"),
        ("nachweis.pdf", "application/pdf", PDF + b"<script>alert(1)</script>", "Skriptcode"),
        ("seite.html", "text/html", b"<!doctype html><p>Hallo</p>", "Skriptcode"),
        ("foto.png", "image/png", PDF, "nicht, was"),
    ],
)
def test_attachment_content_is_checked(portal, name, content_type, content, fragment):
    attachment = {"name": name, "content_type": content_type, "content_base64": base64.b64encode(content).decode()}
    response = portal.post("/antraege/", _antrag(attachments=[attachment]), key="antrag-0099")
    assert response.status_code == 400
    assert fragment in _detail(response) and name in _detail(response)
    assert "attachments" in response.json()["errors"]
    assert Message.objects.count() == 0
