"""Where the files are in a submission's answers: reading and setting a value at an answer path
(``key`` or ``group[i].key``) and the paths of every answered file field."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from amtsweg.forms.paths import answer_path_parse

if TYPE_CHECKING:
    from amtsweg.forms.engine import ResolvedForm


def answer_at(answers: dict, path: str) -> tuple[Any, bool]:
    """(value, found) at an answer path ``key`` or ``group[i].key``."""
    parsed = answer_path_parse(path)
    if parsed is None:
        return None, False
    key, index, row_key = parsed.key, parsed.index, parsed.sub
    if index is None:
        return answers.get(key), key in answers
    rows = answers.get(key)
    if not isinstance(rows, list) or index >= len(rows) or not isinstance(rows[index], dict):
        return None, False
    return rows[index].get(row_key), row_key in rows[index]


def answer_set(answers: dict, path: str, value: Any) -> None:
    parsed = answer_path_parse(path)
    if parsed is None:  # callers pass field paths of the form version, which are answer paths
        raise ValueError(f"not an answer path: {path!r}")
    key, index, row_key = parsed.key, parsed.index, parsed.sub
    if index is None:
        answers[key] = value
        return
    rows = answers.get(key)
    if isinstance(rows, list) and index < len(rows) and isinstance(rows[index], dict):
        rows[index] = {**rows[index], row_key: value}


def file_paths(form: ResolvedForm, answers: dict) -> list[str]:
    """Answer paths of every answered file field in ``answers``."""
    paths = []
    for key, ref in form.fields.items():
        if ref.field["type"] != "file":
            continue
        if ref.repeat_group is None:
            if answers.get(key) is not None:
                paths.append(key)
            continue
        rows = answers.get(ref.repeat_group)
        for i, row in enumerate(rows if isinstance(rows, list) else []):
            if isinstance(row, dict) and row.get(key) is not None:
                paths.append(f"{ref.repeat_group}[{i}].{key}")
    return paths
