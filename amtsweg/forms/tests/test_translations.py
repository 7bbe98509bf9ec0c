"""Assistants' own texts in English (issue 11 §4): the translations block of a definition."""

from __future__ import annotations

from pathlib import Path

import pytest

from amtsweg.forms.definition import definition_errors, definition_parse
from amtsweg.forms.engine import form_from_document
from amtsweg.forms.translations import document_title, document_translate, translation_missing

DEFINITIONS = Path(__file__).resolve().parents[1] / "definitions"
DEMO = ["hundesteuer", "gewerbeanzeige", "bewohnerparkausweis", "wunschkennzeichen", "waffenbesitzkarte"]


def _load(name: str) -> dict:
    return definition_parse(text=(DEFINITIONS / f"{name}.yaml").read_text(encoding="utf-8"), fmt="yaml")


@pytest.mark.parametrize("name", DEMO)
def test_demo_assistants_are_valid_and_completely_translated(name):
    document = _load(name)
    assert definition_errors(document=document) == []
    assert translation_missing(document=document, language="en") == []


def test_english_form_has_english_texts_and_the_same_structure():
    document = _load("hundesteuer")
    german = form_from_document(document=document)
    english = form_from_document(document=document, language="en")
    assert english.language == "en"
    assert german.title == "Anmeldung zur Hundesteuer"
    assert english.title == "Dog tax registration"
    assert english.fields["anlass"].field["label"] == "What would you like to do?"
    assert [o["label"] for o in english.fields["anlass"].field["options"]][0] == "Register a dog"
    assert english.codelists["herkunft"][0] == {"value": "zuechter", "label": "From a breeder"}
    assert english.groups["hund"][0]["repeat"]["item_label"] == "Dog"
    assert (
        english.steps_by_key["anliegen"]["outcomes"][0]["stop"]["title"] == "You do not need this application for that"
    )
    assert english.steps_by_key["hunde"]["rules"][1]["message"].startswith("Please register at most five dogs")
    assert english.declaration["truth"] == "I confirm that my details are complete and correct."
    # Keys, values, logic and constraints are untouched: answers mean the same in every language.
    assert list(english.fields) == list(german.fields)
    assert english.fields["hund_chipnummer"].field["pattern"] == german.fields["hund_chipnummer"].field["pattern"]
    assert english.steps_by_key["hunde"]["when"] == german.steps_by_key["hunde"]["when"]
    # The stored document is not changed by translating.
    assert document["title"] == "Anmeldung zur Hundesteuer"


def test_missing_texts_fall_back_to_german_per_text():
    document = _load("hundesteuer")
    del document["translations"]["en"]["elements"]["anlass"]["label"]
    english = form_from_document(document=document, language="en")
    assert english.fields["anlass"].field["label"] == "Was möchten Sie tun?"
    assert english.fields["anlass"].field["options"][0]["label"] == "Register a dog"
    assert translation_missing(document=document, language="en") == ["anlass.label"]


def test_german_and_unknown_languages_return_the_document_itself():
    document = _load("hundesteuer")
    assert document_translate(document=document, language="de") is document
    assert document_translate(document=document, language="fr") is document
    assert form_from_document(document=document, language="fr").language == "de"
    assert document_title(document=document, language="en") == "Dog tax registration"
    assert document_title(document=document, language="fr") == "Anmeldung zur Hundesteuer"


def test_overlay_texts_in_the_page_language_replace_the_central_text():
    document = _load("hundesteuer")
    texts = {
        "steps.hunde.intro": {"de": "Lokaler Hinweis.", "en": "Local note."},
        "hund_chipnummer.help": "Nur auf Deutsch.",
    }
    german = form_from_document(document=document, texts=texts)
    english = form_from_document(document=document, language="en", texts=texts)
    assert german.steps_by_key["hunde"]["intro"] == "Lokaler Hinweis."
    assert german.fields["hund_chipnummer"].field["help"] == "Nur auf Deutsch."
    assert english.steps_by_key["hunde"]["intro"] == "Local note."
    # A German-only overlay text does not put German on an English page: the central text stays.
    assert "help" not in english.fields["hund_chipnummer"].field


def test_overlay_texts_must_be_text_or_languages_with_german():
    from amtsweg.forms.engine_form import overlay_text_valid

    assert overlay_text_valid("Text")
    assert overlay_text_valid({"de": "Text", "en": "Text"})
    assert not overlay_text_valid({"en": "Only English"})
    assert not overlay_text_valid({"de": "Text", "english": "Text"})
    assert not overlay_text_valid(3)


def test_translations_must_name_existing_elements_values_and_positions():
    document = _load("hundesteuer")
    block = document["translations"]["en"]
    block["elements"]["gibt_es_nicht"] = {"label": "Nope"}
    block["elements"]["anlass"]["options"]["umzug"] = "Move"
    block["elements"]["hund"]["label"] = "Dog"
    block["elements"]["hunde"]["rules"].append("One rule too many")
    block["codelists"]["herkunft"]["fundbuero"] = "Lost property"
    errors = definition_errors(document=document)
    assert (
        "translations.en.elements.gibt_es_nicht: Ein Element mit diesem Schlüssel gibt es im Dokument nicht." in errors
    )
    assert "translations.en.elements.anlass.options.umzug: Die Option gibt es nicht." in errors
    assert "translations.en.elements.hund.label: Dieses Element hat keinen übersetzbaren Text „label“." in errors
    assert "translations.en.elements.hunde.rules: Mehr Übersetzungen als Einträge im Schritt." in errors
    assert "translations.en.codelists.herkunft.fundbuero: Den Wert gibt es in der Codeliste nicht." in errors


def test_schema_refuses_german_as_a_translation_and_unknown_text_names():
    document = _load("hundesteuer")
    document["translations"]["de"] = {"title": "Doppelt"}
    assert any(e.startswith("translations") for e in definition_errors(document=document))
    document = _load("hundesteuer")
    document["translations"]["en"]["subtitle"] = "Not a text of the format"
    assert any(e.startswith("translations.en") for e in definition_errors(document=document))
