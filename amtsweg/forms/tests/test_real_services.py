"""The five real assistants of issue 3 (scope item 7): definitions, overlays and the demo setup.

Uses the Saxon reference data the session loaded (PLZ register, authorities such as gem-14522180).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings

from amtsweg.demo.forms import REAL_SERVICES, demo_forms_ensure
from amtsweg.forms.definition import definition_errors, definition_parse
from amtsweg.forms.engine import (
    STEP_ERROR_KEY,
    answers_finalize,
    clarification_outcome,
    compute_values,
    form_validate,
)
from amtsweg.forms.models import FormVersion, Overlay
from amtsweg.forms.selectors import (
    form_definition_get,
    form_resolve,
    form_version_current,
    overlay_conflicts,
)

DEFINITIONS = Path(__file__).resolve().parents[1] / "definitions"
OVERLAY_FILES = {
    "hundesteuer": "hundesteuer-freiberg.yaml",
    "gewerbeanzeige": "gewerbeanzeige-chemnitz.yaml",
    "bewohnerparkausweis": "bewohnerparkausweis-dresden.yaml",
    "wunschkennzeichen": "wunschkennzeichen-mittelsachsen.yaml",
    "waffenbesitzkarte": "waffenbesitzkarte-bautzen.yaml",
}
TODAY = dt.date.today()
PDF = {"name": "nachweis.pdf", "size": 20480, "type": "pdf"}


def _overlay_doc(key: str) -> dict:
    return definition_parse(text=(DEFINITIONS / "overlays" / OVERLAY_FILES[key]).read_text(encoding="utf-8"))


def address(street, number, plz, city):
    return {"street": street, "house_number": number, "postal_code": plz, "city": city}


VALID = {
    "hundesteuer": {
        "anlass": "anmeldung",
        "wohnsitz_hier": True,
        "gefaehrlich_vorhanden": False,
        "vorname": "Katrin",
        "nachname": "Lehmann",
        "geburtsdatum": "1985-04-12",
        "anschrift": address("Obermarkt", "24", "09599", "Freiberg"),
        "email": "katrin.lehmann@example.org",
        "hund": [
            {
                "hund_name": "Bello",
                "hund_rasse": "Labrador-Mischling",
                "hund_geburt": "2021-05-01",
                "hund_geschlecht": "ruede",
                "hund_seit": "2024-03-01",
                "hund_herkunft": "tierheim",
                "hund_chipnummer": "276098106543210",
                "hund_gefaehrlich": False,
            },
            {
                "hund_name": "Luna",
                "hund_rasse": "Dackel",
                "hund_geschlecht": "huendin",
                "hund_seit": "2024-06-15",
                "hund_herkunft": "zuzug",
                "hund_vorherige_gemeinde": "Halsbrücke",
                "hund_gefaehrlich": False,
            },
        ],
        "befreiung_beantragt": False,
        "lastschrift": True,
        "iban": "DE89 3704 0044 0532 0130 00",
        "kontoinhaber": "Katrin Lehmann",
    },
    "gewerbeanzeige": {
        "anzeige_art": "anmeldung",
        "taetigkeit_art": "gewerbe",
        "inhaber_art": "juristisch",
        "firma": "Radwerk Chemnitz GmbH",
        "rechtsform": "gmbh",
        "sitz": address("Straße der Nationen", "12", "09111", "Chemnitz"),
        "registereintrag": True,
        "registerart": "hrb",
        "registergericht": "Amtsgericht Chemnitz",
        "registernummer": "34567",
        "vertreter": "Müller, Anna",
        "email": "info@radwerk.example",
        "betriebsanschrift": address("Straße der Nationen", "12", "09111", "Chemnitz"),
        "betrieb_art": "hauptniederlassung",
        "taetigkeit": "Einzelhandel mit Fahrrädern und Fahrradzubehör sowie Reparatur von Fahrrädern",
        "beginn": TODAY.isoformat(),
        "anmeldung_grund": "neugruendung",
        "nebenerwerb": False,
        "beschaeftigte_vollzeit": 2,
        "beschaeftigte_teilzeit": 1,
        "erlaubnispflichtig": False,
    },
    "bewohnerparkausweis": {
        "antrag_art": "neu",
        "wohnsitz_zone": True,
        "fahrzeug_vorhanden": True,
        "zone": "B",
        "vorname": "Jonas",
        "nachname": "Richter",
        "geburtsdatum": "1990-01-20",
        "anschrift": address("Wilsdruffer Straße", "7", "01067", "Dresden"),
        "email": "jonas.richter@example.org",
        "kennzeichen": "DD-JR 1990",
        "fahrzeugart": "pkw",
        "halter": False,
        "nutzungsgrund": "firmenwagen",
        "nutzungsnachweis": PDF,
        "gueltig_ab": TODAY.isoformat(),
        "dauer_jahre": 2,
    },
    "wunschkennzeichen": {
        "anlass": "reservieren",
        "zulassung_hier": True,
        "unterscheidungszeichen": "FG",
        "buchstaben": "AB",
        "zahl": "1234",
        "zusatz": "keins",
        "fahrzeugart": "pkw",
        "halter_art": "person",
        "vorname": "Sabine",
        "nachname": "Wolf",
        "geburtsdatum": "1975-09-03",
        "anschrift": address("Petersstraße", "5", "09599", "Freiberg"),
        "email": "sabine.wolf@example.org",
    },
    "waffenbesitzkarte": {
        "anlass": "erteilung",
        "volljaehrig": True,
        "f00000073": "herr",
        "f00000045_liste": [{"f00000045": "Thomas"}],
        "f00000013": "Schneider",
        "f00000066": "1980-06-15",
        "f00000067": "Kamenz",
        "f00000038": "000",
        "wohnanschrift": address("Hauptstraße", "10", "01454", "Radeberg"),
        "staatsangehoerigkeit": "deutsch",
        "email": "thomas.schneider@example.org",
        "g00000048": [{"f00000049": "b", "f00000050": "pistole", "f00000023": "9 mm Luger", "f00000031": True}],
        "beduerfnis_grund": "sportschuetze",
        "verbandsbescheinigung": PDF,
        "sachkunde_nachweis": PDF,
        "verfahren_anhaengig": False,
        "aufbewahrung": "grad_1",
    },
}

# key -> (changes to the valid answers, error path, expected German message)
INVALID = {
    "hundesteuer": (
        {"hund": [{**VALID["hundesteuer"]["hund"][0], "hund_chipnummer": "12345"}]},
        "hund[0].hund_chipnummer",
        "Die Chipnummer besteht aus 15 Ziffern.",
    ),
    "gewerbeanzeige": (
        {"registernummer": "HRB 34567"},
        "registernummer",
        "Die Registernummer besteht aus bis zu sechs Ziffern, eventuell mit Buchstabenzusatz, z. B. 12345 B.",
    ),
    "bewohnerparkausweis": (
        {"zone": "X"},
        "zone",
        "Diese Bewohnerparkzone gibt es bei uns nicht. Bitte prüfen Sie das Kürzel.",
    ),
    "wunschkennzeichen": (
        {"unterscheidungszeichen": "FLÖ"},
        "zahl",
        "Ein Kennzeichen darf höchstens acht Zeichen haben. Bitte kürzen Sie die Buchstaben oder die Zahl.",
    ),
    "waffenbesitzkarte": (
        {"g00000048": [{**VALID["waffenbesitzkarte"]["g00000048"][0], "f00000049": "a"}]},
        "g00000048[0].f00000049",
        "Für verbotene Waffen der Kategorie A kann keine Waffenbesitzkarte erteilt werden; "
        "dafür ist eine Ausnahme des Bundeskriminalamts nötig.",
    ),
}

# key -> (answers that end the Anliegensklärung, expected stop title)
STOPS = {
    "hundesteuer": ({"anlass": "ummeldung", "wohnsitz_hier": True}, "Eine neue Anmeldung ist nicht nötig"),
    "gewerbeanzeige": (
        {"anzeige_art": "anmeldung", "taetigkeit_art": "freier_beruf"},
        "Für einen freien Beruf brauchen Sie keine Gewerbeanzeige",
    ),
    "bewohnerparkausweis": (
        {"antrag_art": "neu", "wohnsitz_zone": False, "fahrzeug_vorhanden": True},
        "Ein Bewohnerparkausweis ist nur für Bewohnerinnen und Bewohner möglich",
    ),
    "wunschkennzeichen": (
        {"anlass": "reservieren", "zulassung_hier": False},
        "Reservieren Sie bei Ihrer Zulassungsbehörde",
    ),
    "waffenbesitzkarte": (
        {"anlass": "erteilung", "volljaehrig": False},
        "Eine Waffenbesitzkarte gibt es erst ab 18 Jahren",
    ),
}

# key -> (computed fee field, fee with the central defaults, fee with the Kommune's overlay)
FEES = {
    "hundesteuer": ("steuer_betrag", "240.00", "288.00"),
    "gewerbeanzeige": ("gebuehr_betrag", "26.00", "31.00"),
    "bewohnerparkausweis": ("gebuehr_betrag", "61.40", "72.00"),
    "wunschkennzeichen": ("gebuehr_betrag", "2.60", "2.60"),
    "waffenbesitzkarte": ("gebuehr_betrag", "80.00", "75.00"),
}

DISABLED = {
    "hundesteuer": "telefon",
    "gewerbeanzeige": "handwerksrolle",
    "bewohnerparkausweis": "zulassungsbescheinigung",
    "wunschkennzeichen": "fahrzeug_ident",
    "waffenbesitzkarte": "telefon",
}


@pytest.fixture
def demo(db):
    return demo_forms_ensure()


def resolved(key: str, *, with_overlay: bool = True):
    definition = form_definition_get(key=key)
    version = form_version_current(definition=definition)
    overlay = None
    if with_overlay:
        overlay = Overlay.objects.get(definition=definition, authority__key=_overlay_doc(key)["authority"])
    return form_resolve(version=version, overlay=overlay)


def test_five_services_are_modelled():
    assert set(REAL_SERVICES) == set(OVERLAY_FILES) == set(VALID)


@pytest.mark.parametrize("key", sorted(OVERLAY_FILES))
def test_definition_is_valid_with_declaration(key):
    document = definition_parse(text=(DEFINITIONS / f"{key}.yaml").read_text(encoding="utf-8"))
    assert document["key"] == key
    assert definition_errors(document=document) == []
    assert re.fullmatch(r"\d{14}", document["leistung"])
    assert document["declaration"]["truth"] and document["declaration"]["privacy"]
    assert _overlay_doc(key)["definition"] == key


@pytest.mark.parametrize("key", sorted(OVERLAY_FILES))
def test_realistic_answers_pass_with_overlay(demo, key):
    form = resolved(key)
    assert form_validate(form=form, answers=VALID[key]) == {}
    final = answers_finalize(form=form, answers=VALID[key])
    assert final[FEES[key][0]] == FEES[key][2]


@pytest.mark.parametrize("key", sorted(OVERLAY_FILES))
def test_invalid_answers_are_rejected_in_german(demo, key):
    changes, path, message = INVALID[key]
    answers = {**copy.deepcopy(VALID[key]), **changes}
    errors = form_validate(form=resolved(key), answers=answers)
    assert errors == {path: message}


@pytest.mark.parametrize("key", sorted(OVERLAY_FILES))
def test_clarification_stops(demo, key):
    answers, title = STOPS[key]
    form = resolved(key)
    stop = clarification_outcome(form=form, answers=answers)
    assert stop is not None and stop.title == title and stop.step_key == "anliegen"
    assert form_validate(form=form, answers={**VALID[key], **answers})[STEP_ERROR_KEY] == title
    assert clarification_outcome(form=form, answers=VALID[key]) is None


@pytest.mark.parametrize("key", sorted(OVERLAY_FILES))
def test_overlay_applies_without_conflicts(demo, key):
    field, central_fee, local_fee = FEES[key]
    central, local = resolved(key, with_overlay=False), resolved(key)
    assert compute_values(form=central, answers=VALID[key])[field] == central_fee
    assert compute_values(form=local, answers=VALID[key])[field] == local_fee
    assert DISABLED[key] in central.fields and DISABLED[key] not in local.fields
    assert local.contact["email"].endswith(".example")
    overlay = local.overlay
    assert overlay_conflicts(overlay=overlay, version=local.version) == []
    assert overlay.parameters == _overlay_doc(key)["parameters"]


def test_hundesteuer_rates_for_further_and_dangerous_dogs(demo):
    form = resolved("hundesteuer")
    answers = {**VALID["hundesteuer"], "gefaehrlich_vorhanden": True, "gefaehrliche_anzahl": 1}
    assert compute_values(form=form, answers=answers)["steuer_betrag"] == "720.00"  # 108 + 180 + (612 − 180)
    answers["gefaehrliche_anzahl"] = 3
    assert form_validate(form=form, answers=answers) == {
        "gefaehrliche_anzahl": "Es können nicht mehr Hunde gefährlich sein, als Sie anmelden."
    }
    answers = {**VALID["hundesteuer"], "befreiung_beantragt": True}
    assert form_validate(form=form, answers=answers) == {
        "befreiung_gruende": "Bitte wählen Sie bei „Grund“ eine Antwort aus."
    }
    answers = {**VALID["hundesteuer"], "anlass": "abmeldung"}
    assert clarification_outcome(form=form, answers=answers).title == "Dafür brauchen Sie diesen Antrag nicht"


def test_gewerbe_variants_switch_steps_and_fee(demo):
    form = resolved("gewerbeanzeige")
    abmeldung = {
        "anzeige_art": "abmeldung",
        "taetigkeit_art": "gewerbe",
        "inhaber_art": "natuerlich",
        "vorname": "Peter",
        "nachname": "Krause",
        "geburtsdatum": "1968-02-29",
        "geburtsort": "Karl-Marx-Stadt",
        "staatsangehoerigkeit": "deutsch",
        "wohnanschrift": address("Zschopauer Straße", "100", "09126", "Chemnitz"),
        "email": "p.krause@example.org",
        "betriebsanschrift": address("Straße der Nationen", "12", "09111", "Chemnitz"),
        "betrieb_art": "hauptniederlassung",
        "taetigkeit_bisher": "Handel mit Gebrauchtwagen",
        "aufgabe_datum": TODAY.isoformat(),
        "aufgabe_grund": "aufgabe",
        "erlaubnispflichtig": True,  # on a skipped step: pruned
    }
    assert form_validate(form=form, answers=abmeldung) == {}
    final = answers_finalize(form=form, answers=abmeldung)
    assert final["gebuehr_betrag"] == "16.00"
    assert "erlaubnispflichtig" not in final and "taetigkeit" not in final
    errors = form_validate(form=form, answers={**VALID["gewerbeanzeige"], "erlaubnispflichtig": True})
    assert errors["erlaubnis_datei"] == "Bitte laden Sie eine Datei für „Erlaubnis (Kopie)“ hoch."


def test_bewohnerpark_requires_proof_when_not_holder_and_limits_validity(demo):
    form = resolved("bewohnerparkausweis")
    answers = {**VALID["bewohnerparkausweis"]}
    del answers["nutzungsnachweis"]
    assert form_validate(form=form, answers=answers) == {
        "nutzungsnachweis": "Bitte laden Sie eine Datei für „Nachweis der dauerhaften Nutzung“ hoch."
    }
    errors = form_validate(form=form, answers={**VALID["bewohnerparkausweis"], "dauer_jahre": 3})
    assert errors == {
        "dauer_jahre": "Für so viele Jahre können wir den Ausweis nicht ausstellen. "
        "Bitte wählen Sie eine kürzere Gültigkeit."
    }
    errors = form_validate(form=form, answers={**VALID["bewohnerparkausweis"], "kennzeichen": "DD AB1234"})
    assert errors["kennzeichen"].startswith("Bitte geben Sie das Kennzeichen so ein")


def test_wunschkennzeichen_district_and_length_rules(demo):
    form = resolved("wunschkennzeichen")
    assert compute_values(form=form, answers=VALID["wunschkennzeichen"])["wunschkennzeichen_text"] == "FG-AB 1234"
    assert compute_values(form=form, answers=VALID["wunschkennzeichen"])["gebuehr_zuteilung_betrag"] == "10.20"
    # FLÖ-A 1234 has eight characters: allowed; Dresden's DD is not issued in Mittelsachsen.
    assert (
        form_validate(
            form=form, answers={**VALID["wunschkennzeichen"], "unterscheidungszeichen": "FLÖ", "buchstaben": "A"}
        )
        == {}
    )
    errors = form_validate(form=form, answers={**VALID["wunschkennzeichen"], "unterscheidungszeichen": "DD"})
    assert errors == {
        "unterscheidungszeichen": "Dieses Unterscheidungszeichen vergibt unsere Zulassungsbehörde nicht. "
        "Bitte wählen Sie eines aus unserem Bezirk."
    }
    # Without the overlay the central list (C, DD, L) applies: the parameter decides.
    central = resolved("wunschkennzeichen", with_overlay=False)
    assert "unterscheidungszeichen" in form_validate(form=central, answers=VALID["wunschkennzeichen"])
    errors = form_validate(form=form, answers={**VALID["wunschkennzeichen"], "buchstaben": "Ab"})
    assert errors == {"buchstaben": "Bitte geben Sie ein oder zwei Großbuchstaben ohne Umlaute ein, zum Beispiel AB."}


def test_waffenbesitzkarte_keeps_fim_traceability(demo):
    form = resolved("waffenbesitzkarte")
    xml = (Path(settings.SHARED_DATA_DIR) / "fim" / "WaBeKa.xml").read_text(encoding="utf-8")
    assert form.document["x-fim"]["id"] == "S00000036"
    traced = {key: ref.field["x-fim"]["id"] for key, ref in form.fields.items() if "x-fim" in ref.field}
    assert {"f00000013", "f00000066", "f00000049", "f00000023", "f00000017"} <= set(traced)
    for key, fim_id in traced.items():
        assert key.startswith(fim_id.lower()) and fim_id in xml
    # authority-only elements are gone, the citizen-facing ones are added
    labels = {ref.field.get("label") for ref in form.fields.values()}
    assert not labels & {"Dienstsiegel", "Stempel", "Unterschrift", "Urkundennummer"}
    assert {o["value"] for o in form.fields["f00000049"].field["options"]} == {"a", "b", "c", "d"}
    assert form.fields["f00000023"].field["type"] == "text"
    assert not any("platzhalter" in str(v) for v in form.codelists.values())
    # Bedürfnis decides which proofs are needed
    jaeger = {**VALID["waffenbesitzkarte"], "beduerfnis_grund": "jaeger"}
    assert form_validate(form=form, answers=jaeger) == {
        "jagdschein": "Bitte laden Sie eine Datei für „Gültiger Jahresjagdschein“ hoch."
    }
    assert form_validate(form=form, answers={**jaeger, "jagdschein": PDF}) == {}
    two = {**VALID["waffenbesitzkarte"], "g00000048": VALID["waffenbesitzkarte"]["g00000048"] * 2}
    assert compute_values(form=form, answers=two)["gebuehr_betrag"] == "95.00"


def test_demo_forms_ensure_is_idempotent(db):
    from amtsweg.assistant.models import Activation

    first = demo_forms_ensure()
    assert first["definitionen"] == 5 and first["anpassungen"] == 5 and first["fehlende_behoerden"] == []
    counts = (FormVersion.objects.count(), Overlay.objects.count(), Activation.objects.count())
    second = demo_forms_ensure()
    assert second["freischaltungen_neu"] == 0
    assert (FormVersion.objects.count(), Overlay.objects.count(), Activation.objects.count()) == counts
    for key, extra in REAL_SERVICES.items():
        version = form_version_current(definition=form_definition_get(key=key))
        assert version.status == FormVersion.Status.PUBLISHED and version.number == 1
        active = set(Activation.objects.filter(definition__key=key, live=True).values_list("authority__key", flat=True))
        assert active == {_overlay_doc(key)["authority"], *extra}


def test_load_forms_command_loads_definitions_and_overlays(db):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("load_forms", stdout=out)
    text = out.getvalue()
    assert text.count("Anpassung für") == len(OVERLAY_FILES)
    assert Overlay.objects.filter(definition__key__in=list(OVERLAY_FILES)).count() == len(OVERLAY_FILES)
