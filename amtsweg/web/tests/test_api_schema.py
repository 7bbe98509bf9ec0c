"""Every API operation against its own OpenAPI schema, with schemathesis (issue 8, finding 11).

The live schema (``/api/schema/``) is loaded from the WSGI application and each operation gets generated
requests — valid ones (must be accepted) and invalid ones (must be rejected with a 4xx) — in a bounded,
deterministic run (fixed seed, ``MAX_EXAMPLES`` per operation and phase). Any 5xx, any response that
breaks the schema, any undocumented status code or a schema-violating request that is accepted fails.
The hub operations are called with the token of a test API client that has every scope.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

# Throttling counts in the shared cache, a database table (docs/adr/0010-shared-cache.md).
pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 25

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20261203,
        # NUL characters are refused in every text field (Django's ProhibitNullCharactersValidator); the
        # schema does not spell that out for each field, so valid-data generation leaves them out.
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "allow-x00": False},
        "phases": {"stateful": {"enabled": False}},
        "checks": {
            # A schema-valid request may still be refused for a documented business reason: 422 = unknown
            # LeiKa key/AGS, no responsible authority, or a Bescheid that is not a PDF (see the hub API).
            "positive_data_acceptance": {"expected-statuses": ["2XX", 401, 403, 404, 409, 422, 429]},
        },
    }
)


@pytest.fixture
def api_token(db):
    from amtsweg.apiclients.services import api_client_create
    from amtsweg.catalog.models import Leistung
    from amtsweg.directory.selectors import gemeinde_by_ags
    from amtsweg.jurisdiction.selectors import responsible_authority

    leistung = Leistung.objects.filter(leika_key="99102013000000").order_by("pk").first()
    authority = responsible_authority(leistung=leistung, gemeinde=gemeinde_by_ags(ags="14612000")).authority
    _client, token = api_client_create(
        name="schemathesis",
        scopes=["submissions:write", "status:write", "status:read", "decisions:write"],
        authority=authority,
        rate="100000/min",
    )
    return token


@pytest.fixture
def api_schema(db):
    from amtsweg.wsgi import application

    # Like Django's test client: keep the test's transaction open across requests.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_api_operation_matches_its_schema(case, api_token):
    cache.clear()  # the anonymous rate limit is not what this test is about
    case.call_and_validate(headers={"Authorization": f"Bearer {api_token}"})


# --- The mismatches schemathesis reported (issue 8, finding 11), each pinned down directly ----------------------


@pytest.fixture
def live_schema(client):
    return client.get("/api/schema/?format=json").json()


def _param(schema: dict, path: str, method: str, name: str) -> dict:
    return next(p for p in schema["paths"][path][method]["parameters"] if p["name"] == name)["schema"]


def _component(schema: dict, name: str) -> dict:
    return schema["components"]["schemas"][name]


def test_schema_states_what_the_views_check(live_schema):
    key = _param(live_schema, "/api/v1/hub/antraege/", "post", "Idempotency-Key")
    assert key["minLength"] == 8 and key["maxLength"] == 100 and key["pattern"]
    assert _param(live_schema, "/api/v1/leistungen/", "get", "q")["minLength"] == 1
    assert _param(live_schema, "/api/v1/leistungen/", "get", "limit") == {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
    }
    assert _component(live_schema, "NachforderungIn")["properties"]["text"]["minLength"] == 1
    assert _component(live_schema, "AntragIn")["properties"]["data"]["minProperties"] == 1
    assert _component(live_schema, "BescheidJsonIn")["properties"]["content_base64"]["minLength"] == 1
    online_url = _component(live_schema, "LeistungDetail")["properties"]["online_url"]
    assert online_url["format"] == "uri" and online_url["nullable"] is True


@pytest.mark.parametrize("limit", ["", " ", "abc", "0", "101"])
def test_limit_must_be_an_integer_in_range(client, limit):
    response = client.get("/api/v1/leistungen/", {"q": "Hund", "limit": limit})
    assert response.status_code == 400
    assert "limit" in response.json()["detail"]


def test_note_must_be_a_string(client, api_token):
    response = client.post(
        "/api/v1/hub/vorgaenge/AW-2026-XXXXXXXX/status/",
        data='{"status": "in_bearbeitung", "note": 0}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {api_token}"},
    )
    assert response.status_code == 400
    assert response.json()["errors"]["note"] == ["Bitte geben Sie hier eine Zeichenkette an."]


@pytest.mark.django_db
def test_online_url_is_null_not_empty(client):
    from amtsweg.catalog.models import Leistung

    leistung = Leistung.objects.filter(online_url="").exclude(slug="").order_by("pk").first()
    response = client.get(f"/api/v1/leistungen/{leistung.slug}/")
    assert response.status_code == 200
    assert response.json()["online_url"] is None


@pytest.mark.parametrize(
    "path", ["/api/v1/hub/antraege/kein-uuid/", "/api/v1/leistungen/mit leerzeichen/", "/api/v2/", "/api/"]
)
def test_unknown_api_paths_answer_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]
