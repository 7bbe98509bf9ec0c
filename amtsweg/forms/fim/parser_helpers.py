"""The XDatenfelder vocabulary (namespaces, codes, known elements) and small text parsers (see ``parser.py``)."""

from __future__ import annotations

import json
import re

from .errors import FimImportError, at_line

NAMESPACES = {
    1: "urn:xoev-de:fim:standard:xdatenfelder_1",
    2: "urn:xoev-de:fim:standard:xdatenfelder_2",
    3: "urn:xoev-de:fim:standard:xdatenfelder_3.0.0",
}

FELDARTEN = {"input", "select", "label", "hidden", "locked"}
DATENTYPEN = {"text", "text_latin", "date", "time", "datetime", "bool", "num", "num_int", "num_currency", "file", "obj"}
# Older tools write "currency" for num_currency.
DATENTYP_ALIASES = {"currency": "num_currency"}
FREIGABESTATUS = {"1", "2", "3", "4", "5", "6", "7", "8"}  # urn:xoev-de:xprozess:codeliste:status

MAX_DEPTH = 30

_COMMON = {
    "identifikation",
    "id",
    "version",
    "name",
    "bezeichnung",
    "bezeichnungEingabe",
    "bezeichnungAusgabe",
    "beschreibung",
    "definition",
    "bezug",
    "status",
    "freigabestatus",
    "statusGesetztAm",
    "statusGesetztDurch",
    "gueltigAb",
    "gueltigBis",
    "fachlicherErsteller",
    "versionshinweis",
    "freigabedatum",
    "veroeffentlichungsdatum",
    "letzteAenderung",
    "stichwort",
    "relation",
    "schemaelementart",
    "hilfetext",
    "hilfetextEingabe",
    "hilfetextAusgabe",
    "regel",
}
KNOWN = {
    "stammdatenschema": _COMMON
    | {"struktur", "ableitungsmodifikationenStruktur", "ableitungsmodifikationenRepraesentation", "dokumentsteckbrief"},
    "datenfeldgruppe": _COMMON | {"struktur", "art"},
    "datenfeld": _COMMON
    | {
        "feldart",
        "datentyp",
        "praezisierung",
        "inhalt",
        "codeliste",
        "codelisteReferenz",
        "werte",
        "vorbefuellung",
        "codeKey",
        "nameKey",
        "helpKey",
        "maxSize",
        "mediaType",
    },
    "regel": _COMMON | {"freitextRegel", "script", "skript", "typ", "param", "ziel", "fehler"},
}
MULTI = {"regel", "struktur", "stichwort", "relation", "mediaType", "param", "ziel", "fehler"}


def clean(text: str | None) -> str:
    """Strip and normalise whitespace per line (FIM texts are often indented or carry CR entities)."""
    if not text:
        return ""
    lines = [" ".join(line.split()) for line in text.replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line).strip()


def meaningful(text: str) -> str:
    """FIM editors write "-" for "nothing to say"."""
    return "" if text.strip() in {"", "-", "–"} else text


def multiplicity_parse(*, text: str, line: int | None = None) -> tuple[int, int | None]:
    match = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+|\*)\s*", text or "")
    if not match:
        raise FimImportError(
            at_line(line, f"Ungültige Multiplizität '{text}' (erwartet z. B. 0:1, 1:1, 0:* oder 1:5)."), line=line
        )
    minimum = int(match.group(1))
    maximum = None if match.group(2) == "*" else int(match.group(2))
    if maximum is not None and minimum > maximum:
        raise FimImportError(
            at_line(line, f"Ungültige Multiplizität '{text}': das Minimum ist größer als das Maximum."), line=line
        )
    return minimum, maximum


def praezisierung_text_parse(text: str) -> dict[str, str] | None:
    """v1/v2 Präzisierung: a JSON object as text, e.g. {"minLength":"1","maxLength":"250"}.

    Returns None when the text is not such an object (v1 files put the code list name there, e.g. "Anrede").
    """
    text = text.strip()
    if not text.startswith("{"):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        # Tolerate the hand-written variants seen in the wild ({minLength:1, maxLength:'20'}).
        data = {}
        for key in ("minLength", "maxLength", "minValue", "maxValue"):
            match = re.search(rf"[\"']?{key}[\"']?\s*:\s*[\"']?([^\"',}}]*)", text)
            if match:
                data[key] = match.group(1).strip()
        match = re.search(r"[\"']?pattern[\"']?\s*:\s*\"((?:[^\"\\]|\\.)*)\"", text)
        if match:
            data["pattern"] = match.group(1).encode().decode("unicode_escape")
        if not data:
            return None
    if not isinstance(data, dict):
        return None
    return {str(k): "" if v is None else str(v) for k, v in data.items()}


# Technical FIM names that de-camel-casing alone would not turn into good German (docs/standards/xdatenfelder.md).
LABELS = {
    "ZeileAnschrift": "Anschriftzeile",
    "Strasse": "Straße",
    "StrasseHausnummer": "Straße und Hausnummer",
    "HausnummerZusatz": "Hausnummernzusatz",
    "Hausnummerzusatz": "Hausnummernzusatz",
    "PLZ": "Postleitzahl",
    "Postfach": "Postfach",
    "Staatsangehoerigkeit": "Staatsangehörigkeit",
    "Geburtsdatum": "Geburtsdatum",
    "Familienname": "Familienname",
    "MindestEineAngabe": "Mindestens eine Angabe",
    "EMail": "E-Mail-Adresse",
    "Telefonnummer": "Telefonnummer",
}
_CAMEL = re.compile(r"(?<=[a-zäöüß])(?=[A-ZÄÖÜ])|(?<=[A-ZÄÖÜ])(?=[A-ZÄÖÜ][a-zäöüß])")


def label_humanise(text: str) -> str:
    """A readable label for technical names ("ZeileAnschrift" → "Anschriftzeile", "WeitereAngaben" → "Weitere
    Angaben"); texts with spaces are left alone. Words keep their case: German nouns are capitalised anyway."""
    if not text or any(c.isspace() for c in text):
        return text
    if text in LABELS:
        return LABELS[text]
    spaced = text.replace("_", " ")
    spaced = _CAMEL.sub(" ", spaced)
    return " ".join(LABELS.get(word, word) for word in spaced.split())
