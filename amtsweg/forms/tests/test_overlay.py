import copy

import pytest

from amtsweg.forms.engine import compute_values
from amtsweg.forms.models import Overlay
from amtsweg.forms.selectors import form_resolve, form_version_current, overlay_conflicts, overlay_get
from amtsweg.forms.services import OverlayInvalid, definition_load, overlay_load, overlay_set

pytestmark = pytest.mark.django_db

TEXTS = {
    "hund_chipnummer.help": "In Testhausen ist die Chipnummer Pflicht.",
    "steps.zahlung.intro": "Die Steuer wird jährlich am 1. Juli fällig.",
    "befreiung_info.text": "Testhausen befreit Rettungshunde.",
}


@pytest.fixture
def loaded(hundesteuer):
    return definition_load(document=hundesteuer, publish=True)


@pytest.fixture
def overlay(loaded, place):
    return overlay_set(
        definition=loaded.definition,
        authority=place,
        parameters={"gebuehr_erster_hund": "108.00"},
        texts=TEXTS,
        disabled_fields=["vorauszahlung"],
        contact={"name": "Steueramt", "email": "steueramt@testhausen.example"},
    )


def test_resolve_applies_overlay(loaded, overlay):
    form = form_resolve(version=loaded, overlay=overlay)
    assert form.parameters == {"gebuehr_erster_hund": "108.00", "gebuehr_weiterer_hund": "144.00"}
    assert form.fields["hund_chipnummer"].field["help"] == TEXTS["hund_chipnummer.help"]
    assert form.steps_by_key["zahlung"]["intro"] == TEXTS["steps.zahlung.intro"]
    assert form.fields["befreiung_info"].field["text"] == TEXTS["befreiung_info.text"]
    assert "vorauszahlung" not in form.fields and form.disabled_fields == {"vorauszahlung"}
    assert form.contact["name"] == "Steueramt"
    answers = compute_values(form=form, answers={"hund": [{}]})
    assert answers["steuer_betrag"] == "108.00"
    # The central version itself is untouched.
    assert "vorauszahlung" in form_resolve(version=loaded).fields
    assert loaded.document["steps"][4]["groups"][1]["fields"][3]["key"] == "vorauszahlung"


def test_without_overlay_defaults_apply(loaded):
    form = form_resolve(version=loaded)
    assert form.parameters["gebuehr_erster_hund"] == "96.00"
    assert form.fields["hund_chipnummer"].field.get("help") is None


def test_overlay_set_refuses_what_does_not_fit(loaded, place):
    with pytest.raises(OverlayInvalid) as info:
        overlay_set(
            definition=loaded.definition,
            authority=place,
            parameters={"gebuehr_erster_hund": "teuer", "rabatt": "1.00"},
            texts={"hund_name.label": "Name"},
            disabled_fields=["hund_name", "gibtsnicht"],
        )
    assert info.value.errors == [
        "Parameter 'gebuehr_erster_hund': Erwartet wird ein Betrag mit zwei Nachkommastellen, z. B. \"96.00\". "
        "Es gilt der zentrale Standardwert.",
        "Parameter 'rabatt' gibt es in dieser Version nicht mehr; der Wert wird ignoriert.",
        "Text 'hund_name.label': Das Element gibt es in dieser Version nicht (mehr); der Text wird ignoriert.",
        "Feld 'hund_name' darf in dieser Version nicht abgeschaltet werden; es bleibt sichtbar.",
        "Abgeschaltetes Feld 'gibtsnicht' gibt es in dieser Version nicht mehr.",
    ]
    assert not Overlay.objects.exists()


def test_overlay_set_refuses_wrong_shapes(loaded, place):
    with pytest.raises(OverlayInvalid, match="disabled_fields: Erwartet wird eine Liste"):
        overlay_set(definition=loaded.definition, authority=place, disabled_fields="hund_chipnummer")


def test_overlay_set_updates_only_given_parts(loaded, overlay, place):
    updated = overlay_set(definition=loaded.definition, authority=place, contact={"name": "Bürgerbüro"})
    assert updated.pk == overlay.pk
    assert updated.parameters == {"gebuehr_erster_hund": "108.00"} and updated.contact == {"name": "Bürgerbüro"}
    assert overlay_get(definition=loaded.definition, authority=place) == updated


def test_overlays_are_per_authority(loaded, overlay, other_authority):
    other = overlay_set(definition=loaded.definition, authority=other_authority, parameters={})
    assert form_resolve(version=loaded, overlay=other).parameters["gebuehr_erster_hund"] == "96.00"
    assert Overlay.objects.count() == 2


def test_overlay_survives_new_central_version_and_reports_conflicts(loaded, overlay, hundesteuer):
    changed = copy.deepcopy(hundesteuer)
    # v2 removes the switchable field 'vorauszahlung', the info text and renames a parameter.
    zahlung = changed["steps"][4]
    zahlung["groups"][1]["fields"] = [f for f in zahlung["groups"][1]["fields"] if f["key"] != "vorauszahlung"]
    changed["steps"][3]["groups"][0]["fields"].pop(0)
    changed["parameters"]["steuersatz_erster_hund"] = changed["parameters"].pop("gebuehr_erster_hund")
    steuer = changed["steps"][4]["groups"][0]["fields"][1]
    steuer["compute"]["+"][0] = {"var": "param.steuersatz_erster_hund"}
    v2 = definition_load(document=changed, publish=True)
    assert v2.number == 2 and form_version_current(definition=loaded.definition) == v2

    overlay.refresh_from_db()
    assert overlay.parameters == {"gebuehr_erster_hund": "108.00"}  # stored separately, untouched
    assert overlay_conflicts(overlay=overlay, version=loaded) == []
    assert overlay_conflicts(overlay=overlay, version=v2) == [
        "Parameter 'gebuehr_erster_hund' gibt es in dieser Version nicht mehr; der Wert wird ignoriert.",
        "Text 'befreiung_info.text': Das Element gibt es in dieser Version nicht (mehr); der Text wird ignoriert.",
        "Abgeschaltetes Feld 'vorauszahlung' gibt es in dieser Version nicht mehr.",
    ]
    # The overlay still applies to v2 for everything that fits.
    form = form_resolve(version=v2, overlay=overlay)
    assert form.fields["hund_chipnummer"].field["help"] == TEXTS["hund_chipnummer.help"]
    assert form.steps_by_key["zahlung"]["intro"] == TEXTS["steps.zahlung.intro"]
    assert form.parameters == {"steuersatz_erster_hund": "96.00", "gebuehr_weiterer_hund": "144.00"}


def test_overlay_load_from_document(loaded, place):
    overlay = overlay_load(
        document={
            "definition": "hundesteuer-anmeldung",
            "authority": "test-testhausen",
            "parameters": {"gebuehr_weiterer_hund": "150.00"},
            "disabled_fields": ["hund_chipnummer"],
        }
    )
    form = form_resolve(version=loaded, overlay=overlay)
    assert "hund_chipnummer" not in form.fields
    with pytest.raises(OverlayInvalid) as info:
        overlay_load(document={"definition": "gibtsnicht", "authority": "niemand", "farbe": "rot"})
    assert info.value.errors == [
        "definition: Antragsassistent 'gibtsnicht' ist nicht geladen.",
        "authority: Behörde 'niemand' gibt es nicht.",
        "farbe: Unbekannte Angabe.",
    ]


def test_malformed_overlay_columns_never_break_the_form(loaded, overlay):
    # Written around the service (e.g. by a data migration): the form still resolves with defaults.
    Overlay.objects.filter(pk=overlay.pk).update(parameters=["x"], texts="kaputt", disabled_fields={"a": 1})
    overlay.refresh_from_db()
    form = form_resolve(version=loaded, overlay=overlay)
    assert form.parameters["gebuehr_erster_hund"] == "96.00"
    assert "vorauszahlung" in form.fields
    assert overlay_conflicts(overlay=overlay, version=loaded) == []
