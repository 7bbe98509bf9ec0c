"""Pure functions over answers: the logic scope, visible steps, normalising, computing, pruning (see ``engine.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from amtsweg.forms.fields import (
    currency_text,
    decimal_text,
    is_empty,
    value_normalize,
)
from amtsweg.forms.logic import evaluate, to_number, truthy

from .engine_form import ResolvedForm, Stop

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
    return steps_shown(form, logic_scope(form, answers))


def steps_shown(form: ResolvedForm, scope: dict) -> list[dict]:
    """``visible_steps`` for a scope the caller has already (``logic_scope`` of the computed answers)."""
    return [s for s in form.steps if is_shown(s, scope) and any(is_shown(g, scope) for g in s["groups"])]


def answers_normalize(*, form: ResolvedForm, answers: dict) -> dict:
    """Canonical answer values (see the format doc); unknown keys and unreadable values are kept."""
    result = dict(_as_dict(answers))
    for key, value in list(result.items()):
        ref = form.fields.get(key)
        if ref is not None and ref.repeat_group is None:
            result[key] = value_normalize(ref.field, value)
        elif key in form.repeat_groups and isinstance(value, list):
            result[key] = _rows_normalize(form.repeat_groups[key], value)
    return result


def _rows_normalize(group: dict, rows: list) -> list:
    """Canonical values in the rows of a repeatable group, and in the rows of its nested groups."""
    specs = {f["key"]: f for f in group["fields"]}
    subs = {sub["key"]: sub for sub in group.get("subgroups") or []}

    def one(k: str, v: Any) -> Any:
        if k in specs:
            return value_normalize(specs[k], v)
        if k in subs and isinstance(v, list):
            return _rows_normalize(subs[k], v)
        return v

    return [{k: one(k, v) for k, v in row.items()} if isinstance(row, dict) else row for row in rows]


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
                kept[group["key"]] = _rows_prune(group, _rows(answers, group["key"]), scope)
            else:
                for f in answerable:
                    if f["key"] in answers and is_shown(f, scope):
                        kept[f["key"]] = answers[f["key"]]
    return kept


def _rows_prune(group: dict, rows: list, scope: dict) -> list[dict]:
    """The shown answers of each row; a nested group's rows (ADR 0027) pruned the same way in the row's scope."""
    answerable = [f for f in group["fields"] if f["type"] != "info"]
    kept_rows = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        row_scope = scope_for_row(scope, row)
        kept = {f["key"]: row[f["key"]] for f in answerable if f["key"] in row and is_shown(f, row_scope)}
        for sub in group.get("subgroups") or []:
            if isinstance(row.get(sub["key"]), list) and is_shown(sub, row_scope):
                kept[sub["key"]] = _rows_prune(sub, row[sub["key"]], row_scope)
        kept_rows.append(kept)
    return kept_rows


def _row_compact(row: dict) -> dict:
    """A row without empty answers; the rows of a nested group compacted the same way."""
    return {k: [_row_compact(r) for r in v] if _is_rows(v) else v for k, v in row.items() if not is_empty(v)}


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(r, dict) for r in value)


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
            result[key] = [_row_compact(row) for row in value if isinstance(row, dict)]
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
