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

The code lives in ``engine_form`` (the resolved form), ``engine_answers`` (the pure functions over
answers) and ``engine_validation``; import from here.
"""

from __future__ import annotations

from typing import Any

from amtsweg.forms.fields import is_empty, parse_decimal

from .engine_answers import (
    answers_finalize,
    answers_normalize,
    answers_prune,
    clarification_outcome,
    compute_values,
    is_shown,
    logic_scope,
    scope_for_row,
    steps_shown,
    visible_steps,
)
from .engine_form import TEXT_ATTRIBUTES, ResolvedForm, Stop, form_from_document, overlay_problems
from .engine_validation import STEP_ERROR_KEY, form_validate, step_validate


def answer_is_empty(value: Any) -> bool:
    return is_empty(value)


__all__ = [
    "STEP_ERROR_KEY",
    "TEXT_ATTRIBUTES",
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
    "is_shown",
    "logic_scope",
    "overlay_problems",
    "parse_decimal",
    "scope_for_row",
    "step_validate",
    "steps_shown",
    "visible_steps",
]
