import csv
import json

import pytest
from django.core.management import CommandError, call_command

from amtsweg.catalog.models import Lebenslage, Leistung, OzgLeistung, Themenfeld
from amtsweg.catalog.selectors import leistung_edited_fields, leistungen_for_index
from amtsweg.catalog.services import (
    STAMMTEXTE_FILE,
    CatalogImportError,
    catalog_import,
    format_legal_basis,
    german_slugify,
    normalize_leika_typ,
)


def _wipe_catalog():
    Leistung.objects.all().delete()
    OzgLeistung.objects.all().delete()
    Lebenslage.objects.all().delete()
    Themenfeld.objects.all().delete()


def test_catalog_counts(catalog):
    assert Themenfeld.objects.count() == 14
    assert Lebenslage.objects.count() == 55
    assert OzgLeistung.objects.count() == 557
    assert Leistung.objects.count() == 5225


def test_fresh_import_reports_counts(catalog):
    _wipe_catalog()
    report = catalog_import(path=catalog)
    assert report["created"] == 5225
    assert (report["themenfelder"], report["lebenslagen"], report["ozg_leistungen"], report["leistungen"]) == (
        14,
        55,
        557,
        5225,
    )
    assert report["level_rows_unmatched"] == []
    assert report["stammtext_keys_unmatched"] == []
    assert report["unpublished"] == 2


def test_reimport_is_idempotent(catalog):
    slugs_before = dict(Leistung.objects.values_list("import_key", "slug"))
    report = catalog_import(path=catalog)
    assert report["created"] == 0
    assert report["updated"] == 0
    assert report["unchanged"] == 5225
    assert Leistung.objects.count() == 5225
    assert OzgLeistung.objects.count() == 557
    assert dict(Leistung.objects.values_list("import_key", "slug")) == slugs_before


def test_themenfeld_trailing_space_is_stripped(catalog):
    assert Themenfeld.objects.filter(name="Querschnitt").exists()
    assert not Themenfeld.objects.filter(name__endswith=" ").exists()
    lebenslage = Lebenslage.objects.get(name="Querschnitt Bürger")
    assert lebenslage.themenfeld.name == "Querschnitt"


def test_rows_without_leika_key(catalog):
    nil = Leistung.objects.filter(leika_key="")
    assert nil.count() == 426
    assert nil.values("slug").distinct().count() == 426
    # The source repeats this row verbatim; both are kept with distinct, stable slugs.
    twins = Leistung.objects.filter(name__startswith="Überwachung von Managementsystemen über zulassungspflichtige")
    assert twins.count() == 2
    assert len({t.slug for t in twins}) == 2
    assert all(t.import_key.startswith("nil:10280:") for t in twins)


def test_leika_typ_variants_kept(catalog):
    assert Leistung.objects.get(leika_key="99102013000000").leika_typ == "4"
    assert Leistung.objects.get(leika_key="99022001000000").leika_typ == "1, 2"
    assert Leistung.objects.filter(leika_typ="1, 2/3").count() == 20
    assert Leistung.objects.get(leika_key="99010012000000").leika_typ == ""
    assert normalize_leika_typ(" 1,2/3 ") == "1, 2/3"
    assert normalize_leika_typ("") == ""


def test_test_rows_of_the_dump_are_hidden(catalog):
    hidden = Leistung.objects.filter(published=False)
    assert set(hidden.values_list("name", flat=True)) == {"Test 124", "Test 4"}
    index_names = {row["name"] for row in leistungen_for_index()}
    assert "Test 124" not in index_names


def test_legal_basis_is_readable(catalog):
    leistung = Leistung.objects.get(leika_key="99046029000000")
    assert leistung.legal_basis == (
        "§ 882g Zivilprozessordnung (ZPO) – https://www.gesetze-im-internet.de/zpo/__882g.html"
    )
    assert "[" not in "".join(Leistung.objects.values_list("legal_basis", flat=True))


def test_format_legal_basis_drops_truncated_url():
    raw = "§ 40 SGB XI [https://www.gesetze-im-internet.de/sgb_11/__40.html], § 29 SGB XI [https://www.gesetze-im"
    assert format_legal_basis(raw) == ("§ 40 SGB XI – https://www.gesetze-im-internet.de/sgb_11/__40.html\n§ 29 SGB XI")
    assert format_legal_basis("Gesetz ohne Link") == "Gesetz ohne Link"
    assert format_legal_basis("") == ""
    assert format_legal_basis("A [http://www.gesetze-im-internet.de/a/], B [") == (
        "A – https://www.gesetze-im-internet.de/a/\nB"
    )


def test_german_slugs(catalog):
    assert german_slugify("Straßenschäden Übermäßig") == "strassenschaeden-uebermaessig"
    assert Leistung.objects.get(leika_key="99102013000000").slug == "hundesteuer"
    assert Leistung.objects.get(leika_key="99108011000000").slug == "parkplatzabsperrung-fuer-umzug-halteverbotszone"
    assert not Leistung.objects.filter(slug__regex=r"[^a-z0-9-]").exists()
    assert Themenfeld.objects.get(name="Mobilität & Reisen").slug == "mobilitaet-reisen"


def test_editor_changes_survive_reimport(catalog):
    hund = Leistung.objects.get(leika_key="99102013000000")
    hund.fees = "Jährlich 108 Euro für den ersten Hund (Satzung der Gemeinde)."
    hund.execution_level = "kreis"
    hund.save()
    untouched_description = hund.description

    report = catalog_import(path=catalog)

    hund.refresh_from_db()
    assert hund.fees == "Jährlich 108 Euro für den ersten Hund (Satzung der Gemeinde)."
    assert hund.execution_level == "kreis"
    assert hund.description == untouched_description
    assert report["updated"] == 0
    assert set(leistung_edited_fields(leistung=hund)) == {"fees", "execution_level"}


def test_source_changes_update_unedited_fields_only(catalog, tmp_path):
    baseline = catalog_import(path=catalog)["kept_edits"]  # other suites may have edited Leistungen
    hund = Leistung.objects.get(leika_key="99102013000000")
    befreiung = Leistung.objects.get(leika_key="99102013010000")
    hund.fees = "Redaktionell gepflegt"
    hund.save()
    # A new version of the Stammtexte changes fees for both Hundesteuer entries.
    data = json.loads(STAMMTEXTE_FILE.read_text(encoding="utf-8"))
    for entry in data["entries"]:
        if "99102013000000" in entry["leika_keys"] or "99102013010000" in entry["leika_keys"]:
            entry["fees"] = "Neue Gebührenangabe"
    stammtexte = tmp_path / "stammtexte.json"
    stammtexte.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    report = catalog_import(path=catalog, stammtexte_path=stammtexte)

    hund.refresh_from_db()
    befreiung.refresh_from_db()
    assert hund.fees == "Redaktionell gepflegt"
    assert befreiung.fees == "Neue Gebührenangabe"
    assert report["updated"] >= 2
    assert report["kept_edits"] == baseline + 1


def test_renamed_leistung_keeps_slug(catalog, tmp_path):
    source = tmp_path / "katalog.csv"
    with open(catalog, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["leika_schluessel"] == "99102013000000":
            row["leika_bezeichnung"] = "Hundesteuer (neu)"
    with open(source, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    report = catalog_import(path=source)

    hund = Leistung.objects.get(leika_key="99102013000000")
    assert hund.name == "Hundesteuer (neu)"
    assert hund.slug == "hundesteuer"
    assert report["updated"] == 1
    assert report["created"] == 0


def test_missing_file_gives_german_error(tmp_path, db):
    with pytest.raises(CatalogImportError, match="wurde nicht gefunden"):
        catalog_import(path=tmp_path / "fehlt.csv")


def test_wrong_format_gives_german_error(tmp_path, db):
    bad = tmp_path / "falsch.csv"
    bad.write_text("spalte_a,spalte_b\n1,2\n", encoding="utf-8")
    with pytest.raises(CatalogImportError, match="es fehlen die Spalten: leika_schluessel"):
        catalog_import(path=bad)
    with pytest.raises(CommandError, match="nicht das erwartete Format"):
        call_command("import_catalog", "--path", str(bad))


def test_incomplete_row_gives_german_error(tmp_path, catalog):
    bad = tmp_path / "unvollstaendig.csv"
    with open(catalog, encoding="utf-8") as fh:
        header = fh.readline()
    bad.write_text(header + "99102013000000,Hundesteuer,4,,Hundehaltung,Haustiere,Freizeit,\n", encoding="utf-8")
    with pytest.raises(CatalogImportError, match="Zeile 2 der Katalogdatei ist unvollständig"):
        catalog_import(path=bad)
    assert Leistung.objects.get(leika_key="99102013000000").name == "Hundesteuer"


def test_import_command(catalog, capsys):
    call_command("import_catalog", "--path", str(catalog))
    out = capsys.readouterr().out
    assert "leistungen: 5225" in out
    assert "created: 0" in out
    assert "Vollzugsebenen:" in out
