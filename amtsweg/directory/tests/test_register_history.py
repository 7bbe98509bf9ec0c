"""The register's history: bootstrap imports 31.12.2022 before 30.11.2025, so merged Gemeinden resolve.

Real case from the data: Ostrau (14522450) and Zschaitz-Ottewig (14522620) merged into Jahnatal
(14522275) on 1.1.2024.
"""

import pytest
from django.conf import settings

from amtsweg.directory.models import RegisterImport, Territory, TerritoryChange
from amtsweg.directory.selectors import gemeinde_by_ags
from amtsweg.directory.services import register_backfill, register_history_ensure

from .conftest import REGISTER_2022

pytestmark = pytest.mark.django_db

OSTRAU, ZSCHAITZ, JAHNATAL = "14522450", "14522620", "14522275"


def test_bootstrap_imported_both_register_versions_in_order():
    runs = list(RegisterImport.objects.filter(scope="14").order_by("register_date"))
    assert [r.source for r in runs][-2:] == ["GV100AD_31122022.txt", "GV100AD_30112025.txt"]
    latest = runs[-1]
    merged = TerritoryChange.objects.filter(register_import=latest, kind=TerritoryChange.Kind.MERGED)
    assert {c.territory.ags for c in merged if c.territory.kind == "gemeinde"} == {OSTRAU, ZSCHAITZ}
    renamed = TerritoryChange.objects.filter(register_import=latest, kind=TerritoryChange.Kind.RENAMED)
    assert "Plauen, Stadt, Hochschulstadt" in {c.new_value for c in renamed}


@pytest.mark.parametrize("old_ags", [OSTRAU, ZSCHAITZ])
def test_old_ags_of_merged_gemeinde_resolves_to_successor(old_ags):
    old = Territory.objects.get(kind="gemeinde", ags=old_ags)
    assert old.valid_until is not None and old.successor.ags == JAHNATAL
    assert gemeinde_by_ags(ags=old_ags).ags == JAHNATAL


def test_zustaendigkeit_api_answers_for_the_old_ags(client):
    from amtsweg.catalog.models import Leistung

    hundesteuer = Leistung.objects.get(leika_key="99102013000000")
    response = client.get("/api/v1/zustaendigkeit/", {"leistung": hundesteuer.slug, "ags": OSTRAU})
    body = response.json()
    assert response.status_code == 200, body
    assert body["requested_ags"] == OSTRAU
    assert body["gemeinde"]["ags"] == JAHNATAL
    assert body["status"] == "resolved"


def test_finder_page_with_old_ags_shows_the_successor(client):
    from amtsweg.catalog.models import Leistung

    hundesteuer = Leistung.objects.get(leika_key="99102013000000")
    html = client.get(f"/leistungen/{hundesteuer.slug}/?ort={OSTRAU}").content.decode()
    assert "Zuständige Stelle für Jahnatal" in html


def test_old_postal_code_and_name_resolve_to_successor(client):
    body = client.get("/api/v1/orte/", {"q": "04749"}).json()
    assert JAHNATAL in {hit["ags"] for hit in body["results"]}
    body = client.get("/api/v1/orte/", {"q": "Ostrau"}).json()
    assert body["results"] and body["results"][0]["ags"] == JAHNATAL


def test_second_run_changes_nothing():
    before = RegisterImport.objects.count()
    assert "bereits aktuell" in register_history_ensure(data_dir=settings.SHARED_DATA_DIR, land="14")
    assert RegisterImport.objects.count() == before


def test_backfill_into_a_database_that_only_has_the_newer_register():
    """A database that imported only 30.11.2025 gets the dissolved Gemeinden of 2022 with successors."""
    old_rows = Territory.objects.filter(kind="gemeinde", ags__in=[OSTRAU, ZSCHAITZ])
    run_2022 = RegisterImport.objects.get(source="GV100AD_31122022.txt", scope="14")
    # Make the database look as if 2022 had never been imported (rolled back after the test).
    TerritoryChange.objects.filter(territory__in=old_rows).delete()
    TerritoryChange.objects.filter(related__in=old_rows).delete()
    Territory.objects.filter(successor__in=old_rows).update(successor=None)
    Territory.objects.filter(pk__in=old_rows.values("pk")).filter(predecessors__isnull=True).delete()
    run_2022.delete()
    assert gemeinde_by_ags(ags=OSTRAU) is None

    run = register_backfill(path=REGISTER_2022, land="14")
    assert run.report["kind"] == "history" and run.report["gemeinden_added"] == 2
    assert sorted(run.report["merged"]) == [
        "Ostrau (14522450) → Jahnatal (14522275)",
        "Zschaitz-Ottewig (14522620) → Jahnatal (14522275)",
    ]
    assert gemeinde_by_ags(ags=OSTRAU).ags == JAHNATAL
    ostrau = Territory.objects.get(kind="gemeinde", ags=OSTRAU)
    assert ostrau.kreis.ags == "14522" and str(ostrau.valid_until) == "2025-11-30"
    # And ensure() now sees the history as done.
    assert "bereits aktuell" in register_history_ensure(data_dir=settings.SHARED_DATA_DIR, land="14")
