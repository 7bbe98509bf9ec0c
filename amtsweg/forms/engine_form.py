"""The effective form of a Kommune: a central definition with its overlay applied (see ``engine.py``)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from amtsweg.forms.definition import FieldRef, iter_fields, parameter_value_error
from amtsweg.forms.translations import SOURCE_LANGUAGE, document_translate

# Overlay text targets: "<field>.help", "<field>.text" (info fields), "steps.<step>.intro",
# "groups.<group>.intro", "description".
TEXT_ATTRIBUTES = ("help", "text")


@dataclass(frozen=True)
class Stop:
    """The Anliegensklärung ends here: no application (or another one) is needed."""

    step_key: str
    title: str
    text: str
    link_url: str | None = None
    link_label: str | None = None


@dataclass
class ResolvedForm:
    """The effective form for one Kommune: central definition with its overlay applied.

    ``document`` is a private deep copy (texts replaced, disabled fields removed); treat it as
    read-only. ``version`` is the ``FormVersion`` it came from (None when built from a bare document).
    """

    document: dict
    parameters: dict[str, Any]
    contact: dict = field(default_factory=dict)
    disabled_fields: frozenset[str] = frozenset()
    version: Any = None
    overlay: Any = None
    language: str = "de"

    def __post_init__(self) -> None:
        self.fields: dict[str, FieldRef] = {ref.field["key"]: ref for ref in iter_fields(self.document)}
        self.steps_by_key: dict[str, dict] = {s["key"]: s for s in self.steps}
        self.groups: dict[str, tuple[dict, dict]] = {g["key"]: (g, s) for s in self.steps for g in s["groups"]}
        self.codelists: dict = self.document.get("codelists") or {}

    @property
    def key(self) -> str:
        return self.document["key"]

    @property
    def title(self) -> str:
        return self.document["title"]

    @property
    def leika_key(self) -> str:
        return self.document.get("leistung", "")

    @property
    def steps(self) -> list[dict]:
        return self.document["steps"]

    @property
    def declaration(self) -> dict:
        return self.document.get("declaration") or {}

    @property
    def repeat_groups(self) -> dict[str, dict]:
        return {k: g for k, (g, _) in self.groups.items() if g.get("repeat") is not None}


def _dict(value: Any) -> dict:
    # Overlay parts are JSON columns; a malformed one must not break the citizen's form.
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _text_target(document: dict, key: str) -> tuple[dict, str] | None:
    """(object, attribute) that an overlay text key sets, or None if the key has no target."""
    if key == "description":
        return document, "description"
    head, _, rest = key.partition(".")
    if head in {"steps", "groups"}:
        name, _, attribute = rest.partition(".")
        if attribute != "intro":
            return None
        items = document["steps"] if head == "steps" else [g for s in document["steps"] for g in s["groups"]]
        target = next((item for item in items if item["key"] == name), None)
        return (target, "intro") if target is not None else None
    if rest not in TEXT_ATTRIBUTES:
        return None
    ref = next((r for r in iter_fields(document) if r.field["key"] == head), None)
    if ref is None or (rest == "text" and ref.field["type"] != "info"):
        return None
    return ref.field, rest


def overlay_text_valid(value: Any) -> bool:
    """An overlay text: a German string, or {language: text} with the German text under "de" (ADR 0025)."""
    if isinstance(value, str):
        return True
    return (
        isinstance(value, dict)
        and isinstance(value.get(SOURCE_LANGUAGE), str)
        and all(isinstance(k, str) and len(k) == 2 and isinstance(v, str) for k, v in value.items())
    )


def overlay_text(value: Any, language: str) -> str | None:
    """The overlay text for ``language``, or None when the Kommune wrote none in it.

    In another language than German a German-only overlay text is not used: the central text (translated in
    the definition) stays, instead of a German sentence on an English page.
    """
    if isinstance(value, str):
        return value if language == SOURCE_LANGUAGE else None
    if isinstance(value, dict):
        text = value.get(language)
        return text if isinstance(text, str) and text.strip() else None
    return None


def overlay_problems(
    *, document: dict, parameters: dict | None = None, texts: dict | None = None, disabled_fields: Any = None
) -> list[str]:
    """German messages for overlay entries that do not fit ``document`` (used for conflicts)."""
    problems: list[str] = []
    parameters, texts, disabled_fields = _dict(parameters), _dict(texts), _list(disabled_fields)
    specs = document.get("parameters") or {}
    for name, value in (parameters or {}).items():
        if name not in specs:
            problems.append(f"Parameter '{name}' gibt es in dieser Version nicht mehr; der Wert wird ignoriert.")
        elif problem := parameter_value_error(spec=specs[name], value=value):
            problems.append(f"Parameter '{name}': {problem} Es gilt der zentrale Standardwert.")
    for key, value in (texts or {}).items():
        if not overlay_text_valid(value):
            problems.append(f"Text '{key}': Erwartet wird ein Text (oder {{de: …, en: …}}).")
        elif _text_target(document, key) is None:
            problems.append(
                f"Text '{key}': Das Element gibt es in dieser Version nicht (mehr); der Text wird ignoriert."
            )
    fields = {r.field["key"]: r.field for r in iter_fields(document)}
    for key in disabled_fields or []:
        target = fields.get(key) if isinstance(key, str) else None
        if target is None:
            problems.append(f"Abgeschaltetes Feld '{key}' gibt es in dieser Version nicht mehr.")
        elif not target.get("optional_switch") or target.get("required"):
            problems.append(f"Feld '{key}' darf in dieser Version nicht abgeschaltet werden; es bleibt sichtbar.")
    return problems


def form_from_document(
    *,
    document: dict,
    parameters: dict | None = None,
    texts: dict | None = None,
    disabled_fields: Any = None,
    contact: dict | None = None,
    version: Any = None,
    overlay: Any = None,
    language: str = SOURCE_LANGUAGE,
) -> ResolvedForm:
    """Apply overlay values to a (valid) definition document. Entries that do not fit are ignored.

    ``language``: the assistant's own texts in that language where the definition translates them (German
    otherwise). A Kommune's overlay text replaces the central text where it exists in that language
    (``overlay_text``).
    """
    parameters, texts, contact = _dict(parameters), _dict(texts), _dict(contact)
    disabled_fields = _list(disabled_fields)
    translated = document_translate(document=document, language=language)
    doc = translated if translated is not document else copy.deepcopy(document)
    specs = doc.get("parameters") or {}
    resolved = {name: spec.get("default") for name, spec in specs.items()}
    for name, value in (parameters or {}).items():
        if name in specs and parameter_value_error(spec=specs[name], value=value) is None:
            resolved[name] = value
    for key, value in (texts or {}).items():
        text = overlay_text(value, language if translated is not document else SOURCE_LANGUAGE)
        target = _text_target(doc, key) if text is not None else None
        if target is not None:
            obj, attribute = target
            obj[attribute] = text
    switchable = {
        r.field["key"] for r in iter_fields(doc) if r.field.get("optional_switch") and not r.field.get("required")
    }
    disabled = frozenset(k for k in (disabled_fields or []) if k in switchable)
    if disabled:
        for step in doc["steps"]:
            for group in step["groups"]:
                group["fields"] = [f for f in group["fields"] if f["key"] not in disabled]
                if group.get("subgroups"):
                    for sub in group["subgroups"]:
                        sub["fields"] = [f for f in sub["fields"] if f["key"] not in disabled]
                    group["subgroups"] = [sub for sub in group["subgroups"] if sub["fields"]]
                    if not group["subgroups"]:
                        del group["subgroups"]
            step["groups"] = [g for g in step["groups"] if g["fields"]]
            for rule in step.get("rules") or []:
                if "fields" in rule:
                    rule["fields"] = [k for k in rule["fields"] if k not in disabled]
        doc["steps"] = [s for s in doc["steps"] if s["groups"]]
    return ResolvedForm(
        document=doc,
        parameters=resolved,
        contact=dict(contact or {}),
        disabled_fields=disabled,
        version=version,
        overlay=overlay,
        language=language if translated is not document else SOURCE_LANGUAGE,
    )
