"""The page model of a step: widgets (one per field), repeat rows and groups, as the templates and
``rendering`` read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.utils.translation import gettext

from amtsweg.assistant.wizard.display import accept_attr, file_hint
from amtsweg.assistant.wizard.paths import dom_id, dom_name

INPUT_TYPES = {"email": "email", "phone": "tel"}
INPUT_MODES = {"integer": "numeric", "decimal": "decimal", "currency": "decimal"}
AUTOCOMPLETE = {
    "vorname": "given-name",
    "nachname": "family-name",
    "email": "email",
    "telefon": "tel",
    "geburtsdatum": "bday",
    "iban": "off",
}


@dataclass
class Widget:
    spec: dict
    path: str
    # input, textarea, radios, select, checkboxes, date, address, file, info, computed (see rendering/fields.py)
    kind: str
    value: Any = None
    error: str | None = None
    part_errors: dict = field(default_factory=dict)
    options: list[dict] = field(default_factory=list)
    parts: list[dict] = field(default_factory=list)
    revealed: bool = False
    refresh: bool = False  # other elements of the step depend on it (htmx re-renders on change)
    file_url: str | None = None

    @cached_property
    def key(self) -> str:
        return self.spec["key"]

    @cached_property
    def name(self) -> str:
        return dom_name(self.path)

    @cached_property
    def id(self) -> str:
        return dom_id(self.path)

    @cached_property
    def label(self) -> str:
        return self.spec.get("label") or ""

    @cached_property
    def help(self) -> str:
        return self.spec.get("help") or ""

    @cached_property
    def required(self) -> bool:
        return bool(self.spec.get("required"))

    @cached_property
    def input_type(self) -> str:
        return INPUT_TYPES.get(self.spec["type"], "text")

    @cached_property
    def inputmode(self) -> str:
        return INPUT_MODES.get(self.spec["type"], "")

    @cached_property
    def autocomplete(self) -> str:
        return AUTOCOMPLETE.get(self.key, "")

    @cached_property
    def hint_id(self) -> str:
        return f"{self.id}-hinweis"

    @cached_property
    def error_id(self) -> str:
        return f"{self.id}-fehler"

    @cached_property
    def has_error(self) -> bool:
        return bool(self.error or self.part_errors)

    @cached_property
    def has_hint(self) -> bool:
        return bool(self.help) or self.kind in {"date", "file"} or self.spec["type"] in {"currency", "iban", "decimal"}

    @cached_property
    def format_hint(self) -> str:
        kind = self.spec["type"]
        if kind == "date":
            return gettext("Zum Beispiel: 31 12 2024")
        if kind == "currency":
            return gettext("Betrag in Euro, zum Beispiel 12,50")
        if kind == "decimal":
            return gettext("Zum Beispiel 0,5")
        if kind == "iban":
            return gettext("22 Zeichen, beginnt bei deutschen Konten mit DE")
        if kind == "file":
            return file_hint(self.spec)
        return ""

    @cached_property
    def describedby(self) -> str:
        ids = []
        if self.has_hint:
            ids.append(self.hint_id)
        if self.error:
            ids.append(self.error_id)
        return " ".join(ids)

    @cached_property
    def accept(self) -> str:
        return accept_attr(self.spec)

    @cached_property
    def target_id(self) -> str:
        """The element an error link points to (the first focusable control of the field)."""
        if self.kind in {"radios", "checkboxes"}:
            return f"{self.id}-1"
        if self.kind == "date":
            return f"{self.id}-tag"
        if self.kind == "address":
            return f"{self.id}-street"
        return self.id


def path_slug(path: str) -> str:
    """``person[0].anschrift`` → ``person-0-anschrift`` (for ids); a top-level key stays as it is."""
    return path.replace("[", "-").replace("].", "-").replace("]", "").replace(".", "-")


@dataclass
class Row:
    group_key: str  # the answer path of the row list: ``hund``, or nested ``person[0].anschrift`` (ADR 0027)
    index: int
    label: str
    widgets: list[Widget]
    can_remove: bool
    subgroups: list[GroupView] = field(default_factory=list)  # nested repeatable groups of this row

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def id(self) -> str:
        return f"gruppe-{path_slug(self.group_key)}-{self.number}"

    @property
    def remove_value(self) -> str:
        return f"entfernen:{self.group_key}:{self.index}"


@dataclass
class GroupView:
    spec: dict
    widgets: list[Widget] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    error: str | None = None
    can_add: bool = False
    show_heading: bool = True
    # Answer path of the rows: the key, or for a nested group ``person[0].anschrift`` (ADR 0027).
    path: str = ""
    nested: bool = False

    @property
    def key(self) -> str:
        return self.path or self.spec["key"]

    def all_widgets(self) -> list[Widget]:
        """The group's widgets, its rows' and those of their nested groups, in page order."""
        widgets = list(self.widgets)
        for row in self.rows:
            widgets += row.widgets
            for sub in row.subgroups:
                widgets += sub.all_widgets()
        return widgets

    @property
    def title(self) -> str:
        return self.spec.get("title") or ""

    @property
    def intro(self) -> str:
        return self.spec.get("intro") or ""

    @property
    def repeat(self) -> dict | None:
        return self.spec.get("repeat")

    @property
    def item_label(self) -> str:
        return (self.repeat or {}).get("item_label") or "Eintrag"

    @property
    def id(self) -> str:
        return f"gruppe-{path_slug(self.key)}"

    @property
    def add_id(self) -> str:
        return f"{self.id}-hinzufuegen"

    @property
    def add_value(self) -> str:
        return f"hinzufuegen:{self.key}"

    @property
    def error_id(self) -> str:
        return f"{self.id}-fehler"

    @property
    def max_rows(self) -> int | None:
        return (self.repeat or {}).get("max")
