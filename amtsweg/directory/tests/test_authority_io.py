"""CSV/JSON export and import of authorities."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from amtsweg.directory import services
from amtsweg.directory.models import Authority


def _snapshot():
    return {
        a.key: (
            a.name,
            a.kind,
            a.territory_id,
            a.generated,
            a.phone,
            tuple(sorted(a.serves.values_list("pk", flat=True))),
        )
        for a in Authority.objects.prefetch_related("serves")
    }


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_round_trip_changes_nothing(saxony, fmt):
    before = _snapshot()
    data = services.authorities_export(fmt=fmt)
    result = services.authorities_import(data=data, fmt=fmt)
    assert result == {"created": 0, "updated": 0, "unchanged": len(before), "errors": []}
    assert _snapshot() == before


def test_export_content(saxony):
    rows = json.loads(services.authorities_export(fmt="json"))
    vg = next(r for r in rows if r["key"] == "gem-14521060")
    assert vg["kind"] == "verwaltungsgemeinschaft"
    assert vg["territory"] == "145215101060"
    assert vg["serves"] == ["14521060", "14521340"]
    assert vg["acts_for_gemeinde"] is True and vg["generated"] is True
    reader = csv.DictReader(io.StringIO(services.authorities_export(fmt="csv")), delimiter=";")
    leipzig = next(r for r in reader if r["key"] == "gem-14713000")
    assert (leipzig["serves"], leipzig["acts_for_kreis"], leipzig["territory"]) == ("14713000", "ja", "147130000000")


def test_import_updates_creates_and_protects_edits(saxony):
    rows = json.loads(services.authorities_export(fmt="json"))
    edited = next(r for r in rows if r["key"] == "lra-14522")
    edited.update(phone="03731 799-0", street="Frauensteiner Straße 43", needs_review=False)
    new = {
        "key": "buergerbuero-freiberg",
        "name": "Bürgerbüro Freiberg",
        "kind": "Sonstige Stelle",  # labels are accepted as well as values
        "territory": "145220180180",
        "serves": ["14522180"],
        "acts_for_gemeinde": "ja",
        "email": "buergerbuero@example.org",
    }
    result = services.authorities_import(data=json.dumps([edited, new]), fmt="json")
    assert result == {"created": 1, "updated": 1, "unchanged": 0, "errors": []}
    lra = Authority.objects.get(key="lra-14522")
    assert (lra.phone, lra.generated, lra.needs_review) == ("03731 799-0", False, False)
    created = Authority.objects.get(key="buergerbuero-freiberg")
    assert (created.kind, created.generated, created.acts_for_gemeinde) == ("sonstige", False, True)
    assert list(created.serves.values_list("ags", flat=True)) == ["14522180"]
    # The next generation run leaves the edited Landratsamt alone.
    assert services.authorities_generate(land="14")["kept_manual"] == 1
    assert Authority.objects.get(key="lra-14522").phone == "03731 799-0"


def test_import_errors_are_german_per_row_and_nothing_is_written(saxony):
    count = Authority.objects.count()
    data = (
        "key;name;kind;territory;serves;postal_code;email;website;acts_for_kreis\n"
        "ok-1;Gültig;sonstige;14713;14713000;04109;a@example.org;https://example.org;ja\n"
        ";Ohne Schlüssel;sonstige;14713;;;;;nein\n"
        "bad kind;X;amt;14713;;;;;nein\n"
        "x-2;X;sonstige;99999;12345678;4109;keine-mail;ftp://x;vielleicht\n"
        "ok-1;Doppelt;sonstige;14713;;;;;nein\n"
    )
    result = services.authorities_import(data=data, fmt="csv")
    errors = result["errors"]
    assert result["created"] == 0 and Authority.objects.count() == count
    expected = [
        "Zeile 3: Pflichtfeld „Schlüssel“ (key) ist leer.",
        "Zeile 4: Schlüssel „bad kind“ ist ungültig",
        "Zeile 4: unbekannte Art „amt“",
        "Zeile 5: kein Gebiet mit Regionalschlüssel (ARS) „99999“",
        "Zeile 5: keine Gemeinde mit Gemeindeschlüssel (AGS) „12345678“",
        "Zeile 5: PLZ „4109“ muss aus fünf Ziffern bestehen.",
        "Zeile 5: E-Mail-Adresse „keine-mail“ ist ungültig.",
        "Zeile 5: Website „ftp://x“ ist keine gültige http(s)-Adresse.",
        "Zeile 5: „vielleicht“ ist kein gültiger Wert für acts_for_kreis",
        "Zeile 6: Schlüssel „ok-1“ kommt doppelt vor (zuerst in Zeile 2).",
    ]
    for message in expected:
        assert any(e.startswith(message) for e in errors), (message, errors)
    assert not any(e.startswith("Zeile 2") for e in errors)


@pytest.mark.parametrize(
    ("data", "fmt", "message"),
    [
        ("{kaputt", "json", "Ungültiges JSON (Zeile 1, Spalte 2): die Datei ist kein gültiges JSON."),
        ('{"a": 1}', "json", "Das JSON muss eine Liste von Behörden sein."),
        ("[1]", "json", "Eintrag 1: muss ein Objekt sein."),
        ("key;name\nx;y\n", "csv", "Spalte „kind“ fehlt in der Kopfzeile."),
        ("", "csv", "Spalte „key“ fehlt in der Kopfzeile."),
    ],
)
def test_import_file_level_errors(saxony, data, fmt, message):
    assert message in services.authorities_import(data=data, fmt=fmt)["errors"]


def test_unknown_format_is_refused(saxony):
    with pytest.raises(ValueError, match="Unbekanntes Format „xml“"):
        services.authorities_export(fmt="xml")
    with pytest.raises(ValueError, match="Unbekanntes Format"):
        services.authorities_import(data="", fmt="xml")


def test_export_and_import_commands(saxony, tmp_path):
    target = tmp_path / "behoerden.json"
    call_command("export_authorities", "--format", "json", "--output", str(target), stderr=io.StringIO())
    out = io.StringIO()
    call_command("import_authorities", str(target), stdout=out)
    assert out.getvalue().strip() == f"Behörden: 0 neu, 0 aktualisiert, {Authority.objects.count()} unverändert."
    bad = tmp_path / "bad.csv"
    bad.write_text("key;name;kind;territory\nx;y;unbekannt;14\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 Fehler – es wurde nichts importiert."):
        call_command("import_authorities", str(bad), stderr=err)
    assert "Zeile 2: unbekannte Art „unbekannt“" in err.getvalue()
