"""Reading a posted step page into answers, and which file fields a step shows."""

from __future__ import annotations

from typing import Any

from amtsweg.assistant.wizard.display import DATE_PARTS
from amtsweg.assistant.wizard.page import rendered_rows, scope_for, shown_paths
from amtsweg.assistant.wizard.paths import dom_name, row_path
from amtsweg.forms.engine import ResolvedForm, answers_normalize, is_shown, scope_for_row
from amtsweg.forms.fields import ADDRESS_PARTS
from amtsweg.forms.paths import nested_row_path


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
            for sub in group.get("subgroups") or []:
                if is_shown(sub, row_scope):
                    row[sub["key"]] = _nested_read(group["key"], i, sub, row, row_scope, post)
            rows.append(row)
        result[group["key"]] = rows
    return answers_normalize(form=form, answers=result)


def _nested_read(group_key: str, i: int, sub: dict, row: dict, row_scope: dict, post) -> list[dict]:
    """The rows of a nested group (ADR 0027) that the page showed in outer row ``i``."""
    stored = row.get(sub["key"]) if isinstance(row.get(sub["key"]), list) else []
    readable = [f for f in sub["fields"] if f["type"] not in {"info", "file"}]
    rows = []
    for j in range(rendered_rows(sub, row)):
        inner = dict(stored[j]) if j < len(stored) and isinstance(stored[j], dict) else {}
        inner_scope = scope_for_row(row_scope, inner)
        for spec in readable:
            if is_shown(spec, inner_scope):
                inner[spec["key"]] = _read(
                    spec, dom_name(nested_row_path(group_key, i, sub["key"], j, spec["key"])), post
                )
        rows.append(inner)
    return rows


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
