import copy

import pytest

from amtsweg.forms.definition import (
    DefinitionInvalid,
    content_hash,
    definition_errors,
    definition_parse,
    definition_schema,
    definition_validate,
)
from amtsweg.forms.tests.conftest import minimal


def fields_of(document):
    return document["steps"][0]["groups"][0]["fields"]


def test_example_definition_is_valid(hundesteuer):
    assert definition_errors(document=hundesteuer) == []


def test_schema_is_draft_2020_12():
    assert definition_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_missing_required_property_names_path():
    document = minimal()
    del document["steps"][0]["groups"][0]["title"]
    assert definition_errors(document=document) == ["steps[0].groups[0]: Pflichtangabe 'title' fehlt."]


def test_unknown_property_is_reported_as_typo():
    document = minimal()
    fields_of(document)[0]["requird"] = True
    assert definition_errors(document=document) == [
        "steps[0].groups[0].fields[0]: Unbekannte Angabe 'requird' (Tippfehler?)."
    ]


def test_extension_properties_are_allowed():
    document = minimal(**{"x-fim": {"id": "S123"}})
    fields_of(document)[0]["x-fim-id"] = "F123"
    assert definition_errors(document=document) == []


def test_unknown_field_type():
    document = minimal()
    fields_of(document)[0]["type"] = "colour"
    errors = definition_errors(document=document)
    assert errors[0].startswith('steps[0].groups[0].fields[0].type: Der Wert "colour" ist nicht erlaubt.')


def test_choice_needs_options():
    document = minimal()
    fields_of(document)[0]["type"] = "choice"
    assert definition_errors(document=document) == [
        "steps[0].groups[0].fields[0]: Genau eine der Angaben 'options' oder 'codelist' ist nötig."
    ]


def test_bad_key_format():
    document = minimal()
    fields_of(document)[0]["key"] = "Name-Feld"
    assert (
        'steps[0].groups[0].fields[0].key: Der Wert "Name-Feld" hat nicht das Format'
        in definition_errors(document=document)[0]
    )


def test_duplicate_key_message():
    document = minimal()
    fields_of(document)[1]["key"] = "name"
    assert definition_errors(document=document) == [
        "steps[0].groups[0].fields[1]: Schlüssel 'name' ist doppelt vergeben (schon bei steps[0].groups[0].fields[0])."
    ]


def test_duplicate_across_step_and_field():
    document = minimal()
    fields_of(document)[1]["key"] = "start"
    assert "Schlüssel 'start' ist doppelt vergeben" in definition_errors(document=document)[0]


def test_reserved_key():
    document = minimal()
    fields_of(document)[1]["key"] = "today"
    assert definition_errors(document=document) == ["steps[0].groups[0].fields[1]: Schlüssel 'today' ist reserviert."]


def test_when_references_unknown_key():
    document = minimal()
    fields_of(document)[1]["when"] = {"==": [{"var": "nme"}, "x"]}
    assert definition_errors(document=document) == [
        "steps[0].groups[0].fields[1].when: Unbekannter Schlüssel 'nme' im Ausdruck."
    ]


def test_compute_references_missing_parameter():
    document = minimal()
    fields_of(document)[1].update(type="currency", compute={"var": "param.gebuehren"})
    fields_of(document)[1].pop("optional_switch")
    assert definition_errors(document=document) == [
        "steps[0].groups[0].fields[1].compute: Parameter 'gebuehren' ist nicht unter 'parameters' definiert."
    ]


def test_unknown_operator_in_logic():
    document = minimal()
    document["steps"][0]["when"] = {"eval": ["1+1"]}
    assert definition_errors(document=document)[0].startswith("steps[0].when: Unbekannter Operator 'eval'")


def test_repeat_min_greater_than_max():
    document = minimal()
    document["steps"][0]["groups"][0]["repeat"] = {"min": 3, "max": 2}
    assert definition_errors(document=document) == ["steps[0].groups[0].repeat: min (3) ist größer als max (2)."]


def test_row_fields_are_visible_inside_their_repeat_group_only(hundesteuer):
    assert definition_errors(document=hundesteuer) == []
    hundesteuer["steps"][1]["groups"][0]["fields"][0]["when"] = {"var": "hund_name"}
    assert definition_errors(document=hundesteuer) == [
        "steps[1].groups[0].fields[0].when: Unbekannter Schlüssel 'hund_name' im Ausdruck."
    ]


def test_rule_fields_must_be_on_the_step():
    document = minimal()
    document["steps"][0]["rules"] = [{"check": True, "message": "x", "fields": ["gibtsnicht"]}]
    assert definition_errors(document=document) == [
        "steps[0].rules[0].fields: Feld 'gibtsnicht' gibt es in diesem Schritt nicht."
    ]


def test_codelist_reference_must_exist():
    document = minimal()
    fields_of(document)[1].update(type="choice", codelist="laender")
    assert definition_errors(document=document) == [
        "steps[0].groups[0].fields[1].codelist: Codeliste 'laender' ist unter 'codelists' nicht definiert."
    ]


def test_required_field_cannot_be_switchable():
    document = minimal()
    fields_of(document)[0]["optional_switch"] = True
    assert "kann nicht als abschaltbar" in definition_errors(document=document)[0]


def test_clarification_steps_come_first(hundesteuer):
    steps = hundesteuer["steps"]
    steps[0], steps[1] = steps[1], steps[0]
    errors = definition_errors(document=hundesteuer)
    assert errors == ["steps[1]: Schritte der Anliegensklärung müssen vor allen anderen Schritten stehen."]


def test_invalid_pattern_and_bounds():
    document = minimal()
    fields_of(document)[1]["pattern"] = "([a-z"
    fields_of(document)[0].update(type="integer", min=5, max=1)
    errors = definition_errors(document=document)
    assert "steps[0].groups[0].fields[0]: min (5) ist größer als max (1)." in errors
    assert "steps[0].groups[0].fields[1].pattern: Der reguläre Ausdruck ist ungültig." in errors


def test_parameter_default_must_fit_type():
    document = minimal(parameters={"gebuehr": {"type": "currency", "label": "Gebühr", "default": "zehn"}})
    assert definition_errors(document=document)[0].startswith("parameters.gebuehr.default: Erwartet wird ein Betrag")


def test_date_bounds_accept_today_offsets():
    document = minimal()
    fields_of(document)[1].update(type="date", min="today-120y", max="today")
    assert definition_errors(document=document) == []
    fields_of(document)[1]["max"] = "morgen"
    assert definition_errors(document=document)[0].startswith("steps[0].groups[0].fields[1].max:")


def test_validate_raises_with_all_errors():
    document = minimal()
    fields_of(document)[1]["key"] = "name"
    with pytest.raises(DefinitionInvalid) as info:
        definition_validate(document=document)
    assert info.value.errors and "doppelt" in str(info.value)


def test_not_a_mapping():
    assert definition_errors(document=["a"]) == ["(Dokument): Erwartet wird Objekt."]


def test_yaml_syntax_error_names_line():
    with pytest.raises(DefinitionInvalid) as info:
        definition_parse(text="key: a\nsteps: [\n  - x: {\n")
    assert info.value.errors[0].startswith("Zeile ")


def test_json_syntax_error_names_line():
    with pytest.raises(DefinitionInvalid) as info:
        definition_parse(text='{"key": "a",\n "x": }', fmt="json")
    assert info.value.errors[0].startswith("Zeile 2, Spalte")


def test_content_hash_ignores_key_order():
    document = minimal()
    reordered = dict(reversed(list(copy.deepcopy(document).items())))
    assert content_hash(document) == content_hash(reordered)
    document["title"] = "Anders"
    assert content_hash(document) != content_hash(reordered)


def test_example_in_format_doc_is_valid():
    from django.conf import settings

    text = (settings.BASE_DIR / "docs" / "forms" / "definition-format.md").read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert definition_errors(document=definition_parse(text=example)) == []
