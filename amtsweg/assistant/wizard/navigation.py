"""Which steps the assistant has for the answers, and which step owns an error."""

from __future__ import annotations

from amtsweg.assistant.wizard.page import scope_for
from amtsweg.forms.engine import STEP_ERROR_KEY, ResolvedForm, answer_is_empty, is_shown, steps_shown, visible_steps
from amtsweg.forms.logic import expression_vars
from amtsweg.forms.paths import path_parse


def step_keys(form: ResolvedForm, answers: dict, *, scope: dict | None = None) -> list[str]:
    """Keys of the visible steps (``visible_steps``). ``scope``: the answers' scope from ``scope_for`` if
    the caller has it already (a page evaluates the form logic once, not once per question it asks)."""
    return [s["key"] for s in steps_shown(form, scope_for(form, answers)[1] if scope is None else scope)]


def _undecided(element: dict, scope: dict) -> bool:
    """Whether the element's ``when`` reads a question that has no answer yet."""
    if "when" not in element:
        return False
    return any(answer_is_empty(scope.get(name.split(".")[0])) for name in expression_vars(element["when"]))


def _may_apply(element: dict, scope: dict) -> bool:
    return is_shown(element, scope) or _undecided(element, scope)


def counted_steps(form: ResolvedForm, answers: dict, *, scope: dict | None = None) -> list[str]:
    """The steps that "Schritt X von Y" and the progress list count, in order.

    Rule: a step counts when it applies to the current answers (as ``step_keys``), and also while it
    is still open whether it applies – its condition, or those of all its groups, read a question not
    answered yet. Conditions read answers of earlier pages (the Anliegensklärung comes first), so the
    number of a step never changes once the citizen has passed it, and the total can only shrink when
    an answer rules steps out; it never jumps up ("Schritt 1 von 3", then "Schritt 2 von 6").
    ``scope``: as for ``step_keys``.
    """
    if scope is None:
        _, scope = scope_for(form, answers)
    return [s["key"] for s in form.steps if _may_apply(s, scope) and any(_may_apply(g, scope) for g in s["groups"])]


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
