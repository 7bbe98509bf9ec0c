"""Which steps the assistant has for the answers, and which step owns an error."""

from __future__ import annotations

from amtsweg.forms.engine import STEP_ERROR_KEY, ResolvedForm, visible_steps
from amtsweg.forms.paths import path_parse


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
