"""Register import: Saxony's acceptance numbers, idempotence, the 2022 → 2025 update, all of Germany."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from amtsweg.catalog.models import Leistung
from amtsweg.directory import selectors, services
from amtsweg.directory.gv100ad import GV100ADError
from amtsweg.directory.models import Authority, PostalCode, RegisterImport, Territory, TerritoryChange
from amtsweg.jurisdiction.models import Override

from .conftest import POSTAL_CSV, REGISTER_2022, REGISTER_2025, directory_clear

JAHNATAL, OSTRAU, ZSCHAITZ = "14522275", "14522450", "14522620"


def _current(**filters):
    return Territory.objects.filter(valid_until__isnull=True, **filters)


def test_saxony_acceptance_numbers(saxony):
    gemeinden = _current(kind="gemeinde", ars__startswith="14")
    assert gemeinden.count() == 418
    assert gemeinden.aggregate(total=Sum("population"))["total"] == 4_042_422
    kreise = _current(kind="kreis", ars__startswith="14")
    assert kreise.count() == 13
    assert kreise.filter(type_code="44").count() == 10
    assert sorted(kreise.filter(type_code="41").values_list("ags", flat=True)) == ["14511", "14612", "14713"]
    assert saxony.population == 4_042_422  # aggregated from the Gemeinden
    assert _current(kind="regierungsbezirk", ars__startswith="14").count() == 3
    assert _current(kind="gemeindeverband", ars__startswith="14").count() == 309


def test_hierarchy_keys_and_denormalised_kreis(saxony):
    baerenstein = Territory.objects.select_related("parent__parent__parent__parent", "kreis").get(ags="14521060")
    assert (baerenstein.name, baerenstein.ars, baerenstein.type_code) == ("Bärenstein", "145215101060", "64")
    assert (baerenstein.population, baerenstein.area_ha, baerenstein.postal_code) == (2152, 547, "09471")
    verband = baerenstein.parent
    assert (verband.kind, verband.ars, verband.ags, verband.type_code) == ("gemeindeverband", "145215101", "", "54")
    assert (verband.name, verband.seat) == ("Bärenstein-Königswalde", "Bärenstein")
    kreis = verband.parent
    assert (kreis.kind, kreis.ars, kreis.ags, kreis.name) == ("kreis", "14521", "14521", "Erzgebirgskreis")
    assert kreis.postal_code == "09456"  # seat Annaberg-Buchholz
    assert baerenstein.kreis == kreis and verband.kreis_id == kreis.pk
    assert (kreis.parent.kind, kreis.parent.ars) == ("regierungsbezirk", "145")
    assert kreis.parent.parent == saxony
    leipzig = Territory.objects.select_related("parent", "kreis").get(ags="14713000", valid_until__isnull=True)
    assert (leipzig.ars, leipzig.parent.ars, leipzig.kreis.ags, leipzig.kreis.type_code) == (
        "147130000000",
        "147130000",
        "14713",
        "41",
    )


def test_reimport_of_the_same_file_changes_nothing(saxony):
    before = dict(Territory.objects.values_list("pk", "name"))
    changes_before = TerritoryChange.objects.count()
    run = services.register_import(path=REGISTER_2025, land="14")
    report = run.report
    assert [report[k] for k in ("created", "renamed", "moved", "merged", "dissolved", "updated")] == [0] * 6
    assert report["changes"] == {}
    assert TerritoryChange.objects.count() == changes_before
    assert dict(Territory.objects.values_list("pk", "name")) == before
    assert "Keine Gebietsänderungen" in services.register_report_text(report=report)


@pytest.mark.django_db
def test_update_2022_to_2025_records_the_jahnatal_merger_and_keeps_references():
    directory_clear()
    first = services.register_import(path=REGISTER_2022, land="14")
    assert first.report["initial"] is True
    assert first.report["gemeinden"] == 419 and first.report["population"] == 4_086_152
    services.postal_codes_import(path=POSTAL_CSV, land="14")
    services.authorities_generate(land="14")
    ostrau = Territory.objects.get(ags=OSTRAU)
    ostrau_postal = PostalCode.objects.get(code="04749", gemeinde=ostrau)
    manual = Authority.objects.create(
        key="buergerbuero-ostrau", name="Bürgerbüro Ostrau", kind="sonstige", territory=ostrau, generated=False
    )
    manual.serves.add(ostrau)
    leistung = Leistung.objects.order_by("pk").first()
    override = (
        Override.objects.create(leistung=leistung, territory=ostrau, authority=manual, reason="delegation")
        if leistung is not None
        else None
    )
    rows_before = Territory.objects.count()

    run = services.register_import(path=REGISTER_2025, land="14")

    report = run.report
    assert report["gemeinden"] == 418 and report["population"] == 4_042_422
    merged = {e["ags"] or e["ars"]: e for e in report["changes"]["merged"]}
    assert merged[OSTRAU]["successor_ags"] == JAHNATAL
    assert merged[ZSCHAITZ]["successor_ags"] == JAHNATAL
    assert merged["145225123"]["successor_ars"] == "145220275"  # the VG Ostrau → verbandsfreie Gemeinde Jahnatal
    created = {e["ags"] or e["ars"] for e in report["changes"]["created"]}
    assert created == {JAHNATAL, "145220275"}
    renamed = {e["ags"]: e["new"] for e in report["changes"]["renamed"] if e["ags"]}
    assert renamed["14522490"] == "Rochlitz, Stadt, Stadt des Roten Porphyr"
    assert report["dissolved"] == 0

    # Nothing deleted; the dissolved Gemeinden point at their successor.
    assert Territory.objects.count() == rows_before + 2
    jahnatal = Territory.objects.get(ags=JAHNATAL)
    for ags in (OSTRAU, ZSCHAITZ):
        gone = Territory.objects.get(ags=ags)
        assert gone.valid_until == dt.date(2025, 11, 30)
        assert gone.successor == jahnatal
        change = TerritoryChange.objects.get(register_import=run, territory=gone)
        assert (change.kind, change.related) == (TerritoryChange.Kind.MERGED, jahnatal)
    assert TerritoryChange.objects.filter(register_import=run, kind="created", territory=jahnatal).exists()

    # References to Ostrau still resolve to today's Gemeinde.
    ostrau.refresh_from_db()
    ostrau_postal.refresh_from_db()
    assert ostrau_postal.gemeinde_id == ostrau.pk
    assert selectors.territory_current(territory=ostrau_postal.gemeinde) == jahnatal
    assert selectors.gemeinde_by_ags(ags=OSTRAU) == jahnatal
    assert manual.serves.get().pk == ostrau.pk
    # Before the authorities are regenerated, the old ones still answer for the merged area.
    assert selectors.authority_for_gemeinde(gemeinde=ostrau, level="kreis").key == "lra-14522"
    assert selectors.authority_for_gemeinde(gemeinde=jahnatal, level="gemeinde").key == "gem-14522450"

    stats = services.authorities_generate(land="14")
    assert stats["created"] == 1 and stats["deactivated"] == 1
    assert selectors.authority_for_gemeinde(gemeinde=ostrau, level="gemeinde").key == "gem-14522275"
    assert Authority.objects.get(key="gem-14522450").active is False

    moved = services.references_redirect(land="14")
    assert moved["postal_codes"] >= 1 and moved["serves"] >= 1
    assert PostalCode.objects.filter(code="04749", gemeinde=jahnatal).exists()
    assert manual.serves.get() == jahnatal
    if override is not None:
        override.refresh_from_db()
        assert (override.territory, moved["overrides"]) == (jahnatal, 1)


@pytest.mark.django_db
def test_successor_heuristic_finds_jahnatal_without_the_curated_table():
    directory_clear()
    services.register_import(path=REGISTER_2022, land="14")
    services.register_import(path=REGISTER_2025, land="14", successors_file=None)
    jahnatal = Territory.objects.get(ags=JAHNATAL)
    assert set(jahnatal.predecessors.values_list("ags", flat=True)) == {OSTRAU, ZSCHAITZ}


def test_successors_guess_on_real_cases():
    D, C = services.Dissolved, services.Candidate
    # 2024 in Landkreis Greiz: Berga/Elster + Wünschendorf/Elster → new Berga-Wünschendorf;
    # Hartmannsdorf → Bad Köstritz; Kühdorf → Langenwetzendorf (same PLZ as Berga-Wünschendorf!).
    dissolved = [
        D("16076004", 4352, "07980", "160760004"),
        D("16076084", 1950, "07570", "160765004"),
        D("16076026", 341, "07586", "160765051"),
        D("16076038", 220, "07980", "160765056"),
    ]
    candidates = [
        C("16076094", 6302, "07980", "", new=True),
        C("16076003", 341, "07586", "160765051"),
        C("16076039", 220, "07985", "160765056"),
        C("16076001", 3, "07950", "160765056"),  # surveying noise
    ]
    assert services.successors_guess(dissolved=dissolved, candidates=candidates) == {
        "16076004": "16076094",
        "16076084": "16076094",
        "16076026": "16076003",
        "16076038": "16076039",
    }
    # Without a candidate big enough there is no guess.
    assert services.successors_guess(dissolved=[D("16063037", 398)], candidates=[C("16063104", 10)]) == {}


def test_older_register_is_refused(saxony):
    with pytest.raises(ValueError, match="älter als der bereits importierte"):
        services.register_import(path=REGISTER_2022, land="14")


def test_bad_arguments_give_german_errors(saxony, tmp_path):
    with pytest.raises(ValueError, match="Ungültiger Länderschlüssel"):
        services.register_import(path=REGISTER_2025, land="Sachsen")
    with pytest.raises(ValueError, match="Datei nicht gefunden"):
        services.register_import(path=tmp_path / "fehlt.txt", land="14")
    broken = tmp_path / "kaputt.txt"
    broken.write_text("99 kein GV100AD\n", encoding="utf-8")
    with pytest.raises(GV100ADError, match="Zeile 1: unbekannte Satzart"):
        services.register_import(path=broken, land=None)
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("6020251130145210605101Bärenstein".ljust(220).encode("latin-1"))
    with pytest.raises(GV100ADError, match="nicht UTF-8-kodiert"):
        services.register_import(path=latin1, land="14")
    with pytest.raises(CommandError, match="Datei nicht gefunden"):
        call_command("import_register", "--file", str(tmp_path / "fehlt.txt"))


def test_import_register_command_prints_german_report(saxony):
    out = StringIO()
    call_command("import_register", "--file", str(REGISTER_2025), stdout=out)
    text = out.getvalue()
    assert "Gebietsstand 30.11.2025" in text
    assert "418 Gemeinden" in text and "Bevölkerung 4.042.422" in text
    assert "Keine Gebietsänderungen" in text
    assert RegisterImport.objects.filter(scope="14").count() >= 1


def test_all_germany_import(saxony):
    leipzig_pk = Territory.objects.get(ags="14713000", valid_until__isnull=True).pk
    run = services.register_import(path=REGISTER_2025, land=None)
    gemeinden = _current(kind="gemeinde")
    assert gemeinden.count() == 10_953  # incl. 202 gemeindefreie Gebiete (Textkennzeichen 65/66)
    assert gemeinden.exclude(type_code__in=["65", "66"]).count() == 10_751
    assert _current(kind="land").count() == 16
    assert _current(kind="kreis").count() == 400
    assert run.report["population"] == 83_577_140
    # Saxony was already there: same rows, no changes reported for it, the other Länder are a first import.
    assert Territory.objects.get(ags="14713000", valid_until__isnull=True).pk == leipzig_pk
    assert "14" not in run.report["first_time_laender"] and len(run.report["first_time_laender"]) == 15
    assert run.report["changes"] == {}
