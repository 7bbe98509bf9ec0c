"""Finding German UI words on an English page (issue 11 §4): one word list for the browser walk
(``amtsweg/demo/tests/test_e2e_english.py``) and the server-side walk of every citizen page
(``test_english_walk.py``).

Service content (Leistung names and texts, authority names, what the authority wrote) is German and marked
``lang="de"``; everything outside such elements must be English.
"""

from __future__ import annotations

import re

import lxml.html

# Common German words of the portal's own texts. None of them is an English word, so any of them outside
# lang="de" content means a text was left untranslated.
_WORDS = """
Weiter Zurück Antrag Anträge Antrags Schritt Schritte Bitte Ihre Ihr Ihren Ihrem Ihrer und oder nicht Sie wir
der die das den dem des ein eine einen einer mit für zur zum ist sind wird werden haben kann können Seite
Suche Suchen Angaben prüfen absenden ändern Fehler Leistung Leistungen Behörde zuständig zuständige Zuständige
Stelle Ja Nein Datei hochladen hinzufügen entfernen Speichern speichern später fortsetzen Eingangsbestätigung
Vorgangsnummer eingegangen Anmelden Themen Lebenslagen Startseite Pflichtangaben Übersicht Erklärung
Gebühr Anschrift Straße Hausnummer Postleitzahl Telefon Öffnungszeiten Monat Jahr Hinweis Zugangscode
herunterladen Datenschutz Impressum Barrierefreiheit
"""
GERMAN_WORDS = frozenset(_WORDS.split())

# What a screen reader reads besides text: these attributes, outside lang="de" as well.
TEXT_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
# Not read, or German on purpose (service content, hidden parts).
_SKIPPED = (
    "//script | //style | //noscript | //template | //*[starts-with(@lang, 'de')] | //*[@hidden]"
    " | //*[@aria-hidden='true']"
)


def german_words(texts: list[str]) -> list[str]:
    """The texts that contain a German word, each with the words found."""
    found = []
    for text in texts:
        words = set(re.findall(r"[A-Za-zÄÖÜäöüß]+", text)) & GERMAN_WORDS
        if words:
            found.append(f"{text!r} ({', '.join(sorted(words))})")
    return found


def page_texts(html: str) -> list[str]:
    """The texts of a page's body a screen reader reads, except those inside ``lang="de"`` (and hidden parts),
    plus the page title without the service content it repeats."""
    document = lxml.html.document_fromstring(html)
    german_content = {
        " ".join(el.text_content().split())
        for el in document.body.xpath(".//*[starts-with(@lang, 'de')]/descendant-or-self::*")
    }
    for element in document.body.xpath(_SKIPPED.replace("//", ".//")):
        element.drop_tree()
    texts = [text.strip() for text in document.body.itertext() if text.strip()]
    for element in document.body.iter():
        if isinstance(element.tag, str):
            texts += [element.get(name) for name in TEXT_ATTRIBUTES if element.get(name)]
    title = " ".join((document.findtext(".//title") or "").split())
    for content in sorted(german_content, key=len, reverse=True):
        if content:
            title = title.replace(content, "")
    texts.append(title)
    return texts


def is_fragment(html: str) -> bool:
    """An htmx partial (no document of its own, so no ``<html lang>`` to check)."""
    return "<html" not in html[:500].lower()


def page_language(html: str) -> str:
    """The document language (``<html lang>``)."""
    return lxml.html.document_fromstring(html).get("lang", "")


def english_placeholders(document: dict) -> dict:
    """``document`` (an assistant definition) with an English text for every own text (numbered,
    meaningless): for tests of the framework with a test definition that has no translations. The demo
    assistants' real translations are checked elsewhere (``forms/tests/test_translations.py``)."""
    from amtsweg.forms.translations import FIELD_TEXTS, GROUP_TEXTS, STEP_TEXTS, _elements

    number = iter(range(1, 10_000))

    def text() -> str:
        return f"English text {next(number)}"

    def labels(options) -> dict:
        return {option["value"]: text() for option in options or []}

    block: dict = {name: text() for name in ("title", "description") if document.get(name)}
    block["declaration"] = {name: text() for name in document.get("declaration") or {}}
    block["codelists"] = {name: labels(options) for name, options in (document.get("codelists") or {}).items()}
    elements = block["elements"] = {}
    for kind, key, element in _elements(document):
        names = {"step": STEP_TEXTS, "group": GROUP_TEXTS, "field": FIELD_TEXTS}[kind]
        texts: dict = {name: text() for name in names if element.get(name)}
        if kind == "group" and (element.get("repeat") or {}).get("item_label"):
            texts["item_label"] = text()
        if kind == "field" and element.get("options"):
            texts["options"] = labels(element["options"])
        if kind == "step":
            texts["outcomes"] = [
                {n: text() for n in ("title", "text", "link_label")} for _ in element.get("outcomes") or []
            ]
            texts["rules"] = [text() for _ in element.get("rules") or []]
        elements[key] = texts
    return {**document, "translations": {"en": block}}
