"""Register facts: API and command read the real Saxon register (30.11.2025 with the 2022 history)."""

import io

import pytest
from django.core.management import call_command

from amtsweg.directory.models import RegisterImport, Territory

pytestmark = pytest.mark.django_db

URL = "/api/v1/verzeichnis/"


def test_facts_counts_and_population_per_land_and_kreis(client):
    response = client.get(URL, {"land": "14"})
    body = response.json()
    assert response.status_code == 200, body
    totals = body["totals"]
    assert totals["gemeinden"] == 418 and totals["kreise"] == 13 and totals["laender"] == 1
    assert totals["historical_gemeinden"] >= 2  # Ostrau, Zschaitz-Ottewig
    current = Territory.objects.filter(kind="gemeinde", valid_until__isnull=True, ars__startswith="14")
    assert totals["population"] == sum(p or 0 for p in current.values_list("population", flat=True))
    assert body["laender"][0]["population"] == totals["population"]
    mittelsachsen = next(k for k in body["kreise"] if k["ags"] == "14522")
    assert mittelsachsen["gemeinden"] == current.filter(ags__startswith="14522").count()
    assert sum(k["gemeinden"] for k in body["kreise"]) == 418
    assert body["verbaende"] and all(v["ags"] == "" for v in body["verbaende"])
    assert body["register_date"] == "2025-11-30"


def test_facts_list_the_import_reports_with_mergers_and_renames(client):
    body = client.get(URL).json()
    latest = next(run for run in body["imports"] if run["source"] == "GV100AD_30112025.txt")
    merged = {c["ags"]: c["successor_ags"] for c in latest["changes"] if c["kind"] == "merged"}
    assert merged.get("14522450") == "14522275"
    renamed = {c["ags"]: c["new"] for c in latest["changes"] if c["kind"] == "renamed"}
    assert renamed["14523320"] == "Plauen, Stadt, Hochschulstadt"
    assert latest["counts"]["gemeinden"] == 418


def test_facts_write_nothing_and_refuse_a_bad_land(client):
    before = (RegisterImport.objects.count(), Territory.objects.count())
    assert client.get(URL, {"land": "Sachsen"}).status_code == 400
    assert "Länderschlüssel" in client.get(URL, {"land": "1"}).json()["detail"]
    assert client.post(URL).status_code == 405
    assert (RegisterImport.objects.count(), Territory.objects.count()) == before


def test_register_facts_command():
    out = io.StringIO()
    call_command("register_facts", "--land", "14", stdout=out)
    text = out.getvalue()
    assert "418 Gemeinden" in text and "14522 Mittelsachsen" in text
    assert "Ostrau (14522450) → Jahnatal (14522275)" in text
    out = io.StringIO()
    call_command("register_facts", "--json", stdout=out)
    assert '"gemeinden": 418' in out.getvalue()
