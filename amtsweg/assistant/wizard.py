"""The wizard's presentation logic: what a step page shows, and how a posted page becomes answers.

Pure functions over a ``ResolvedForm`` and an answers dict (no requests, no database except the
engine's PLZ check). Names and ids follow one scheme, so error links always find their field:

- answer path ``hund[1].hund_name`` → POST name ``f-hund-1-hund_name`` → DOM id ``feld-hund-1-hund_name``
- address parts: ``f-anschrift-street``; date parts: ``f-geburtsdatum-tag`` / ``-monat`` / ``-jahr``
- radios and checkboxes: ``feld-<path>-<n>`` for option n (the first is the error-link target)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

# The engine's scope helpers are the single source of truth for `when` evaluation; the wizard
# must show exactly what the engine validates, so it reuses them instead of re-implementing.
from amtsweg.forms.engine import (
    STEP_ERROR_KEY,
    ResolvedForm,
    answers_normalize,
    compute_values,
    is_shown,
    logic_scope,
    scope_for_row,
    visible_steps,
)
from amtsweg.forms.fields import ADDRESS_PARTS, FILE_TYPES, parse_decimal
from amtsweg.forms.logic import expression_vars
from amtsweg.forms.paths import path_parse, row_path

ADDRESS_LABELS = {"street": "Straße", "house_number": "Hausnummer", "postal_code": "Postleitzahl", "city": "Ort"}
ADDRESS_AUTOCOMPLETE = {
    "street": "address-line1",
    "house_number": "off",
    "postal_code": "postal-code",
    "city": "address-level2",
}
DATE_PARTS = (("tag", "Tag", 2), ("monat", "Monat", 2), ("jahr", "Jahr", 4))
RADIO_LIMIT = 12  # more single-choice options than this become a <select>
_DMY_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
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


# --- names and ids ------------------------------------------------------------------------------


def dom_name(path: str) -> str:
    """``hund[1].hund_name`` → ``f-hund-1-hund_name``; ``anschrift.city`` → ``f-anschrift-city``."""
    return "f-" + path.replace("[", "-").replace("].", "-").replace("]", "").replace(".", "-")


def dom_id(path: str) -> str:
    return "feld" + dom_name(path)[1:]


# --- value display ------------------------------------------------------------------------------


def _german_number(text: str) -> str:
    return text.replace(".", ",")


def input_text(spec: dict, value: Any) -> str:
    """The value as the citizen sees it in a text input (German decimal comma)."""
    if value is None:
        return ""
    kind = spec["type"]
    if kind in {"decimal", "currency"} and isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return _german_number(value)
    if isinstance(value, bool):
        return ""
    if isinstance(value, (int, Decimal)):
        return str(value)
    return value if isinstance(value, str) else ""


def date_parts(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {k: str(value.get(k) or "") for k, _, _ in DATE_PARTS}
    if isinstance(value, str):
        if m := _ISO_RE.match(value):
            year, month, day = m.groups()
            return {"tag": str(int(day)), "monat": str(int(month)), "jahr": year}
        if m := _DMY_RE.match(value):
            day, month, year = m.groups()
            return {"tag": day, "monat": month, "jahr": year}
    return {"tag": "", "monat": "", "jahr": ""}


def display_value(spec: dict, value: Any, codelists: dict) -> str:
    """A finalised answer as text for the review page."""
    kind = spec["type"]
    if value is None or value == "" or value == []:
        return "–"
    if kind == "boolean":
        return "Ja" if value is True else "Nein" if value is False else str(value)
    if kind in {"choice", "multichoice"}:
        labels = {o["value"]: o["label"] for o in options_of(spec, codelists)}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, str(v)) for v in values)
    if kind == "date" and isinstance(value, str) and (m := _ISO_RE.match(value)):
        year, month, day = m.groups()
        return f"{day}.{month}.{year}"
    if kind == "currency" and isinstance(value, str):
        number = parse_decimal(value)
        if number is not None:
            whole, _, cents = f"{number:.2f}".partition(".")
            return f"{int(whole):,}".replace(",", ".") + f",{cents} €"
    if kind == "decimal" and isinstance(value, str):
        return _german_number(value)
    if kind == "address" and isinstance(value, dict):
        street = " ".join(p for p in (value.get("street"), value.get("house_number")) if p)
        place = " ".join(p for p in (value.get("postal_code"), value.get("city")) if p)
        return ", ".join(p for p in (street, place) if p)
    if kind == "file" and isinstance(value, dict):
        return str(value.get("name") or "")
    if kind == "iban" and isinstance(value, str):
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return str(value)


def options_of(spec: dict, codelists: dict) -> list[dict]:
    if spec["type"] == "boolean":
        return [{"value": "ja", "label": "Ja"}, {"value": "nein", "label": "Nein"}]
    options = spec.get("options")
    if options is None:
        options = codelists.get(spec.get("codelist") or "", [])
    return list(options)


def file_hint(spec: dict) -> str:
    file_spec = spec.get("file") or {}
    types = [t for t in (file_spec.get("types") or list(FILE_TYPES)) if t in FILE_TYPES]
    max_mb = file_spec.get("max_size_mb", 10)
    labels = ", ".join(t.upper() for t in types)
    return f"Erlaubt: {labels}, höchstens {str(max_mb).replace('.', ',')} MB."


def accept_attr(spec: dict) -> str:
    types = (spec.get("file") or {}).get("types") or list(FILE_TYPES)
    return ",".join(s for t in types if t in FILE_TYPES for s in (*FILE_TYPES[t][1], FILE_TYPES[t][0]))


# --- page model ---------------------------------------------------------------------------------


@dataclass
class Widget:
    spec: dict
    path: str
    # input, textarea, radios, select, checkboxes, date, address, file, info, computed (see rendering.py)
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
            return "Zum Beispiel: 31 12 2024"
        if kind == "currency":
            return "Betrag in Euro, zum Beispiel 12,50"
        if kind == "decimal":
            return "Zum Beispiel 0,5"
        if kind == "iban":
            return "22 Zeichen, beginnt bei deutschen Konten mit DE"
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


@dataclass
class Row:
    group_key: str
    index: int
    label: str
    widgets: list[Widget]
    can_remove: bool

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def id(self) -> str:
        return f"gruppe-{self.group_key}-{self.number}"

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

    @property
    def key(self) -> str:
        return self.spec["key"]

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
        return f"gruppe-{self.key}"

    @property
    def add_id(self) -> str:
        return f"gruppe-{self.key}-hinzufuegen"

    @property
    def add_value(self) -> str:
        return f"hinzufuegen:{self.key}"

    @property
    def error_id(self) -> str:
        return f"gruppe-{self.key}-fehler"

    @property
    def max_rows(self) -> int | None:
        return (self.repeat or {}).get("max")


def scope_for(form: ResolvedForm, answers: dict) -> tuple[dict, dict]:
    """(normalised answers with computed values, evaluation scope)."""
    computed = compute_values(form=form, answers=answers_normalize(form=form, answers=answers))
    return computed, logic_scope(form, computed)


def rendered_rows(group: dict, answers: dict) -> int:
    """How many rows a repeatable group shows: the stored ones, or its minimum at first.

    An optional list (min 0, e.g. "Früherer Familienname") starts empty with its "hinzufügen" button:
    a pre-rendered empty row would make its required fields block everyone who has nothing to enter.
    """
    rows = answers.get(group["key"])
    if isinstance(rows, list):
        return len(rows)
    return group["repeat"].get("min", 0)


def shown_paths(form: ResolvedForm, step: dict, answers: dict) -> set[str]:
    """Answer paths of the answerable fields a step shows for ``answers``."""
    computed, scope = scope_for(form, answers)
    paths: set[str] = set()
    for group in step["groups"]:
        if not is_shown(group, scope):
            continue
        if group.get("repeat") is None:
            paths.update(f["key"] for f in group["fields"] if f["type"] != "info" and is_shown(f, scope))
            continue
        rows = computed.get(group["key"]) if isinstance(computed.get(group["key"]), list) else []
        for i in range(rendered_rows(group, answers)):
            row = rows[i] if i < len(rows) and isinstance(rows[i], dict) else {}
            row_scope = scope_for_row(scope, row)
            paths.update(
                row_path(group["key"], i, f["key"])
                for f in group["fields"]
                if f["type"] != "info" and is_shown(f, row_scope)
            )
    return paths


def step_controllers(step: dict) -> set[str]:
    """Keys of the step's fields that a ``when`` of the same step reads."""
    names: set[str] = set()
    for group in step["groups"]:
        if "when" in group:
            names |= expression_vars(group["when"])
        for spec in group["fields"]:
            if "when" in spec:
                names |= expression_vars(spec["when"])
    own = {spec["key"] for group in step["groups"] for spec in group["fields"]}
    return names & own


def _widget(form: ResolvedForm, spec: dict, path: str, value: Any, errors: dict, revealed: set[str]) -> Widget:
    kind = spec["type"]
    if kind == "info":
        return Widget(spec=spec, path=path, kind="info")
    if "compute" in spec:
        return Widget(spec=spec, path=path, kind="computed", value=display_value(spec, value, form.codelists))
    widget = Widget(spec=spec, path=path, kind="input", value=value, error=errors.get(path), revealed=path in revealed)
    if kind == "textarea":
        widget.kind = "textarea"
        widget.value = value if isinstance(value, str) else ""
    elif kind in {"choice", "boolean", "multichoice"}:
        options = options_of(spec, form.codelists)
        if kind == "multichoice":
            widget.kind = "checkboxes"
            chosen = set(value) if isinstance(value, list) else set()
        else:
            widget.kind = "radios" if kind == "boolean" or len(options) <= RADIO_LIMIT else "select"
            current = {True: "ja", False: "nein"}.get(value, value) if kind == "boolean" else value
            chosen = {current}
        widget.options = [
            {"value": o["value"], "label": o["label"], "checked": o["value"] in chosen, "id": f"{widget.id}-{n}"}
            for n, o in enumerate(options, start=1)
        ]
    elif kind == "date":
        widget.kind = "date"
        current = date_parts(value)
        widget.parts = [
            {
                "key": k,
                "label": label,
                "width": width,
                "value": current[k],
                "id": f"{widget.id}-{k}",
                "name": f"{widget.name}-{k}",
            }
            for k, label, width in DATE_PARTS
        ]
    elif kind == "address":
        widget.kind = "address"
        current = value if isinstance(value, dict) else {}
        widget.part_errors = {p: errors[f"{path}.{p}"] for p in ADDRESS_PARTS if f"{path}.{p}" in errors}
        widget.parts = [
            {
                "key": p,
                "label": ADDRESS_LABELS[p],
                "value": current.get(p) or "",
                "id": f"{widget.id}-{p}",
                "name": f"{widget.name}-{p}",
                "error": widget.part_errors.get(p),
                "error_id": f"{widget.id}-{p}-fehler",
                "autocomplete": ADDRESS_AUTOCOMPLETE[p],
                "required": p != "house_number",
                "inputmode": "numeric" if p == "postal_code" else "",
            }
            for p in ADDRESS_PARTS
        ]
    elif kind == "file":
        widget.kind = "file"
        widget.value = value if isinstance(value, dict) else None
    else:
        widget.value = input_text(spec, value)
    return widget


def step_page(
    *, form: ResolvedForm, step: dict, answers: dict, errors: dict | None = None, revealed: set[str] | None = None
) -> list[GroupView]:
    """The groups and fields of ``step`` as shown for ``answers`` (with their errors)."""
    errors = errors or {}
    revealed = revealed or set()
    controllers = step_controllers(step)
    computed, scope = scope_for(form, answers)
    groups: list[GroupView] = []
    for group in step["groups"]:
        if not is_shown(group, scope):
            continue
        view = GroupView(spec=group, error=errors.get(group["key"]))
        if group.get("repeat") is None:
            view.widgets = [
                _widget(
                    form,
                    f,
                    f["key"],
                    computed.get(f["key"]) if "compute" in f else answers.get(f["key"]),
                    errors,
                    revealed,
                )
                for f in group["fields"]
                if is_shown(f, scope)
            ]
        else:
            stored = answers.get(group["key"]) if isinstance(answers.get(group["key"]), list) else []
            rows_computed = computed.get(group["key"]) if isinstance(computed.get(group["key"]), list) else []
            count = rendered_rows(group, answers)
            low = group["repeat"].get("min", 0)
            for i in range(count):
                row = stored[i] if i < len(stored) and isinstance(stored[i], dict) else {}
                row_c = rows_computed[i] if i < len(rows_computed) and isinstance(rows_computed[i], dict) else {}
                row_scope = scope_for_row(scope, row_c)
                widgets = [
                    _widget(
                        form,
                        f,
                        row_path(group["key"], i, f["key"]),
                        row_c.get(f["key"]) if "compute" in f else row.get(f["key"]),
                        errors,
                        revealed,
                    )
                    for f in group["fields"]
                    if is_shown(f, row_scope)
                ]
                label = f"{view.item_label} {i + 1}"
                view.rows.append(
                    Row(group_key=group["key"], index=i, label=label, widgets=widgets, can_remove=count > low)
                )
            high = group["repeat"].get("max")
            view.can_add = high is None or count < high
        for widget in [w for r in view.rows for w in r.widgets] + view.widgets:
            widget.refresh = widget.key in controllers
        # No heading that merely repeats the step title or the group's only question.
        view.show_heading = (
            bool(view.title)
            and view.title != step["title"]
            and not (group.get("repeat") is None and len(view.widgets) == 1 and view.widgets[0].label == view.title)
        )
        groups.append(view)
    return groups


def error_links(groups: list[GroupView], errors: dict) -> list[dict]:
    """Error summary entries in page order: ``{"text", "href"}`` (href None for step-level errors)."""
    entries: list[dict] = []
    seen: set[str] = set()

    def add(path: str, target: str | None) -> None:
        if path in errors and path not in seen:
            seen.add(path)
            entries.append({"text": errors[path], "href": f"#{target}" if target else None})

    for group in groups:
        widgets = list(group.widgets)
        if group.repeat is not None:
            add(
                group.key,
                group.add_id
                if group.can_add
                else (group.rows[0].widgets[0].target_id if group.rows and group.rows[0].widgets else None),
            )
            for row in group.rows:
                add(f"{group.key}[{row.index}]", row.widgets[0].target_id if row.widgets else None)
                widgets.extend(row.widgets)
        for widget in widgets:
            add(widget.path, widget.target_id)
            if widget.kind == "address":
                for part in widget.parts:
                    add(f"{widget.path}.{part['key']}", part["id"])
    for path, message in errors.items():
        if path not in seen:
            seen.add(path)
            entries.append({"text": message, "href": None})
    return entries


# --- reading a posted page ----------------------------------------------------------------------


def _read(spec: dict, name: str, post) -> Any:
    kind = spec["type"]
    if kind == "multichoice":
        return [v for v in post.getlist(name) if isinstance(v, str)]
    if kind == "date":
        parts = {k: (post.get(f"{name}-{k}") or "").strip() for k, _, _ in DATE_PARTS}
        if not any(parts.values()):
            return None
        if all(p.isdigit() for p in parts.values()) and len(parts["jahr"]) == 4:
            return f"{parts['tag']}.{parts['monat']}.{parts['jahr']}"
        return parts  # unreadable: kept as typed so the page can show it again with an error
    if kind == "address":
        value = {p: (post.get(f"{name}-{p}") or "")[:500] for p in ADDRESS_PARTS}
        return value if any(v.strip() for v in value.values()) else None
    raw = post.get(name)
    if raw is None:
        return None
    return raw[:20000]  # bounded; the field's own length rules give the message


def step_read(*, form: ResolvedForm, step: dict, answers: dict, post) -> dict:
    """``answers`` updated with what was posted for the fields ``step`` showed.

    Only fields the page showed (for the stored ``answers``) are read; anything else in the POST,
    including unknown or tampered keys, is ignored. Files and computed values are not read here.
    """
    result = dict(answers)
    computed, scope = scope_for(form, answers)
    for group in step["groups"]:
        if not is_shown(group, scope):
            continue
        readable = [f for f in group["fields"] if f["type"] not in {"info", "file"} and "compute" not in f]
        if group.get("repeat") is None:
            for spec in readable:
                if is_shown(spec, scope):
                    result[spec["key"]] = _read(spec, dom_name(spec["key"]), post)
            continue
        stored = answers.get(group["key"]) if isinstance(answers.get(group["key"]), list) else []
        rows_computed = computed.get(group["key"]) if isinstance(computed.get(group["key"]), list) else []
        rows = []
        for i in range(rendered_rows(group, answers)):
            row = dict(stored[i]) if i < len(stored) and isinstance(stored[i], dict) else {}
            row_c = rows_computed[i] if i < len(rows_computed) and isinstance(rows_computed[i], dict) else {}
            row_scope = scope_for_row(scope, row_c)
            for spec in readable:
                if is_shown(spec, row_scope):
                    row[spec["key"]] = _read(spec, dom_name(row_path(group["key"], i, spec["key"])), post)
            rows.append(row)
        result[group["key"]] = rows
    return answers_normalize(form=form, answers=result)


def file_fields(*, form: ResolvedForm, step: dict, answers: dict) -> list[tuple[str, dict]]:
    """(path, spec) of the file fields ``step`` shows for ``answers``."""
    shown = shown_paths(form, step, answers)
    result = []
    for group in step["groups"]:
        for spec in group["fields"]:
            if spec["type"] != "file":
                continue
            if group.get("repeat") is None:
                if spec["key"] in shown:
                    result.append((spec["key"], spec))
            else:
                for i in range(rendered_rows(group, answers)):
                    path = row_path(group["key"], i, spec["key"])
                    if path in shown:
                        result.append((path, spec))
    return result


def answer_get(answers: dict, path: str) -> Any:
    parsed = path_parse(path)
    if not parsed:
        return None
    key, index, sub = parsed.key, parsed.index, parsed.sub
    if index is None:
        return answers.get(key)
    rows = answers.get(key)
    if not isinstance(rows, list) or index >= len(rows) or not isinstance(rows[index], dict):
        return None
    return rows[index].get(sub)


def answer_set(answers: dict, path: str, value: Any) -> dict:
    """A copy of ``answers`` with ``path`` (``key`` or ``group[i].key``) set."""
    result = dict(answers)
    parsed = path_parse(path)
    if not parsed:
        return result
    key, index, sub = parsed.key, parsed.index, parsed.sub
    if index is None:
        result[key] = value
        return result
    rows = [dict(r) if isinstance(r, dict) else {} for r in (result.get(key) or [])]
    while len(rows) <= index:
        rows.append({})
    rows[index][sub] = value
    result[key] = rows
    return result


def file_refs(answers: dict) -> set[str]:
    """``ref`` of every file answer (top level and in rows)."""
    refs: set[str] = set()

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("ref"), str) and "size" in value and "type" in value:
                refs.add(value["ref"])
            else:
                for v in value.values():
                    visit(v)
        elif isinstance(value, list):
            for v in value:
                visit(v)

    visit(answers)
    return refs


# --- navigation ---------------------------------------------------------------------------------


def step_keys(form: ResolvedForm, answers: dict) -> list[str]:
    return [s["key"] for s in visible_steps(form=form, answers=answers)]


def error_step(form: ResolvedForm, answers: dict, errors: dict) -> str | None:
    """The first visible step that owns one of ``errors`` (by the field or group key in the path)."""
    owners = {}
    for step in visible_steps(form=form, answers=answers):
        for group in step["groups"]:
            owners.setdefault(group["key"], step["key"])
            for spec in group["fields"]:
                owners.setdefault(spec["key"], step["key"])
    for path in errors:
        if path == STEP_ERROR_KEY:
            continue
        parsed = path_parse(path)
        if parsed and parsed.key in owners:
            return owners[parsed.key]
    keys = step_keys(form, answers)
    return keys[0] if keys else None
