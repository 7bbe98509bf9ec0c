"""What a step page shows for the answers: its groups, rows and widgets, with errors and revealed fields."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from amtsweg.assistant.wizard.display import DATE_PARTS, date_parts, display_value, input_text, options_of
from amtsweg.assistant.wizard.model import GroupView, Row, Widget
from amtsweg.assistant.wizard.paths import row_path

# The engine's scope helpers are the single source of truth for `when` evaluation; the wizard
# must show exactly what the engine validates, so it reuses them instead of re-implementing.
from amtsweg.forms.engine import ResolvedForm, answers_normalize, compute_values, is_shown, logic_scope, scope_for_row
from amtsweg.forms.fields import ADDRESS_PARTS
from amtsweg.forms.logic import expression_vars
from amtsweg.forms.paths import nested_row_path

ADDRESS_LABELS = {
    "street": gettext_lazy("Straße"),
    "house_number": gettext_lazy("Hausnummer"),
    "postal_code": gettext_lazy("Postleitzahl"),
    "city": gettext_lazy("Ort"),
}
ADDRESS_AUTOCOMPLETE = {
    "street": "address-line1",
    "house_number": "off",
    "postal_code": "postal-code",
    "city": "address-level2",
}
RADIO_LIMIT = 12  # more single-choice options than this become a <select>


def scope_for(form: ResolvedForm, answers: dict) -> tuple[dict, dict]:
    """(normalised answers with computed values, evaluation scope)."""
    computed = compute_values(form=form, answers=answers_normalize(form=form, answers=answers))
    return computed, logic_scope(form, computed)


def rendered_rows(group: dict, answers: dict) -> int:
    """How many rows a repeatable group shows: the stored ones, or its minimum at first.

    An optional list (min 0, e.g. "Früherer Familienname") starts empty with its "hinzufügen" button:
    a pre-rendered empty row would make its required fields block everyone who has nothing to enter.
    For a nested group (ADR 0027) ``answers`` is the outer row.
    """
    rows = answers.get(group["key"]) if isinstance(answers, dict) else None
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
            for sub in group.get("subgroups") or []:
                if is_shown(sub, row_scope):
                    paths |= _nested_paths(group["key"], i, sub, row, row_scope)
    return paths


def _nested_paths(group_key: str, i: int, sub: dict, row: dict, row_scope: dict) -> set[str]:
    nested = row.get(sub["key"]) if isinstance(row.get(sub["key"]), list) else []
    paths = set()
    for j in range(rendered_rows(sub, row)):
        inner = nested[j] if j < len(nested) and isinstance(nested[j], dict) else {}
        inner_scope = scope_for_row(row_scope, inner)
        paths.update(
            nested_row_path(group_key, i, sub["key"], j, f["key"])
            for f in sub["fields"]
            if f["type"] != "info" and is_shown(f, inner_scope)
        )
    return paths


def step_controllers(step: dict) -> set[str]:
    """Keys of the step's fields that a ``when`` of the same step reads."""
    names: set[str] = set()
    own: set[str] = set()
    # Nested groups (ADR 0027) count too: an outer row's answer may show a nested group or field.
    containers = [c for group in step["groups"] for c in (group, *(group.get("subgroups") or []))]
    for container in containers:
        if "when" in container:
            names |= expression_vars(container["when"])
        for spec in container["fields"]:
            own.add(spec["key"])
            if "when" in spec:
                names |= expression_vars(spec["when"])
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
        _set_options(widget, options_of(spec, form.codelists), value)
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
        _set_address(widget, value, errors)
    elif kind == "file":
        widget.kind = "file"
        widget.value = value if isinstance(value, dict) else None
    else:
        widget.value = input_text(spec, value)
    return widget


def _set_options(widget: Widget, options: list[dict], value: Any) -> None:
    kind = widget.spec["type"]
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


def _set_address(widget: Widget, value: Any, errors: dict) -> None:
    widget.kind = "address"
    current = value if isinstance(value, dict) else {}
    path = widget.path
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


def step_page(
    *,
    form: ResolvedForm,
    step: dict,
    answers: dict,
    errors: dict | None = None,
    revealed: set[str] | None = None,
    evaluated: tuple[dict, dict] | None = None,
) -> list[GroupView]:
    """The groups and fields of ``step`` as shown for ``answers`` (with their errors).

    ``evaluated``: ``scope_for(form, answers)`` if the caller has it already (read only, never changed here).
    """
    errors = errors or {}
    revealed = revealed or set()
    controllers = step_controllers(step)
    computed, scope = scope_for(form, answers) if evaluated is None else evaluated
    groups: list[GroupView] = []
    for group in step["groups"]:
        if not is_shown(group, scope):
            continue
        view = GroupView(spec=group, error=errors.get(group["key"]), path=group["key"])
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
            _add_rows(form, view, answers, computed, scope, errors, revealed)
        for widget in view.all_widgets():
            widget.refresh = widget.key in controllers
        # No heading that merely repeats the step title or the group's only question.
        view.show_heading = (
            bool(view.title)
            and view.title != step["title"]
            and not (group.get("repeat") is None and len(view.widgets) == 1 and view.widgets[0].label == view.title)
        )
        groups.append(view)
    return groups


def _add_rows(
    form: ResolvedForm, view: GroupView, answers: dict, computed: dict, scope: dict, errors: dict, revealed: set[str]
) -> None:
    """The rows of a repeatable group, and whether a row can be added or removed."""
    group = view.spec
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
        subgroups = [
            _nested_view(form, group["key"], i, sub, row, row_scope, errors, revealed, outer_label=label)
            for sub in group.get("subgroups") or []
            if is_shown(sub, row_scope)
        ]
        view.rows.append(
            Row(
                group_key=group["key"],
                index=i,
                label=label,
                widgets=widgets,
                can_remove=count > low,
                subgroups=subgroups,
            )
        )
    high = group["repeat"].get("max")
    view.can_add = high is None or count < high


def _nested_view(
    form: ResolvedForm,
    group_key: str,
    i: int,
    sub: dict,
    row: dict,
    row_scope: dict,
    errors: dict,
    revealed: set[str],
    *,
    outer_label: str,
) -> GroupView:
    """A nested repeatable group inside row ``i`` (ADR 0027): its rows with add/remove, in the row's scope.

    Nested fields are never computed (the format refuses it), so the stored row is all there is.
    """
    path = f"{group_key}[{i}].{sub['key']}"
    view = GroupView(spec=sub, error=errors.get(path), path=path, nested=True)
    stored = row.get(sub["key"]) if isinstance(row.get(sub["key"]), list) else []
    count = rendered_rows(sub, row)
    low = sub["repeat"].get("min", 0)
    for j in range(count):
        inner = stored[j] if j < len(stored) and isinstance(stored[j], dict) else {}
        inner_scope = scope_for_row(row_scope, inner)
        widgets = [
            _widget(
                form, f, nested_row_path(group_key, i, sub["key"], j, f["key"]), inner.get(f["key"]), errors, revealed
            )
            for f in sub["fields"]
            if is_shown(f, inner_scope)
        ]
        # The outer row in the label, so a screen reader's list of fieldsets says whose address it is.
        label = f"{view.item_label} {j + 1} ({outer_label})"
        view.rows.append(Row(group_key=path, index=j, label=label, widgets=widgets, can_remove=count > low))
    high = sub["repeat"].get("max")
    view.can_add = high is None or count < high
    return view


def error_links(groups: list[GroupView], errors: dict) -> list[dict]:
    """Error summary entries in page order: ``{"text", "href"}`` (href None for step-level errors)."""
    entries: list[dict] = []
    seen: set[str] = set()

    def add(path: str, target: str | None) -> None:
        if path in errors and path not in seen:
            seen.add(path)
            entries.append({"text": errors[path], "href": f"#{target}" if target else None})

    def visit(group: GroupView) -> None:
        widgets = list(group.widgets)
        if group.repeat is not None:
            add(
                group.key,
                group.add_id
                if group.can_add
                else (group.rows[0].widgets[0].target_id if group.rows and group.rows[0].widgets else None),
            )
        for widget in widgets:
            add_widget(widget)
        for row in group.rows:
            add(f"{group.key}[{row.index}]", row.widgets[0].target_id if row.widgets else None)
            for widget in row.widgets:
                add_widget(widget)
            for sub in row.subgroups:
                visit(sub)

    def add_widget(widget: Widget) -> None:
        add(widget.path, widget.target_id)
        if widget.kind == "address":
            for part in widget.parts:
                add(f"{widget.path}.{part['key']}", part["id"])

    for group in groups:
        visit(group)
    for path, message in errors.items():
        if path not in seen:
            seen.add(path)
            entries.append({"text": message, "href": None})
    return entries
