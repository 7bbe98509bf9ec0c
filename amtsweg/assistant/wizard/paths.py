"""Answer paths and the names and ids derived from them (one scheme, so error links always find their field)."""

from __future__ import annotations

import re
from typing import Any

PATH_RE = re.compile(r"^([a-z][a-z0-9_]*)(?:\[(\d+)\])?(?:\.([a-z][a-z0-9_]*))?(?:\.([a-z_]+))?$")


def dom_name(path: str) -> str:
    """``hund[1].hund_name`` → ``f-hund-1-hund_name``; ``anschrift.city`` → ``f-anschrift-city``."""
    return "f-" + path.replace("[", "-").replace("].", "-").replace("]", "").replace(".", "-")


def dom_id(path: str) -> str:
    return "feld" + dom_name(path)[1:]


def row_path(group_key: str, index: int, field_key: str) -> str:
    return f"{group_key}[{index}].{field_key}"


def answer_get(answers: dict, path: str) -> Any:
    m = PATH_RE.match(path)
    if not m:
        return None
    key, index, sub, _ = m.groups()
    if index is None:
        return answers.get(key)
    rows = answers.get(key)
    if not isinstance(rows, list) or int(index) >= len(rows) or not isinstance(rows[int(index)], dict):
        return None
    return rows[int(index)].get(sub)


def answer_set(answers: dict, path: str, value: Any) -> dict:
    """A copy of ``answers`` with ``path`` (``key`` or ``group[i].key``) set."""
    result = dict(answers)
    m = PATH_RE.match(path)
    if not m:
        return result
    key, index, sub, _ = m.groups()
    if index is None:
        result[key] = value
        return result
    rows = [dict(r) if isinstance(r, dict) else {} for r in (result.get(key) or [])]
    i = int(index)
    while len(rows) <= i:
        rows.append({})
    rows[i][sub] = value
    result[key] = rows
    return result


def file_refs(answers: dict) -> set[str]:
    """``ref`` of every file answer (top level and in rows)."""
    refs: set[str] = set()

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("ref"), str) and "size" in value and "type" in value:
                refs.add(value["ref"])
            else:
                for v in value.values():
                    visit(v)
        elif isinstance(value, list):
            for v in value:
                visit(v)

    visit(answers)
    return refs
