"""import_fim command and the imported WaBeKa as a working assistant (needs the database)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from amtsweg.forms.definition import definition_errors
from amtsweg.forms.engine import form_from_document, form_validate, step_validate
from amtsweg.forms.fim import fim_import
from amtsweg.forms.models import FormDefinition, FormVersion
from amtsweg.forms.services import codelist_import
from amtsweg.forms.services_fim import codelist_lookup

FIM_DIR = Path(settings.SHARED_DATA_DIR) / "fim"
WABEKA = FIM_DIR / "WaBeKa.xml"
TEST_CODELISTS = Path(__file__).resolve().parent / "data" / "codelists"
WBK = "99089086000000"
DRESDEN = "14612000"

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_fim", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _test_codelists():
    for path in TEST_CODELISTS.glob("*.xml"):
        codelist_import(data=path.read_bytes(), file_name=path.name, source="Testdaten")


def test_import_fim_refuses_to_publish_while_code_lists_are_missing(tmp_path):
    report_file = tmp_path / "bericht.json"
    with pytest.raises(CommandError) as error:
        run(str(WABEKA), "--key", "waffenbesitzkarte", "--leistung", WBK, "--publish", "--report", str(report_file))
    assert "aber nicht veröffentlicht" in str(error.value)
    assert "urn:de:xwaffe:codelisten:munitionsbezeichnungkaliber, Version 2017-05-08" in str(error.value)
    version = FormVersion.objects.get(definition__key="waffenbesitzkarte")
    assert version.status == FormVersion.Status.DRAFT  # the draft is kept for the modeller
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert {c["urn"] for c in report["missing_codelists"]} == {
        "Anrede",
        "Waffenkategorie",
        "Waffentyp",
        "Herstellerbezeichnung",
        "urn:de:xwaffe:codelisten:munitionsbezeichnungkaliber",
    }
    staat = next(c for c in report["codelists"] if c["urn"].endswith(":staat"))
    assert (staat["status"], staat["version"], staat["entries"]) == ("exact", "2017-01-01", 197)
    assert "Destatis" in staat["attribution"] or "Statistisches Bundesamt" in staat["attribution"]
    assert report["leistung"]["leika_key"] == WBK and report["leistung"]["bound"]
    assert report["publish"]["status"] == "draft" and report["publish"]["blocked_by"]


def test_import_fim_loads_and_publishes_wabeka_for_a_kommune():
    _test_codelists()
    out, err = run(str(WABEKA), "--key", "waffenbesitzkarte", "--leistung", WBK, "--publish", "--kommune", DRESDEN)
    assert "XDatenfelder 1: 46 Datenfelder, 18 Datenfeldgruppen" in out
    assert "Codeliste urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat (2017-01-01): Version" in out
    assert "Geladen: waffenbesitzkarte Version 1 (veröffentlicht)" in out
    version = FormVersion.objects.get(definition__key="waffenbesitzkarte")
    assert version.status == FormVersion.Status.PUBLISHED
    assert version.document["title"] == "Waffenbesitzkarte (WBK grün)"
    # importing the same file again is idempotent
    run(str(WABEKA), "--key", "waffenbesitzkarte", "--leistung", WBK)
    assert FormVersion.objects.filter(definition__key="waffenbesitzkarte").count() == 1


def test_publish_refused_where_the_leistung_has_no_responsible_authority():
    from amtsweg.catalog.models import ExecutionLevel, Leistung

    _test_codelists()
    leistung = (
        Leistung.objects.filter(execution_level=ExecutionLevel.UNBEKANNT, overrides__isnull=True)
        .exclude(leika_key="")
        .first()
    )
    with pytest.raises(CommandError) as error:
        run(str(WABEKA), "--leistung", leistung.leika_key, "--publish", "--kommune", DRESDEN)
    assert f"Für die Leistung „{leistung.name}“ ist in" in str(error.value)
    assert "keine zuständige Behörde erfasst" in str(error.value)
    with pytest.raises(CommandError, match="keiner Leistung zugeordnet"):
        run(str(WABEKA), "--key", "wbk-ohne-leistung", "--publish", "--kommune", DRESDEN)
    with pytest.raises(CommandError, match="AGS 99999999 ist im Gemeindeverzeichnis nicht vorhanden"):
        run(str(WABEKA), "--publish", "--kommune", "99999999")


def test_import_fim_report_to_stdout_lists_rules():
    out, _ = run(str(FIM_DIR / "xdatenfelder-xml-fixtures" / "v3" / "simple.xml"), "--dry-run", "--report", "-")
    report = json.loads(out[out.index("{") :])
    assert report["rules"][0]["id"] == "R60000000019" and report["rules"][0]["status"] == "reported"
    assert report["publish"]["blocked_by"] == []


def test_import_fim_dry_run_writes_yaml_only(tmp_path):
    target = tmp_path / "wbk.yaml"
    out, _ = run(str(WABEKA), "--dry-run", "--output", str(target))
    assert "Definition geschrieben" in out
    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert definition_errors(document=document) == []
    assert not FormDefinition.objects.filter(key=document["key"]).exists()


def test_import_fim_reports_broken_files(tmp_path):
    broken = FIM_DIR / "xdatenfelder-xml-fixtures" / "v3" / "missing-id-node.xml"
    with pytest.raises(CommandError, match=r"missing-id-node.xml: Zeile 9: .*ohne 'xdf:id'"):
        run(str(broken))
    with pytest.raises(CommandError, match="kann nicht gelesen werden"):
        run(str(tmp_path / "fehlt.xml"))
    empty = tmp_path / "leer.xml"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="Die Datei ist leer"):
        run(str(empty))


def _answer(field: dict, codelists: dict):
    if field.get("codelist"):
        return codelists[field["codelist"]][0]["value"]  # a real option of the stored list
    return {
        "text": "Muster",
        "textarea": "Muster",
        "decimal": "4711",
        "integer": "3",
        "currency": "10.00",
        "date": "2024-05-01",
        "boolean": True,
        "choice": "x",
    }[field["type"]]


def test_imported_wabeka_works_as_an_assistant():
    _test_codelists()
    document = fim_import(xml=WABEKA.read_bytes(), codelist_lookup=codelist_lookup).definition
    codelists = document["codelists"]
    form = form_from_document(document=document)

    errors = step_validate(form=form, step_key="schritt_g00000032", answers={})
    assert errors == {"f00000034": "Bitte füllen Sie das Feld „Organisationsname“ aus."}
    too_long = step_validate(form=form, step_key="schritt_g00000032", answers={"f00000034": "x" * 251})
    assert "höchstens 250 Zeichen" in too_long["f00000034"]

    # answer every required field (and one row for each repeatable group with min ≥ 1): nothing is left to fix
    answers: dict = {}
    for step in document["steps"]:
        for group in step["groups"]:
            required = [f for f in group["fields"] if f.get("required")]
            if "repeat" in group:
                if group["repeat"]["min"] >= 1:
                    answers[group["key"]] = [{f["key"]: _answer(f, codelists) for f in required}]
            else:
                answers.update({f["key"]: _answer(f, codelists) for f in required})
    assert form_validate(form=form, answers=answers) == {}
    missing = dict(answers)
    del missing["f00000017_liste"]  # Hersteller- bzw. Seriennummer is 1:4
    assert "f00000017_liste" in form_validate(form=form, answers=missing)
