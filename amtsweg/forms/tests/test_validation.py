"""Server-side validation: every field type and constraint is enforced, whatever the browser sent."""

import copy
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from amtsweg.forms.definition import definition_validate
from amtsweg.forms.engine import form_from_document, step_validate

TODAY = dt.date(2025, 6, 15)
PDF = b"%PDF-1.7\n" + b"x" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"x" * 100

DOCUMENT = definition_validate(
    document={
        "key": "alle-typen",
        "title": "Alle Feldtypen",
        "codelists": {"farben": [{"value": "rot", "label": "Rot"}, {"value": "blau", "label": "Blau"}]},
        "steps": [
            {
                "key": "s",
                "title": "Alles",
                "groups": [
                    {
                        "key": "g",
                        "title": "Felder",
                        "fields": [
                            {
                                "key": "name",
                                "type": "text",
                                "label": "Name",
                                "required": True,
                                "min_length": 2,
                                "max_length": 10,
                            },
                            {
                                "key": "kennz",
                                "type": "text",
                                "label": "Kennzeichen",
                                "pattern": "^[A-Z]{1,3}-[0-9]{1,4}$",
                                "pattern_message": "Bitte im Format ABC-123 angeben.",
                            },
                            {"key": "notiz", "type": "textarea", "label": "Notiz", "max_length": 20},
                            {"key": "anzahl", "type": "integer", "label": "Anzahl", "min": 1, "max": 5},
                            {"key": "faktor", "type": "decimal", "label": "Faktor", "min": 0, "max": 1},
                            {"key": "betrag", "type": "currency", "label": "Betrag", "min": 0, "max": 1000},
                            {"key": "geboren", "type": "date", "label": "Geboren", "max": "today-18y"},
                            {"key": "termin", "type": "date", "label": "Termin", "min": "today", "max": "2025-12-31"},
                            {"key": "vergangen", "type": "date", "label": "Vergangen", "max": "today"},
                            {"key": "zustimmung", "type": "boolean", "label": "Zustimmung", "required": True},
                            {
                                "key": "art",
                                "type": "choice",
                                "label": "Art",
                                "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
                            },
                            {"key": "farbe", "type": "choice", "label": "Farbe", "codelist": "farben"},
                            {
                                "key": "extras",
                                "type": "multichoice",
                                "label": "Extras",
                                "min": 1,
                                "max": 2,
                                "options": [
                                    {"value": "x", "label": "X"},
                                    {"value": "y", "label": "Y"},
                                    {"value": "z", "label": "Z"},
                                ],
                            },
                            {"key": "email", "type": "email", "label": "E-Mail"},
                            {"key": "telefon", "type": "phone", "label": "Telefon"},
                            {"key": "iban", "type": "iban", "label": "IBAN"},
                            {"key": "anschrift", "type": "address", "label": "Anschrift"},
                            {
                                "key": "ausland",
                                "type": "address",
                                "label": "Frühere Anschrift",
                                "address": {"register_check": False},
                            },
                            {
                                "key": "nachweis",
                                "type": "file",
                                "label": "Nachweis",
                                "file": {"types": ["pdf"], "max_size_mb": 1},
                            },
                            {
                                "key": "versteckt",
                                "type": "text",
                                "label": "Versteckt",
                                "required": True,
                                "when": {"==": [{"var": "art"}, "b"]},
                            },
                            {"key": "info", "type": "info", "text": "Nur ein Hinweis."},
                        ],
                    },
                    {
                        "key": "kinder",
                        "title": "Kinder",
                        "repeat": {"min": 1, "max": 2, "item_label": "Kind"},
                        "fields": [{"key": "kind_name", "type": "text", "label": "Name des Kindes", "required": True}],
                    },
                ],
                "rules": [
                    {
                        "check": {
                            "or": [
                                {"!": {"var": "termin"}},
                                {"!": {"var": "geboren"}},
                                {">": [{"var": "termin"}, {"var": "geboren"}]},
                            ]
                        },
                        "message": "Der Termin muss nach der Geburt liegen.",
                        "fields": ["termin"],
                    },
                    {
                        "check": {"!=": [{"var": "kind_name"}, {"var": "name"}]},
                        "message": "Kind und Antragsteller brauchen verschiedene Namen.",
                        "fields": ["kind_name"],
                    },
                ],
            }
        ],
    }
)
VALID = {"name": "Erika", "zustimmung": True, "kinder": [{"kind_name": "Max"}]}


@pytest.fixture
def form():
    return form_from_document(document=DOCUMENT)


def check(form, files=None, **answers):
    return step_validate(form=form, step_key="s", answers={**VALID, **answers}, files=files, today=TODAY)


def test_valid_answers_pass(form):
    assert check(form) == {}


@pytest.mark.parametrize(
    ("answers", "path", "message"),
    [
        ({"name": ""}, "name", "Bitte füllen Sie das Feld „Name“ aus."),
        ({"name": None}, "name", "Bitte füllen Sie das Feld „Name“ aus."),
        ({"name": "E"}, "name", "Bitte geben Sie mindestens 2 Zeichen ein."),
        ({"name": "Erika Mustermann"}, "name", "Bitte geben Sie höchstens 10 Zeichen ein."),
        ({"name": "Eri\nka"}, "name", "Bitte geben Sie den Text in einer Zeile ein."),
        ({"name": ["Erika"]}, "name", "Bitte geben Sie einen Text ein."),
        ({"kennz": "abc-12"}, "kennz", "Bitte im Format ABC-123 angeben."),
        ({"notiz": "x" * 21}, "notiz", "Bitte geben Sie höchstens 20 Zeichen ein."),
        ({"anzahl": "drei"}, "anzahl", "Bitte geben Sie eine ganze Zahl ein."),
        ({"anzahl": "2,5"}, "anzahl", "Bitte geben Sie eine ganze Zahl ein."),
        ({"anzahl": True}, "anzahl", "Bitte geben Sie eine ganze Zahl ein."),
        ({"anzahl": 9}, "anzahl", "Bitte geben Sie einen Wert zwischen 1 und 5 ein."),
        ({"faktor": "1,2,3"}, "faktor", "Bitte geben Sie eine Zahl ein, z. B. 3,5."),
        ({"faktor": "1,5"}, "faktor", "Bitte geben Sie einen Wert zwischen 0 und 1 ein."),
        ({"betrag": "12,345"}, "betrag", "Bitte geben Sie einen Betrag in Euro ein, z. B. 12,50."),
        ({"betrag": "zehn"}, "betrag", "Bitte geben Sie einen Betrag in Euro ein, z. B. 12,50."),
        ({"betrag": "1.000,01"}, "betrag", "Bitte geben Sie einen Wert zwischen 0 € und 1.000 € ein."),
        ({"geboren": "31.02.2000"}, "geboren", "Bitte geben Sie ein gültiges Datum ein, z. B. 31.12.2024."),
        ({"geboren": "2000-13-01"}, "geboren", "Bitte geben Sie ein gültiges Datum ein, z. B. 31.12.2024."),
        ({"geboren": "2010-01-01"}, "geboren", "Das Datum darf nicht nach dem 15.06.2007 liegen."),
        ({"termin": "2025-06-14"}, "termin", "Das Datum darf nicht in der Vergangenheit liegen."),
        ({"termin": "2026-01-01"}, "termin", "Das Datum darf nicht nach dem 31.12.2025 liegen."),
        ({"vergangen": "2025-06-16"}, "vergangen", "Das Datum darf nicht in der Zukunft liegen."),
        ({"zustimmung": None}, "zustimmung", "Bitte beantworten Sie die Frage „Zustimmung“."),
        ({"zustimmung": "vielleicht"}, "zustimmung", "Bitte antworten Sie mit Ja oder Nein."),
        ({"art": "c"}, "art", "Bitte wählen Sie eine der angebotenen Antworten aus."),
        ({"farbe": "gruen"}, "farbe", "Bitte wählen Sie eine der angebotenen Antworten aus."),
        ({"extras": ["x", "q"]}, "extras", "Bitte wählen Sie nur angebotene Antworten aus."),
        ({"extras": ["x", "x"]}, "extras", "Bitte wählen Sie jede Antwort nur einmal aus."),
        ({"extras": ["x", "y", "z"]}, "extras", "Bitte wählen Sie höchstens 2 Antworten aus."),
        ({"extras": {"x": 1}}, "extras", "Bitte wählen Sie nur angebotene Antworten aus."),
        ({"email": "erika@"}, "email", "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de."),
        (
            {"email": "a" * 250 + "@x.de"},
            "email",
            "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de.",
        ),
        (
            {"telefon": "ruf mich an"},
            "telefon",
            "Bitte geben Sie eine gültige Telefonnummer ein, z. B. 0351 1234567 oder +49 351 1234567.",
        ),
        (
            {"telefon": "123"},
            "telefon",
            "Bitte geben Sie eine gültige Telefonnummer ein, z. B. 0351 1234567 oder +49 351 1234567.",
        ),
        ({"iban": "DE89370400440532013001"}, "iban", "Bitte geben Sie eine gültige IBAN ein."),
        ({"iban": "XX00"}, "iban", "Bitte geben Sie eine gültige IBAN ein."),
        ({"iban": 42}, "iban", "Bitte geben Sie eine gültige IBAN ein."),
        ({"anschrift": "Hauptstr. 1"}, "anschrift", "Bitte geben Sie eine vollständige Anschrift ein."),
        (
            {"anschrift": {"street": "Hauptstr.", "postal_code": "09999"}},
            "anschrift.city",
            "Bitte geben Sie den Ort an.",
        ),
        (
            {"anschrift": {"street": "Hauptstr.", "postal_code": "9999", "city": "Großmühle"}},
            "anschrift.postal_code",
            "Eine Postleitzahl besteht aus fünf Ziffern.",
        ),
        (
            {"anschrift": {"street": "Hauptstr.", "postal_code": "00001", "city": "Großmühle"}},
            "anschrift.postal_code",
            "Diese Postleitzahl ist im Gemeindeverzeichnis nicht bekannt. Bitte prüfen Sie sie.",
        ),
        (
            {"anschrift": {"street": "Hauptstr.", "postal_code": "09999", "city": "Berlin"}},
            "anschrift.city",
            "Postleitzahl und Ort passen nicht zusammen. Bitte prüfen Sie Ihre Angaben.",
        ),
        ({"kinder": []}, "kinder", "Bitte geben Sie mindestens 1 × „Kind“ an."),
        (
            {"kinder": [{"kind_name": "A"}, {"kind_name": "B"}, {"kind_name": "C"}]},
            "kinder",
            "Bitte geben Sie höchstens 2 × „Kind“ an.",
        ),
        ({"kinder": [{"kind_name": ""}]}, "kinder[0].kind_name", "Bitte füllen Sie das Feld „Name des Kindes“ aus."),
        ({"kinder": "Max"}, "kinder", "Die Angaben konnten nicht gelesen werden. Bitte geben Sie sie erneut ein."),
        ({"art": "b"}, "versteckt", "Bitte füllen Sie das Feld „Versteckt“ aus."),
        ({"termin": "2025-07-01", "geboren": "2025-08-01"}, "termin", "Der Termin muss nach der Geburt liegen."),
        (
            {"kinder": [{"kind_name": "Max"}, {"kind_name": "Erika"}]},
            "kinder[1].kind_name",
            "Kind und Antragsteller brauchen verschiedene Namen.",
        ),
    ],
)
def test_violations_are_rejected(form, answers, path, message):
    errors = check(form, **answers)
    assert errors.get(path) == message, errors


def test_address_checked_against_register(form):
    base = {"street": "Hauptstraße", "house_number": "1", "postal_code": "09999"}
    for city in ["Großmühle", "GROSSMUEHLE", "grossmühle", "Testhausen"]:
        assert check(form, anschrift={**base, "city": city}) == {}, city
    # Without the register check, only the form of the address is checked.
    assert check(form, ausland={"street": "Rue de la Paix", "postal_code": "75002", "city": "Paris"}) == {}


def test_bilingual_place_names_match_either_name():
    from amtsweg.forms.fields import postal_code_check

    # The register writes Bautzen as "Bautzen - Budyšin" (German and Sorbian).
    assert postal_code_check(postal_code="02625", city="Bautzen") is None
    assert postal_code_check(postal_code="02625", city="Budyšin") is None
    assert postal_code_check(postal_code="02625", city="Dresden") == "mismatch"


@pytest.fixture(autouse=True)
def _register(place):
    """Every test sees our own Gemeinde Testhausen (PLZ 09999) in the register."""


def test_valid_values_of_every_type(form):
    errors = check(
        form,
        kennz="DD-1234",
        notiz="kurz",
        anzahl="3",
        faktor="0,5",
        betrag="999,99",
        geboren="01.01.1990",
        termin="2025-06-15",
        vergangen="2025-06-15",
        zustimmung="nein",
        art="a",
        farbe="blau",
        extras=["x", "z"],
        email="erika@example.org",
        telefon="+49 (351) 123-4567",
        iban="DE89 3704 0044 0532 0130 00",
        anschrift={"street": "Hauptstraße", "house_number": "1a", "postal_code": "09999", "city": "Großmühle"},
        nachweis={"name": "nachweis.pdf", "size": 1000, "type": "pdf", "ref": "abc"},
    )
    assert errors == {}


def test_hidden_field_is_not_validated(form):
    assert "versteckt" not in check(form, art="a")


def test_unknown_or_hidden_step(form):
    errors = step_validate(form=form, step_key="gibtsnicht", answers=VALID)
    assert list(errors) == ["__all__"]


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (upload("a.pdf", b"%PDF-" + b"x" * (1024 * 1024)), "Die Datei ist zu groß. Erlaubt sind höchstens 1 MB."),
        (upload("a.png", PNG), "Dieser Dateityp ist nicht erlaubt. Erlaubt sind: PDF."),
        (upload("getarnt.pdf", PNG), "Dieser Dateityp ist nicht erlaubt. Erlaubt sind: PDF."),
        (upload("a.pdf", b"MZ\x90\x00 ausfuehrbar"), "Dieser Dateityp ist nicht erlaubt. Erlaubt sind: PDF."),
        (upload("leer.pdf", b""), "Die Datei ist leer."),
        (object(), "Die Datei konnte nicht gelesen werden. Bitte laden Sie sie erneut hoch."),
    ],
)
def test_file_violations(form, file, message):
    assert check(form, files={"nachweis": file})["nachweis"] == message


def test_file_accepted_by_content(form):
    file = upload("scan.PDF", PDF)
    assert check(form, files={"nachweis": file}) == {}
    assert file.read(5) == b"%PDF-"  # the check rewinds the file for the caller


def test_required_file_missing(form):
    document = copy.deepcopy(DOCUMENT)
    document["steps"][0]["groups"][0]["fields"][18]["required"] = True
    required = form_from_document(document=document)
    assert check(required)["nachweis"] == "Bitte laden Sie eine Datei für „Nachweis“ hoch."
    assert check(required, files={"nachweis": upload("a.pdf", PDF)}) == {}


def test_optional_file_in_hidden_branch(hundesteuer):
    form = form_from_document(document=hundesteuer)
    answers = {
        "anlass": "anmeldung",
        "hund": [{"hund_name": "Rex", "hund_rasse": "Mix", "hund_seit": "2024-01-01", "hund_gefaehrlich": True}],
    }
    errors = step_validate(form=form, step_key="hunde", answers=answers, today=TODAY)
    assert errors == {}  # the Gutachten is optional in the example
    errors = step_validate(
        form=form, step_key="hunde", answers=answers, files={"hund[0].hund_gutachten": io.BytesIO(b"x")}, today=TODAY
    )
    assert errors == {
        "hund[0].hund_gutachten": "Die Datei konnte nicht gelesen werden. Bitte laden Sie sie erneut hoch."
    }


def test_messages_never_echo_input(form):
    evil = "<script>alert(1)</script>"
    errors = check(
        form,
        name=evil,
        kennz=evil,
        anzahl=evil,
        betrag=evil,
        geboren=evil,
        art=evil,
        email=evil,
        telefon=evil,
        iban=evil,
        extras=[evil],
    )
    assert len(errors) == 10
    assert all("script" not in message for message in errors.values())
