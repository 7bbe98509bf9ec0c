"""Rendering every step of every shipped definition: all field types, clean and accessible markup."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template.loader import render_to_string

from amtsweg.assistant import wizard
from amtsweg.assistant.tests.conftest import assert_clean_markup
from amtsweg.forms.definition import definition_parse
from amtsweg.forms.engine import form_from_document

DEFINITIONS = sorted((Path(__file__).resolve().parents[2] / "forms" / "definitions").glob("*.yaml"))
DEFINITIONS.append(Path(__file__).resolve().parent / "data" / "hundesteuer-anmeldung.yaml")


def _render(form, step, answers, errors=None):
    groups = wizard.step_page(form=form, step=step, answers=answers, errors=errors or {})
    html = "".join(
        render_to_string("assistant/partials/group.html", {"group": g, "step": step, "action": "/x/"}) for g in groups
    )
    return groups, html


@pytest.mark.django_db
@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda p: p.stem)
def test_every_step_renders_with_labels_and_unique_ids(path):
    form = form_from_document(document=definition_parse(text=path.read_text(encoding="utf-8")))
    for step in form.steps:
        groups, html = _render(form, step, {})
        assert_clean_markup(html)
        # Every field error gets a summary link that points at an element on the page.
        errors = {
            w.path: "Fehler"
            for g in groups
            for w in [x for r in g.rows for x in r.widgets] + g.widgets
            if w.kind not in {"info", "computed"}
        }
        groups, html = _render(form, step, {}, errors)
        assert_clean_markup(html)
        for link in wizard.error_links(groups, errors):
            assert link["href"] and f'id="{link["href"][1:]}"' in html, (step["key"], link)


def test_names_and_ids():
    assert wizard.dom_name("hund[1].hund_name") == "f-hund-1-hund_name"
    assert wizard.dom_id("hund[1].hund_name") == "feld-hund-1-hund_name"
    assert wizard.dom_name("anschrift.city") == "f-anschrift-city"
    assert wizard.answer_set({}, "hund[1].x", 1) == {"hund": [{}, {"x": 1}]}
    assert wizard.answer_get({"hund": [{}, {"x": 1}]}, "hund[1].x") == 1
    assert wizard.file_refs(
        {
            "a": {"name": "n", "size": 1, "type": "pdf", "ref": "r1"},
            "hund": [{"b": {"name": "n", "size": 1, "type": "png", "ref": "r2"}}],
        }
    ) == {"r1", "r2"}


def test_display_values():
    assert wizard.display_value({"type": "currency"}, "1234.5", {}) == "1.234,50 €"
    assert wizard.display_value({"type": "date"}, "2020-03-01", {}) == "01.03.2020"
    assert wizard.display_value({"type": "boolean"}, False, {}) == "Nein"
    assert wizard.display_value({"type": "iban"}, "DE89370400440532013000", {}) == "DE89 3704 0044 0532 0130 00"
    assert wizard.display_value({"type": "text"}, None, {}) == "–"
    assert wizard.date_parts({"tag": "3", "monat": "x", "jahr": "20"}) == {"tag": "3", "monat": "x", "jahr": "20"}
    assert wizard.input_text({"type": "decimal"}, "0.5") == "0,5"


def test_unreadable_date_is_kept_as_typed():
    class Post(dict):
        def getlist(self, key):
            return []

    spec = {"key": "d", "type": "date"}
    assert wizard._read(spec, "f-d", Post({"f-d-tag": "3", "f-d-monat": "5", "f-d-jahr": "2020"})) == "3.5.2020"
    assert wizard._read(spec, "f-d", Post({"f-d-tag": "drei", "f-d-monat": "5", "f-d-jahr": "2020"})) == {
        "tag": "drei",
        "monat": "5",
        "jahr": "2020",
    }
    assert wizard._read(spec, "f-d", Post({})) is None
