"""The wizard's presentation logic: what a step page shows, and how a posted page becomes answers.

Pure functions over a ``ResolvedForm`` and an answers dict (no requests, no database except the
engine's PLZ check). Names and ids follow one scheme, so error links always find their field:

- answer path ``hund[1].hund_name`` → POST name ``f-hund-1-hund_name`` → DOM id ``feld-hund-1-hund_name``
- address parts: ``f-anschrift-street``; date parts: ``f-geburtsdatum-tag`` / ``-monat`` / ``-jahr``
- radios and checkboxes: ``feld-<path>-<n>`` for option n (the first is the error-link target)

Modules: ``paths`` (answer paths, names, ids), ``display`` (answers as text), ``model`` (widgets, rows,
groups), ``page`` (a step's page for the answers), ``reading`` (a posted page as answers),
``navigation`` (visible steps, the step owning an error). Everything is importable from here.
"""

from amtsweg.assistant.wizard.display import (
    DATE_PARTS,
    accept_attr,
    date_parts,
    display_value,
    file_hint,
    input_text,
    options_of,
)
from amtsweg.assistant.wizard.model import GroupView, Row, Widget
from amtsweg.assistant.wizard.navigation import counted_steps, error_step, step_keys
from amtsweg.assistant.wizard.page import (
    error_links,
    rendered_rows,
    scope_for,
    shown_paths,
    step_controllers,
    step_page,
)
from amtsweg.assistant.wizard.paths import answer_get, answer_set, dom_id, dom_name, file_refs, row_path
from amtsweg.assistant.wizard.reading import _read, file_fields, step_read

__all__ = [
    "DATE_PARTS",
    "GroupView",
    "Row",
    "Widget",
    "_read",
    "accept_attr",
    "answer_get",
    "answer_set",
    "counted_steps",
    "date_parts",
    "display_value",
    "dom_id",
    "dom_name",
    "error_links",
    "error_step",
    "file_fields",
    "file_hint",
    "file_refs",
    "input_text",
    "options_of",
    "rendered_rows",
    "row_path",
    "scope_for",
    "shown_paths",
    "step_controllers",
    "step_keys",
    "step_page",
    "step_read",
]
