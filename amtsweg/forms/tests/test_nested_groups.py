"""Nested repeatable groups (ADR 0027): persons, each with several addresses — format, paths, engine."""

import copy

import pytest

from amtsweg.forms.definition import definition_errors, iter_fields
from amtsweg.forms.engine import answers_finalize, answers_prune, form_from_document, form_validate, step_validate
from amtsweg.forms.paths import answer_path_parse, nested_row_path, path_parse

PIRNA = {"==": [{"var": "ort"}, "Pirna"]}
DOCUMENT = {
    "key": "verschachtelt",
    "title": "Personen mit Anschriften",
    "steps": [
        {
            "key": "personen_schritt",
            "title": "Personen",
            "groups": [
                {
                    "key": "person",
                    "title": "Personen",
                    "repeat": {"min": 1, "max": 3, "item_label": "Person"},
                    "fields": [
                        {"key": "vorname", "type": "text", "label": "Vorname", "required": True},
                        {"key": "hat_anschrift", "type": "boolean", "label": "Anschrift angeben?"},
                    ],
                    "subgroups": [
                        {
                            "key": "anschrift",
                            "title": "Anschriften",
                            "when": {"var": "hat_anschrift"},
                            "repeat": {"min": 1, "max": 2, "item_label": "Anschrift"},
                            "fields": [
                                {"key": "ort", "type": "text", "label": "Ort", "required": True},
                                {
                                    "key": "zusatz",
                                    "type": "text",
                                    "label": "Zusatz",
                                    "when": {"==": [{"var": "ort"}, "Pirna"]},
                                },
                            ],
                        },
                        {
                            "key": "staatsangehoerigkeit",
                            "title": "Staatsangehörigkeiten",
                            "repeat": {"min": 0, "item_label": "Staatsangehörigkeit"},
                            "fields": [{"key": "staat", "type": "text", "label": "Staat", "required": True}],
                        },
                    ],
                }
            ],
        }
    ],
}


@pytest.fixture
def form():
    assert definition_errors(document=DOCUMENT) == []
    return form_from_document(document=DOCUMENT)


def test_nested_paths_parse_and_build():
    path = nested_row_path("person", 0, "anschrift", 1, "ort")
    assert path == "person[0].anschrift[1].ort"
    parsed = answer_path_parse(path)
    assert (parsed.key, parsed.index, parsed.sub, parsed.sub_index, parsed.leaf) == ("person", 0, "anschrift", 1, "ort")
    assert path_parse("person[0].anschrift[1]").is_answer is False
    assert path_parse("person[0].anschrift[1].ort.city").part == "city"
    assert answer_path_parse("person[0].anschrift[1000].ort") is None
    assert path_parse("anschrift[1].ort.x.y") is None


def test_nested_fields_are_found_with_their_outer_group(form):
    refs = {ref.field["key"]: ref for ref in iter_fields(DOCUMENT)}
    assert refs["ort"].repeat_group == "person" and refs["ort"].subgroup == "anschrift"
    assert refs["vorname"].repeat_group == "person" and refs["vorname"].subgroup is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["steps"][0]["groups"][0].pop("repeat"), "Verschachtelte Gruppen gibt es nur in wiederholbaren"),
        (lambda d: d["steps"][0]["groups"][0]["subgroups"][0].update(key="vorname"), "doppelt vergeben"),
        (
            lambda d: d["steps"][0]["groups"][0]["subgroups"][0]["fields"][0].update(type="file"),
            "keine berechneten Felder und keine Dateien",
        ),
        (
            lambda d: d["steps"][0]["groups"][0]["subgroups"][0].update(when={"var": "unbekannt"}),
            "Unbekannter Schlüssel",
        ),
        (lambda d: d["steps"][0]["groups"][0]["subgroups"][0]["repeat"].update(min=3), "min (3) ist größer als max"),
    ],
)
def test_definition_errors_for_nested_groups(change, message):
    document = copy.deepcopy(DOCUMENT)
    change(document)
    assert any(message in e for e in definition_errors(document=document)), definition_errors(document=document)


def test_validation_reaches_into_nested_rows(form):
    answers = {
        "person": [
            {"vorname": "Ada", "hat_anschrift": True, "anschrift": []},
            {"vorname": "Bo", "hat_anschrift": True, "anschrift": [{"ort": ""}, {"ort": "Pirna"}, {"ort": "X"}]},
            {"vorname": "Cy", "hat_anschrift": False, "staatsangehoerigkeit": [{"staat": ""}]},
        ]
    }
    errors = step_validate(form=form, step_key="personen_schritt", answers=answers)
    assert errors["person[0].anschrift"] == "Bitte geben Sie mindestens 1 × „Anschrift“ an."
    assert errors["person[1].anschrift"] == "Bitte geben Sie höchstens 2 × „Anschrift“ an."
    assert errors["person[1].anschrift[0].ort"]
    assert "person[1].anschrift[1].ort" not in errors
    # A hidden nested group asks nothing; an optional one, once started, requires its mandatory fields.
    assert not any(p.startswith("person[2].anschrift") for p in errors)
    assert errors["person[2].staatsangehoerigkeit[0].staat"]
    answers["person"][1]["anschrift"] = "kaputt"
    assert (
        "konnten nicht gelesen"
        in step_validate(form=form, step_key="personen_schritt", answers=answers)["person[1].anschrift"]
    )


def test_prune_and_finalize_keep_the_nested_shape(form):
    answers = {
        "person": [
            {
                "vorname": "Ada",
                "hat_anschrift": True,
                "anschrift": [{"ort": "Pirna", "zusatz": "Hinterhaus"}, {"ort": "Dresden", "zusatz": "verborgen"}],
                "staatsangehoerigkeit": [{"staat": "deutsch"}, {"staat": "", "fremd": 1}],
                "fremd": "weg",
            },
            {"vorname": "Bo", "hat_anschrift": False, "anschrift": [{"ort": "Leipzig"}]},
        ]
    }
    pruned = answers_prune(form=form, answers=answers)
    assert pruned["person"][0]["anschrift"] == [{"ort": "Pirna", "zusatz": "Hinterhaus"}, {"ort": "Dresden"}]
    assert pruned["person"][0]["staatsangehoerigkeit"] == [{"staat": "deutsch"}, {"staat": ""}]
    assert "fremd" not in pruned["person"][0]
    assert "anschrift" not in pruned["person"][1]  # its group is hidden for Bo
    final = answers_finalize(form=form, answers=answers)
    assert final["person"][0]["staatsangehoerigkeit"] == [{"staat": "deutsch"}, {}]
    assert final["person"][1] == {"vorname": "Bo", "hat_anschrift": False}
    valid = {"person": [{"vorname": "Ada", "hat_anschrift": True, "anschrift": [{"ort": "Pirna"}]}]}
    assert form_validate(form=form, answers=valid) == {}
