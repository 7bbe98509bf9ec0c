"""The admin preview of a form version: a plain structure for the template (keeps logic out of it)."""

from __future__ import annotations

import json

from amtsweg.forms.engine import ResolvedForm

_CONSTRAINTS = (
    "required",
    "min",
    "max",
    "min_length",
    "max_length",
    "pattern",
    "pattern_message",
    "codelist",
    "optional_switch",
)


def _logic(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def preview_steps(form: ResolvedForm) -> list[dict]:
    """A plain structure for the preview template (keeps logic out of the template)."""
    steps = []
    for step in form.steps:
        steps.append(
            {
                "key": step["key"],
                "title": step["title"],
                "intro": step.get("intro", ""),
                "clarification": step.get("clarification", False),
                "when": _logic(step["when"]) if "when" in step else "",
                "outcomes": [
                    {"when": _logic(o["when"]), "title": o["stop"]["title"], "text": o["stop"]["text"]}
                    for o in step.get("outcomes") or []
                ],
                "rules": [
                    {"check": _logic(r["check"]), "message": r["message"], "fields": ", ".join(r.get("fields", []))}
                    for r in step.get("rules") or []
                ],
                "groups": [_preview_group(form, group) for group in step["groups"]],
            }
        )
    return steps


def _preview_group(form: ResolvedForm, group: dict) -> dict:
    return {
        "key": group["key"],
        "title": group["title"],
        "intro": group.get("intro", ""),
        "repeat": group.get("repeat"),
        "when": _logic(group["when"]) if "when" in group else "",
        "fields": [_preview_field(form, f) for f in group["fields"]],
        "subgroups": [_preview_group(form, sub) for sub in group.get("subgroups") or []],
    }


def _preview_field(form: ResolvedForm, f: dict) -> dict:
    constraints = [f"{c}: {f[c]}" for c in _CONSTRAINTS if c in f]
    if "file" in f:
        constraints.append(
            f"Dateien: {', '.join(f['file'].get('types', []))}, max. {f['file'].get('max_size_mb', 10)} MB"
        )
    options = f.get("options") or form.codelists.get(f.get("codelist") or "", [])
    return {
        "key": f["key"],
        "type": f["type"],
        "label": f.get("label") or f.get("text", ""),
        "help": f.get("help", ""),
        "constraints": constraints,
        "options": [f"{o['value']} = {o['label']}" for o in options],
        "when": _logic(f["when"]) if "when" in f else "",
        "compute": _logic(f["compute"]) if "compute" in f else "",
        "documentation": f.get("documentation", ""),
    }
