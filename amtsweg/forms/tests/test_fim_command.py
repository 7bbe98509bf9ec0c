"""import_fim command and the imported WaBeKa as a working assistant (needs the database)."""

from __future__ import annotations

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

FIM_DIR = Path(settings.SHARED_DATA_DIR) / "fim"
WABEKA = FIM_DIR / "WaBeKa.xml"

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_fim", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_fim_loads_and_publishes_wabeka():
    out, err = run(str(WABEKA), "--key", "waffenbesitzkarte", "--publish")
    assert "XDatenfelder 1: 46 Datenfelder, 18 Datenfeldgruppen" in out
    assert "Hinweis:" in err and "Codeliste" in err
    version = FormVersion.objects.get(definition__key="waffenbesitzkarte")
    assert version.status == FormVersion.Status.PUBLISHED
    assert version.document["title"] == "Waffenbesitzkarte (WBK grün)"
    # importing the same file again is idempotent
    run(str(WABEKA), "--key", "waffenbesitzkarte")
    assert FormVersion.objects.filter(definition__key="waffenbesitzkarte").count() == 1


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


def _answer(field: dict):
    return {
        "text": "Muster",
        "textarea": "Muster",
        "decimal": "4711",
        "integer": "3",
        "currency": "10.00",
        "date": "2024-05-01",
        "boolean": True,
        "choice": "platzhalter",
    }[field["type"]]


def test_imported_wabeka_works_as_an_assistant():
    document = fim_import(xml=WABEKA.read_bytes()).definition
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
                    answers[group["key"]] = [{f["key"]: _answer(f) for f in required}]
            else:
                answers.update({f["key"]: _answer(f) for f in required})
    assert form_validate(form=form, answers=answers) == {}
    missing = dict(answers)
    del missing["f00000017_liste"]  # Hersteller- bzw. Seriennummer is 1:4
    assert "f00000017_liste" in form_validate(form=form, answers=missing)
