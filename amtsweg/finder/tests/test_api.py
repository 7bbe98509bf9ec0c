"""JSON API against the real data, plus the OpenAPI schema check."""

import io

import pytest
from django.core.management import call_command

from amtsweg.directory.models import Territory
from amtsweg.jurisdiction.selectors import responsible_authority

from .conftest import DRESDEN_AGS, PIRNA_AGS

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _detail(response) -> str:
    body = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"], body
    return body["detail"]


# --- Leistungen -------------------------------------------------------------------------------------------------


def test_search_finds_hundesteuer_for_hund(client, hundesteuer):
    response = client.get(f"{API}/leistungen/", {"q": "Hund"})
    body = response.json()
    assert response.status_code == 200
    assert body["query"] == "Hund"
    assert body["count"] == len(body["results"]) > 0
    slugs = [hit["slug"] for hit in body["results"]]
    assert hundesteuer.slug in slugs
    hit = body["results"][slugs.index(hundesteuer.slug)]
    assert hit["leika_key"] == hundesteuer.leika_key
    assert hit["execution_level"] == "gemeinde" and hit["execution_level_label"] == "Gemeinde"


def test_search_limit(client):
    body = client.get(f"{API}/leistungen/", {"q": "Antrag", "limit": "3"}).json()
    assert len(body["results"]) == 3


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({}, "„q“ fehlt"),
        ({"q": "   "}, "„q“ fehlt"),
        ({"q": "x" * 10_240}, "zu lang"),
        ({"q": "Hund", "limit": "viele"}, "„limit“"),
        ({"q": "Hund", "limit": "0"}, "„limit“"),
        ({"q": "Hund", "limit": "101"}, "„limit“"),
    ],
)
def test_search_bad_params_are_400_with_german_detail(client, params, fragment):
    response = client.get(f"{API}/leistungen/", params)
    assert response.status_code == 400
    assert fragment in _detail(response)


def test_search_metacharacters_are_harmless(client):
    response = client.get(f"{API}/leistungen/", {"q": "'; DROP TABLE catalog_leistung; -- <script>"})
    assert response.status_code in (200, 400)
    assert client.get(f"{API}/leistungen/", {"q": "Hundesteuer"}).json()["count"] > 0


def test_leistung_detail(client, hundesteuer):
    response = client.get(f"{API}/leistungen/{hundesteuer.slug}/")
    body = response.json()
    assert response.status_code == 200
    assert body["slug"] == hundesteuer.slug and body["name"] == hundesteuer.name
    assert body["leika_key"] == "99102013000000"
    assert body["lebenslage"]["name"] == hundesteuer.ozg.lebenslage.name
    assert body["themenfeld"]["slug"] == hundesteuer.ozg.lebenslage.themenfeld.slug
    assert body["ozg"]["ozg_id"] == hundesteuer.ozg.ozg_id
    for field in ("description", "required_documents", "fees", "deadlines", "processing_time", "legal_basis"):
        assert field in body


def test_leistung_detail_unknown_is_404_german(client):
    response = client.get(f"{API}/leistungen/gibt-es-nicht/")
    assert response.status_code == 404
    assert "gibt es nicht" in _detail(response)


# --- Orte --------------------------------------------------------------------------------------------------------


def test_place_search_by_postal_code_and_name(client):
    by_plz = client.get(f"{API}/orte/", {"q": "01067"}).json()
    assert DRESDEN_AGS in [hit["ags"] for hit in by_plz["results"]]
    by_name = client.get(f"{API}/orte/", {"q": "Pirna"}).json()
    first = by_name["results"][0]
    assert first["ags"] == PIRNA_AGS
    pirna = Territory.objects.get(ags=PIRNA_AGS, valid_until__isnull=True)
    assert first["ars"] == pirna.ars
    assert "01796" in first["postal_codes"]


def test_place_search_bad_params(client):
    assert client.get(f"{API}/orte/").status_code == 400
    response = client.get(f"{API}/orte/", {"q": "x" * 500})
    assert response.status_code == 400 and "zu lang" in _detail(response)


# --- Zuständigkeit -----------------------------------------------------------------------------------------------


def test_zustaendigkeit_gemeinde_level(client, hundesteuer, pirna):
    response = client.get(f"{API}/zustaendigkeit/", {"leistung": hundesteuer.slug, "ags": PIRNA_AGS})
    body = response.json()
    expected = responsible_authority(leistung=hundesteuer, gemeinde=pirna)
    assert response.status_code == 200
    assert body["leistung"]["slug"] == hundesteuer.slug
    assert body["requested_ags"] == PIRNA_AGS
    assert body["gemeinde"] == {"kind": "gemeinde", "name": pirna.name, "ags": PIRNA_AGS, "ars": pirna.ars}
    assert body["execution_level"] == "gemeinde"
    assert body["authority"]["key"] == expected.authority.key
    assert body["authority"]["territory"]["ars"] == expected.authority.territory.ars
    for field in ("street", "postal_code", "city", "phone", "email", "website", "opening_hours"):
        assert field in body["authority"]
    assert [unit["ars"] for unit in body["served_territories"]] == [u["ars"] for u in expected.served_territories]
    assert body["explanation"] == expected.explanation
    assert body["override"] is expected.override


def test_zustaendigkeit_unknown_level_is_a_distinct_state_with_both_candidates(client, hundesteuer, pirna):
    from amtsweg.catalog.models import Leistung

    Leistung.objects.filter(pk=hundesteuer.pk).update(execution_level="")
    body = client.get(f"{API}/zustaendigkeit/", {"leistung": hundesteuer.slug, "ags": PIRNA_AGS}).json()
    assert body["status"] == "unknown_level"
    assert body["authority"] is None
    # Pirna's Gemeinde-level authority (its Verwaltungsgemeinschaft's), then the Landratsamt.
    assert len(body["candidates"]) == 2 and body["candidates"][1]["kind"] == "landratsamt"
    assert body["candidates"][0]["kind"] in {"gemeindeverwaltung", "verwaltungsgemeinschaft", "verwaltungsverband"}
    assert body["candidates"][1]["territory"]["ags"] == PIRNA_AGS[:5]
    assert "noch nicht erfasst" in body["explanation"]


def test_zustaendigkeit_resolved_state_has_no_candidates(client, hundesteuer):
    body = client.get(f"{API}/zustaendigkeit/", {"leistung": hundesteuer.slug, "ags": PIRNA_AGS}).json()
    assert body["status"] == "resolved" and body["candidates"] == []


def test_zustaendigkeit_by_leika_key_kreis_level_in_kreisfreie_stadt(client, kreis_leistung):
    dresden = Territory.objects.get(ags=DRESDEN_AGS, valid_until__isnull=True)
    params = {"leistung": kreis_leistung.leika_key or kreis_leistung.slug, "ags": DRESDEN_AGS}
    body = client.get(f"{API}/zustaendigkeit/", params).json()
    expected = responsible_authority(leistung=kreis_leistung, gemeinde=dresden)
    assert body["execution_level"] == "kreis"
    assert body["authority"]["key"] == expected.authority.key
    # Dresden's own administration serves the kreisfreie Stadt: its ARS is among the served units.
    assert dresden.ars in [unit["ars"] for unit in body["served_territories"]]


def test_landkreis_answer_lists_its_gemeinden_only_when_asked(client, kreis_leistung, pirna):
    params = {"leistung": kreis_leistung.slug, "ags": PIRNA_AGS}
    brief = client.get(f"{API}/zustaendigkeit/", params).json()
    assert brief["authority"]["kind"] == "landratsamt"
    kreis = pirna.kreis
    # Only the Landkreis: its ARS is the prefix of every Gemeinde's, so routing needs nothing more.
    assert brief["served_territories"] == [{"kind": "kreis", "name": kreis.name, "ags": kreis.ags, "ars": kreis.ars}]
    assert brief["gemeinden_listed"] is False
    for flag in ("true", "1"):
        full = client.get(f"{API}/zustaendigkeit/", {**params, "gemeinden": flag}).json()
        assert full["gemeinden_listed"] is True
        assert full["served_territories"][0] == brief["served_territories"][0]
        gemeinden = [unit for unit in full["served_territories"] if unit["kind"] == "gemeinde"]
        assert pirna.ars in [unit["ars"] for unit in gemeinden] and len(gemeinden) > 20
        assert all(unit["ars"].startswith(kreis.ars) for unit in gemeinden)
    for flag in ("false", "0"):
        assert client.get(f"{API}/zustaendigkeit/", {**params, "gemeinden": flag}).json() == brief
    # Everything but the list is the same answer.
    assert {k: v for k, v in full.items() if k not in {"served_territories", "gemeinden_listed"}} == {
        k: v for k, v in brief.items() if k not in {"served_territories", "gemeinden_listed"}
    }


def test_gemeinde_level_answer_lists_its_gemeinden_without_asking(client, hundesteuer, pirna):
    body = client.get(f"{API}/zustaendigkeit/", {"leistung": hundesteuer.slug, "ags": PIRNA_AGS}).json()
    assert body["gemeinden_listed"] is True
    assert PIRNA_AGS in [unit["ags"] for unit in body["served_territories"]]


def test_zustaendigkeit_gemeinden_flag_must_be_a_boolean(client, kreis_leistung):
    params = {"leistung": kreis_leistung.slug, "ags": PIRNA_AGS, "gemeinden": "ja"}
    response = client.get(f"{API}/zustaendigkeit/", params)
    assert response.status_code == 400 and "gemeinden" in _detail(response)


@pytest.mark.parametrize(
    ("params", "status", "fragment"),
    [
        ({"ags": PIRNA_AGS}, 400, "„leistung“ fehlt"),
        ({"leistung": "hundesteuer"}, 400, "„ags“ fehlt"),
        ({"leistung": "hundesteuer", "ags": "1462827"}, 400, "8-stelliger"),
        ({"leistung": "hundesteuer", "ags": "abcdefgh"}, 400, "8-stelliger"),
        ({"leistung": "gibt-es-nicht", "ags": PIRNA_AGS}, 404, "gibt es nicht"),
        ({"leistung": "99999999999999", "ags": PIRNA_AGS}, 404, "gibt es nicht"),
        ({"leistung": "x" * 5000, "ags": PIRNA_AGS}, 400, "zu lang"),
    ],
)
def test_zustaendigkeit_bad_params(client, params, status, fragment):
    response = client.get(f"{API}/zustaendigkeit/", params)
    assert response.status_code == status
    assert fragment in _detail(response)


def test_zustaendigkeit_unknown_ags_is_404(client, hundesteuer):
    response = client.get(f"{API}/zustaendigkeit/", {"leistung": hundesteuer.slug, "ags": "99999999"})
    assert response.status_code == 404
    assert "99999999" in _detail(response)


# --- schema ------------------------------------------------------------------------------------------------------


def test_openapi_schema_is_valid_without_warnings(client):
    out = io.StringIO()
    # --fail-on-warn turns every drf-spectacular warning (e.g. an undocumented parameter) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out)
    schema = out.getvalue()
    for path in ("/api/v1/leistungen/", "/api/v1/leistungen/{slug}/", "/api/v1/orte/", "/api/v1/zustaendigkeit/"):
        assert f'"{path}"' in schema
    assert client.get("/api/schema/").status_code == 200


@pytest.mark.parametrize("gemeinden", [False, True])
@pytest.mark.parametrize("level", ["gemeinde", "kreis", "", "land"])
def test_fast_zustaendigkeit_payload_equals_the_documented_serializer(client, hundesteuer, pirna, level, gemeinden):
    """The API builds its answer without DRF's nested serializers; it must be exactly what they give."""
    from amtsweg.catalog.models import Leistung
    from amtsweg.finder.serializers import ZustaendigkeitSerializer, zustaendigkeit_payload

    Leistung.objects.filter(pk=hundesteuer.pk).update(execution_level=level)
    hundesteuer.refresh_from_db()
    resolution = responsible_authority(leistung=hundesteuer, gemeinde=pirna)
    fast = zustaendigkeit_payload(
        leistung=hundesteuer, requested_ags=PIRNA_AGS, resolution=resolution, gemeinden=gemeinden
    )
    listed = gemeinden or resolution.gemeinden_listed
    documented = {
        "leistung": {"slug": hundesteuer.slug, "name": hundesteuer.name, "leika_key": hundesteuer.leika_key},
        "requested_ags": PIRNA_AGS,
        "gemeinde": fast["gemeinde"],
        "execution_level": resolution.level,
        "execution_level_label": fast["execution_level_label"],
        "status": resolution.status,
        "authority": resolution.authority,
        "candidates": list(resolution.candidates),
        "served_territories": resolution.served_territories if listed else resolution.served_territories_brief,
        "gemeinden_listed": listed,
        "explanation": resolution.explanation,
        "override": resolution.override,
    }
    assert fast == ZustaendigkeitSerializer(documented).data
    params = {"leistung": hundesteuer.slug, "ags": PIRNA_AGS, **({"gemeinden": "true"} if gemeinden else {})}
    body = client.get(f"{API}/zustaendigkeit/", params).json()
    assert body == fast
