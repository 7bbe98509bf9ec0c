"""Runtime-independent form engine: the effective form of a Kommune and pure functions over answers.

Everything here works on a ``ResolvedForm`` (central definition + overlay) and a plain answers
dict (see docs/forms/definition-format.md, "Keys and answers"). No database access except the
PLZ/Ort check of address fields. The wizard and the submission code build on these functions:

- ``visible_steps``: the steps the citizen goes through, given the answers so far
- ``step_validate``: full server-side validation of one step
- ``compute_values``: answers with every computed field filled in
- ``answers_prune``: answers without hidden or unknown keys
- ``answers_finalize``: normalise + compute + prune, the snapshot to submit
- ``clarification_outcome``: whether the Anliegensklärung ends the assistant with an explanation
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from amtsweg.forms.definition import FieldRef, iter_fields, parameter_value_error
from amtsweg.forms.fields import (
    currency_text,
    decimal_text,
    field_errors,
    is_empty,
    parse_decimal,
    value_normalize,
)
from amtsweg.forms.logic import evaluate, expression_vars, to_number, truthy

STEP_ERROR_KEY = "__all__"
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
        if not isinstance(value, str):
            problems.append(f"Text '{key}': Erwartet wird ein Text.")
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
) -> ResolvedForm:
    """Apply overlay values to a (valid) definition document. Entries that do not fit are ignored."""
    parameters, texts, contact = _dict(parameters), _dict(texts), _dict(contact)
    disabled_fields = _list(disabled_fields)
    doc = copy.deepcopy(document)
    specs = doc.get("parameters") or {}
    resolved = {name: spec.get("default") for name, spec in specs.items()}
    for name, value in (parameters or {}).items():
        if name in specs and parameter_value_error(spec=specs[name], value=value) is None:
            resolved[name] = value
    for key, value in (texts or {}).items():
        target = _text_target(doc, key) if isinstance(value, str) else None
        if target is not None:
            obj, attribute = target
            obj[attribute] = value
    switchable = {
        r.field["key"] for r in iter_fields(doc) if r.field.get("optional_switch") and not r.field.get("required")
    }
    disabled = frozenset(k for k in (disabled_fields or []) if k in switchable)
    if disabled:
        for step in doc["steps"]:
            for group in step["groups"]:
                group["fields"] = [f for f in group["fields"] if f["key"] not in disabled]
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
    )


# --- evaluation scope ---------------------------------------------------------------------------


def logic_scope(form: ResolvedForm, answers: dict, today: dt.date | None = None) -> dict:
    scope = dict(answers)
    for key in form.repeat_groups:
        rows = answers.get(key)
        scope[f"{key}_count"] = len(rows) if isinstance(rows, list) else 0
    scope["param"] = form.parameters
    scope["today"] = (today or timezone.localdate()).isoformat()
    return scope


def scope_for_row(scope: dict, row: Any) -> dict:
    return {**scope, **row} if isinstance(row, dict) else scope


def is_shown(element: dict, scope: dict) -> bool:
    return "when" not in element or truthy(evaluate(expression=element["when"], data=scope))


def _rows(answers: dict, group_key: str) -> list:
    rows = answers.get(group_key)
    return rows if isinstance(rows, list) else []


def _as_dict(answers: Any) -> dict:
    return answers if isinstance(answers, dict) else {}


# --- public engine functions --------------------------------------------------------------------


def visible_steps(*, form: ResolvedForm, answers: dict) -> list[dict]:
    """The steps shown for these answers, in order (a step with a false ``when`` is skipped)."""
    answers = compute_values(form=form, answers=answers_normalize(form=form, answers=answers))
    scope = logic_scope(form, answers)
    return [s for s in form.steps if is_shown(s, scope) and any(is_shown(g, scope) for g in s["groups"])]


def answers_normalize(*, form: ResolvedForm, answers: dict) -> dict:
    """Canonical answer values (see the format doc); unknown keys and unreadable values are kept."""
    result = dict(_as_dict(answers))
    for key, value in list(result.items()):
        ref = form.fields.get(key)
        if ref is not None and ref.repeat_group is None:
            result[key] = value_normalize(ref.field, value)
        elif key in form.repeat_groups and isinstance(value, list):
            group = form.repeat_groups[key]
            specs = {f["key"]: f for f in group["fields"]}
            result[key] = [
                {k: value_normalize(specs[k], v) if k in specs else v for k, v in row.items()}
                if isinstance(row, dict)
                else row
                for row in value
            ]
    return result


def _computed(field: dict, value: Any) -> Any:
    if value is None:
        return None
    kind = field["type"]
    if kind in {"currency", "decimal", "integer"}:
        number = to_number(value)
        if number is None:
            return None
        if kind == "currency":
            return currency_text(number)
        if kind == "integer":
            return int(number.to_integral_value())
        return decimal_text(number)
    if kind == "boolean":
        return truthy(value)
    if kind in {"text", "textarea", "choice", "email", "phone", "iban", "date"}:
        return value if isinstance(value, str) else decimal_text(value) if to_number(value) is not None else None
    return None


def compute_values(*, form: ResolvedForm, answers: dict) -> dict:
    """A copy of ``answers`` with every computed field set (in document order, rows per row).

    Computed values are produced by the server only: whatever was submitted for them is replaced.
    """
    result = dict(_as_dict(answers))
    scope = logic_scope(form, result)
    for ref in form.fields.values():
        spec = ref.field
        if "compute" not in spec:
            continue
        if ref.repeat_group is None:
            value = _computed(spec, evaluate(expression=spec["compute"], data=scope))
            result[spec["key"]] = value
            scope[spec["key"]] = value
        else:
            rows = []
            for row in _rows(result, ref.repeat_group):
                row = dict(row) if isinstance(row, dict) else {}
                row[spec["key"]] = _computed(spec, evaluate(expression=spec["compute"], data=scope_for_row(scope, row)))
                rows.append(row)
            if rows:
                result[ref.repeat_group] = rows
                scope[ref.repeat_group] = rows
    return result


def _prune_once(form: ResolvedForm, answers: dict) -> dict:
    scope = logic_scope(form, answers)
    kept: dict = {}
    for step in form.steps:
        if not is_shown(step, scope):
            continue
        for group in step["groups"]:
            if not is_shown(group, scope):
                continue
            answerable = [f for f in group["fields"] if f["type"] != "info"]
            if group.get("repeat") is not None:
                if group["key"] not in answers:
                    continue
                rows = []
                for row in _rows(answers, group["key"]):
                    if not isinstance(row, dict):
                        continue
                    row_scope = scope_for_row(scope, row)
                    rows.append(
                        {f["key"]: row[f["key"]] for f in answerable if f["key"] in row and is_shown(f, row_scope)}
                    )
                kept[group["key"]] = rows
            else:
                for f in answerable:
                    if f["key"] in answers and is_shown(f, scope):
                        kept[f["key"]] = answers[f["key"]]
    return kept


def answers_prune(*, form: ResolvedForm, answers: dict) -> dict:
    """Drop answers of hidden steps, groups and fields and of keys the form does not know.

    Repeated until stable, because dropping an answer can hide further elements that depended on it.
    """
    current = _as_dict(answers)
    for _ in range(len(form.fields) + 2):
        pruned = _prune_once(form, current)
        if pruned == current:
            break
        current = pruned
    return current


def answers_finalize(*, form: ResolvedForm, answers: dict) -> dict:
    """The answers to submit: normalised, computed fields recomputed, unreachable answers removed."""
    current = answers_normalize(form=form, answers=answers)
    for _ in range(len(form.fields) + 2):
        pruned = answers_prune(form=form, answers=compute_values(form=form, answers=current))
        if pruned == current:
            break
        current = pruned
    # Empty answers carry no information; the snapshot (and its JSON Schema/XML) leaves them out.
    result = {}
    for key, value in current.items():
        if key in form.repeat_groups and isinstance(value, list):
            result[key] = [{k: v for k, v in row.items() if not is_empty(v)} for row in value]
        elif not is_empty(value):
            result[key] = value
    return result


def clarification_outcome(*, form: ResolvedForm, answers: dict) -> Stop | None:
    """The first matching ``stop`` outcome of the Anliegensklärung steps, or None to go on."""
    answers = answers_normalize(form=form, answers=answers)
    scope = logic_scope(form, answers)
    for step in form.steps:
        if not step.get("clarification"):
            break
        if not is_shown(step, scope):
            continue
        for outcome in step.get("outcomes") or []:
            if truthy(evaluate(expression=outcome["when"], data=scope)):
                stop = outcome["stop"]
                link = stop.get("link") or {}
                return Stop(step["key"], stop["title"], stop["text"], link.get("url"), link.get("label"))
    return None


def _rule_target(form: ResolvedForm, rule: dict, row_path: str | None) -> str:
    for key in rule.get("fields") or []:
        ref = form.fields.get(key)
        if ref is None:
            continue
        if ref.repeat_group is None:
            return key
        return f"{row_path}.{key}" if row_path else ref.repeat_group
    return STEP_ERROR_KEY


def _repeat_count_message(group: dict, count: int) -> str | None:
    repeat = group["repeat"]
    low, high = repeat.get("min", 0), repeat.get("max")
    label = repeat.get("item_label") or "Eintrag"
    if count < low:
        return f"Bitte geben Sie mindestens {low} × „{label}“ an."
    if high is not None and count > high:
        return f"Bitte geben Sie höchstens {high} × „{label}“ an."
    return None


def step_validate(
    *,
    form: ResolvedForm,
    step_key: str,
    answers: dict,
    files: dict | None = None,
    today: dt.date | None = None,
) -> dict[str, str]:
    """Validate every visible field of one step, the repeat limits and the step's ``rules``.

    Returns ``{field_path: German message}``; empty when the step is valid. Paths: ``iban``,
    ``wohnsitz.postal_code`` (address parts), ``hund[0].hund_name`` (repeat rows), ``hund`` (row
    count), ``__all__`` (step-level). ``files`` maps field paths to uploaded files, which take
    precedence over file answers already stored.
    """
    step = form.steps_by_key.get(step_key) if isinstance(step_key, str) else None
    answers = compute_values(form=form, answers=answers_normalize(form=form, answers=answers))
    scope = logic_scope(form, answers, today)
    if step is None or not is_shown(step, scope):
        return {STEP_ERROR_KEY: "Dieser Schritt ist für Ihre Angaben nicht vorgesehen. Bitte nutzen Sie die Übersicht."}
    files = files or {}
    errors: dict[str, str] = {}

    def check(spec: dict, value: Any, path: str) -> None:
        if spec["type"] == "file" and path in files:
            value = files[path]
        for p, message in field_errors(spec, value, path=path, codelists=form.codelists, today=today).items():
            errors.setdefault(p, message)

    for group in step["groups"]:
        if not is_shown(group, scope):
            continue
        if group.get("repeat") is None:
            for spec in group["fields"]:
                if is_shown(spec, scope):
                    check(spec, answers.get(spec["key"]), spec["key"])
            continue
        raw = answers.get(group["key"])
        if raw is not None and not isinstance(raw, list):
            errors[group["key"]] = "Die Angaben konnten nicht gelesen werden. Bitte geben Sie sie erneut ein."
            continue
        rows = raw or []
        if message := _repeat_count_message(group, len(rows)):
            errors[group["key"]] = message
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                errors[f"{group['key']}[{i}]"] = "Die Angaben konnten nicht gelesen werden."
                continue
            row_scope = scope_for_row(scope, row)
            for spec in group["fields"]:
                if is_shown(spec, row_scope):
                    check(spec, row.get(spec["key"]), f"{group['key']}[{i}].{spec['key']}")

    for rule in step.get("rules") or []:
        names = expression_vars(rule["check"])
        row_groups = [
            g for g in step["groups"] if g.get("repeat") is not None and names & {f["key"] for f in g["fields"]}
        ]
        if row_groups:
            group = row_groups[0]
            for i, row in enumerate(_rows(answers, group["key"])):
                if not truthy(evaluate(expression=rule["check"], data=scope_for_row(scope, row))):
                    errors.setdefault(_rule_target(form, rule, f"{group['key']}[{i}]"), rule["message"])
        elif not truthy(evaluate(expression=rule["check"], data=scope)):
            errors.setdefault(_rule_target(form, rule, None), rule["message"])
    return errors


def form_validate(*, form: ResolvedForm, answers: dict, files: dict | None = None) -> dict[str, str]:
    """All visible steps validated at once (for the final submit; includes ``Stop`` outcomes)."""
    errors: dict[str, str] = {}
    stop = clarification_outcome(form=form, answers=answers)
    if stop is not None:
        errors[STEP_ERROR_KEY] = stop.title
    for step in visible_steps(form=form, answers=answers):
        for path, message in step_validate(form=form, step_key=step["key"], answers=answers, files=files).items():
            errors.setdefault(path, message)
    return errors


def answer_is_empty(value: Any) -> bool:
    return is_empty(value)


__all__ = [
    "STEP_ERROR_KEY",
    "ResolvedForm",
    "Stop",
    "answer_is_empty",
    "answers_finalize",
    "answers_normalize",
    "answers_prune",
    "clarification_outcome",
    "compute_values",
    "form_from_document",
    "form_validate",
    "overlay_problems",
    "parse_decimal",
    "step_validate",
    "visible_steps",
]
