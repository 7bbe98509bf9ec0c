"""Server-side validation of a step and of the whole form (see ``engine.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext

from amtsweg.forms.field_validation import field_errors
from amtsweg.forms.logic import evaluate, expression_vars, truthy

from .engine_answers import (
    _rows,
    answers_normalize,
    clarification_outcome,
    compute_values,
    is_shown,
    logic_scope,
    scope_for_row,
    visible_steps,
)
from .engine_form import ResolvedForm

STEP_ERROR_KEY = "__all__"


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
    label = repeat.get("item_label") or gettext("Eintrag")
    if count < low:
        return gettext("Bitte geben Sie mindestens {min} × „{label}“ an.").format(min=low, label=label)
    if high is not None and count > high:
        return gettext("Bitte geben Sie höchstens {max} × „{label}“ an.").format(max=high, label=label)
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
        return {
            STEP_ERROR_KEY: gettext(
                "Dieser Schritt ist für Ihre Angaben nicht vorgesehen. Bitte nutzen Sie die Übersicht."
            )
        }
    files = files or {}
    errors: dict[str, str] = {}

    def check(spec: dict, value: Any, path: str) -> None:
        if spec["type"] == "file" and path in files:
            value = files[path]
        for p, message in field_errors(spec, value, path=path, codelists=form.codelists, today=today).items():
            errors.setdefault(p, message)

    started = _optional_sets_started(step, answers)
    for group in step["groups"]:
        if not is_shown(group, scope):
            continue
        if not started.issuperset(group.get("optional_sets") or ()):
            continue  # an optional group nobody started: nothing in it is required (and all of it is empty)
        if group.get("repeat") is None:
            for spec in group["fields"]:
                if is_shown(spec, scope):
                    check(spec, answers.get(spec["key"]), spec["key"])
        else:
            _repeat_group_check(group, answers, scope, errors, check)
    _rules_check(form, step, answers, scope, errors)
    return errors


def _has_value(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_value(v) for v in value.values())
    return value not in (None, "", [], {})


def _optional_sets_started(step: dict, answers: dict) -> set[str]:
    """Optional groups (FIM 0:1) someone began to fill: their required fields count from then on.

    A group names the optional sets it belongs to (``optional_sets``: its own and those of enclosing optional
    groups); a set is started when any answerable field of any of its groups has a value.
    """
    started: set[str] = set()
    for group in step["groups"]:
        sets = group.get("optional_sets")
        if not sets or group.get("repeat") is not None:
            continue
        if any(_has_value(answers.get(f["key"])) for f in group["fields"] if "compute" not in f):
            started.update(sets)
    return started


def _repeat_group_check(group: dict, answers: dict, scope: dict, errors: dict[str, str], check) -> None:
    """The row count and every visible field of each row of a repeat group."""
    _rows_check(group, answers.get(group["key"]), group["key"], scope, errors, check)


def _rows_check(group: dict, raw: Any, path: str, scope: dict, errors: dict[str, str], check) -> None:
    """Rows stored at ``path`` (``group`` or, nested, ``group[i].sub``): count, fields, nested groups.

    A nested group (ADR 0027) is checked in its outer row's scope; its rows' required fields count as soon
    as the row exists, so an optional nested list (min 0) once started requires its mandatory fields.
    """
    if raw is not None and not isinstance(raw, list):
        errors[path] = gettext("Die Angaben konnten nicht gelesen werden. Bitte geben Sie sie erneut ein.")
        return
    rows = raw or []
    if message := _repeat_count_message(group, len(rows)):
        errors[path] = message
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            errors[f"{path}[{i}]"] = gettext("Die Angaben konnten nicht gelesen werden.")
            continue
        row_scope = scope_for_row(scope, row)
        for spec in group["fields"]:
            if is_shown(spec, row_scope):
                check(spec, row.get(spec["key"]), f"{path}[{i}].{spec['key']}")
        for sub in group.get("subgroups") or []:
            if is_shown(sub, row_scope):
                _rows_check(sub, row.get(sub["key"]), f"{path}[{i}].{sub['key']}", row_scope, errors, check)


def _rules_check(form: ResolvedForm, step: dict, answers: dict, scope: dict, errors: dict[str, str]) -> None:
    """The step's ``rules``: per row when a rule names fields of a repeat group, else once."""
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
