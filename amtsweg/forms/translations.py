"""Translations of an assistant's own texts (issue 11 §4, docs/forms/definition-format.md#translations).

A definition is written in German. Its optional ``translations`` block carries other languages, keyed by
language and then by element key (step, group and field keys share one namespace)::

    translations:
      en:
        title: Dog tax registration
        description: …
        declaration: {truth: …, privacy: …}
        codelists: {herkunft: {zuechter: From a breeder}}
        elements:
          anliegen: {title: Your request, outcomes: [{title: …, text: …}], rules: […]}
          hund: {title: Dog, item_label: Dog}
          anlass: {label: What would you like to do?, options: {anmeldung: Register a dog}}

``document_translate`` returns the document in one language, each text falling back to German where the
block has none. Only the citizen's pages use it; submissions, receipts for the authority and the hub
payload keep the German texts. Pure functions, no database access.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

SOURCE_LANGUAGE = "de"
STEP_TEXTS = ("title", "intro")
GROUP_TEXTS = ("title", "intro", "item_label")
FIELD_TEXTS = ("label", "help", "text", "pattern_message")
STOP_TEXTS = ("title", "text", "link_label")


def _elements(document: dict) -> Iterator[tuple[str, str, dict]]:
    """(kind, key, element) for every step, group and field."""
    for step in document.get("steps") or []:
        yield "step", step["key"], step
        for group in step.get("groups") or []:
            yield "group", group["key"], group
            for field in group.get("fields") or []:
                yield "field", field["key"], field


def document_languages(document: dict) -> list[str]:
    """The languages a document has texts in: German first, then those of its ``translations`` block."""
    return [SOURCE_LANGUAGE, *sorted((document.get("translations") or {}).keys())]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _apply_stop(stop: dict, texts: dict) -> None:
    for name in ("title", "text"):
        if text := _text(texts.get(name)):
            stop[name] = text
    if (text := _text(texts.get("link_label"))) and isinstance(stop.get("link"), dict):
        stop["link"]["label"] = text


def _apply_element(kind: str, element: dict, texts: dict) -> None:
    names = {"step": STEP_TEXTS, "group": GROUP_TEXTS, "field": FIELD_TEXTS}[kind]
    for name in names:
        text = _text(texts.get(name))
        if text is None:
            continue
        if name == "item_label":
            if isinstance(element.get("repeat"), dict):
                element["repeat"]["item_label"] = text
        elif name in element:
            element[name] = text
    if kind == "field":
        labels = texts.get("options") or {}
        for option in element.get("options") or []:
            if text := _text(labels.get(option["value"])):
                option["label"] = text
    if kind == "step":
        for outcome, stop_texts in zip(element.get("outcomes") or [], texts.get("outcomes") or [], strict=False):
            if isinstance(outcome.get("stop"), dict) and isinstance(stop_texts, dict):
                _apply_stop(outcome["stop"], stop_texts)
        for rule, message in zip(element.get("rules") or [], texts.get("rules") or [], strict=False):
            if text := _text(message):
                rule["message"] = text


def document_translate(*, document: dict, language: str) -> dict:
    """``document`` with its texts in ``language`` where the translations block has them, else German.

    Returns ``document`` itself (no copy) for German or when the language has no translations.
    """
    block = (document.get("translations") or {}).get(language)
    if language == SOURCE_LANGUAGE or not isinstance(block, dict):
        return document
    doc = copy.deepcopy(document)
    for name in ("title", "description"):
        if text := _text(block.get(name)):
            doc[name] = text
    for name, value in (block.get("declaration") or {}).items():
        if (text := _text(value)) and name in (doc.get("declaration") or {}):
            doc["declaration"][name] = text
    for name, labels in (block.get("codelists") or {}).items():
        for option in (doc.get("codelists") or {}).get(name) or []:
            if text := _text((labels or {}).get(option["value"])):
                option["label"] = text
    elements = block.get("elements") or {}
    for kind, key, element in _elements(doc):
        if isinstance(elements.get(key), dict):
            _apply_element(kind, element, elements[key])
    return doc


def translation_errors(document: dict) -> list[str]:
    """Entries of the translations block that name no element, option or code list value (German)."""
    errors: list[str] = []
    known = {key: (kind, element) for kind, key, element in _elements(document)}
    codelists = document.get("codelists") or {}
    for language, block in (document.get("translations") or {}).items():
        base = f"translations.{language}"
        for name, labels in (block.get("codelists") or {}).items():
            values = {o["value"] for o in codelists.get(name) or []}
            if name not in codelists:
                errors.append(f"{base}.codelists.{name}: Die Codeliste gibt es im Dokument nicht.")
            errors += [
                f"{base}.codelists.{name}.{value}: Den Wert gibt es in der Codeliste nicht."
                for value in labels or {}
                if name in codelists and value not in values
            ]
        for key, texts in (block.get("elements") or {}).items():
            errors += _element_translation_errors(f"{base}.elements.{key}", known.get(key), texts)
    return errors


def _element_translation_errors(path: str, found: tuple[str, dict] | None, texts: dict) -> list[str]:
    if found is None:
        return [f"{path}: Ein Element mit diesem Schlüssel gibt es im Dokument nicht."]
    kind, element = found
    allowed = {
        "step": {*STEP_TEXTS, "outcomes", "rules"},
        "group": set(GROUP_TEXTS),
        "field": {*FIELD_TEXTS, "options"},
    }
    errors = [
        f"{path}.{name}: Dieses Element hat keinen übersetzbaren Text „{name}“."
        for name in texts
        if name not in allowed[kind]
    ]
    if kind == "field":
        values = {o["value"] for o in element.get("options") or []}
        errors += [
            f"{path}.options.{v}: Die Option gibt es nicht." for v in texts.get("options") or {} if v not in values
        ]
    if kind == "step":
        for name in ("outcomes", "rules"):
            if len(texts.get(name) or []) > len(element.get(name) or []):
                errors.append(f"{path}.{name}: Mehr Übersetzungen als Einträge im Schritt.")
    return errors


def translation_missing(*, document: dict, language: str) -> list[str]:
    """Paths of citizen-visible texts that have no translation into ``language`` (for completeness checks)."""
    block = (document.get("translations") or {}).get(language) or {}
    elements = block.get("elements") or {}
    missing = [name for name in ("title", "description") if document.get(name) and not _text(block.get(name))]
    missing += [
        f"declaration.{name}"
        for name in (document.get("declaration") or {})
        if not _text((block.get("declaration") or {}).get(name))
    ]
    for name, options in (document.get("codelists") or {}).items():
        labels = (block.get("codelists") or {}).get(name) or {}
        missing += [f"codelists.{name}.{o['value']}" for o in options if not _text(labels.get(o["value"]))]
    for kind, key, element in _elements(document):
        texts = elements.get(key) or {}
        missing += _element_missing(kind, key, element, texts)
    return missing


def _element_missing(kind: str, key: str, element: dict, texts: dict) -> list[str]:
    names = {"step": STEP_TEXTS, "group": GROUP_TEXTS, "field": FIELD_TEXTS}[kind]
    present = {name: element.get(name) for name in names}
    if kind == "group":
        present["item_label"] = (element.get("repeat") or {}).get("item_label")
    missing = [f"{key}.{name}" for name, value in present.items() if value and not _text(texts.get(name))]
    if kind == "field":
        labels = texts.get("options") or {}
        missing += [
            f"{key}.options.{o['value']}" for o in element.get("options") or [] if not _text(labels.get(o["value"]))
        ]
    if kind == "step":
        stops = texts.get("outcomes") or []
        for i, outcome in enumerate(element.get("outcomes") or []):
            stop = outcome.get("stop")
            given = stops[i] if i < len(stops) and isinstance(stops[i], dict) else {}
            if stop:
                missing += [f"{key}.outcomes[{i}].{n}" for n in ("title", "text") if not _text(given.get(n))]
                if stop.get("link") and not _text(given.get("link_label")):
                    missing.append(f"{key}.outcomes[{i}].link_label")
        rules = texts.get("rules") or []
        missing += [
            f"{key}.rules[{i}]"
            for i, _ in enumerate(element.get("rules") or [])
            if i >= len(rules) or not _text(rules[i])
        ]
    return missing


def document_title(*, document: dict, language: str) -> str:
    """The document's title in ``language`` (German fallback), without translating the whole document."""
    block = (document.get("translations") or {}).get(language) or {}
    return _text(block.get("title")) or document.get("title") or ""
