"""Answer paths and the names and ids derived from them (one scheme, so error links always find their field)."""

from __future__ import annotations

from typing import Any

from amtsweg.forms.paths import path_parse, row_path

__all__ = ["answer_get", "answer_set", "dom_id", "dom_name", "file_refs", "row_path"]


def dom_name(path: str) -> str:
    """``hund[1].hund_name`` → ``f-hund-1-hund_name``; ``anschrift.city`` → ``f-anschrift-city``."""
    return "f-" + path.replace("[", "-").replace("].", "-").replace("]", "").replace(".", "-")


def dom_id(path: str) -> str:
    return "feld" + dom_name(path)[1:]


def answer_get(answers: dict, path: str) -> Any:
    parsed = path_parse(path)
    if not parsed:
        return None
    key, index, sub = parsed.key, parsed.index, parsed.sub
    if index is None:
        return answers.get(key)
    rows = answers.get(key)
    if not isinstance(rows, list) or index >= len(rows) or not isinstance(rows[index], dict):
        return None
    return rows[index].get(sub)


def answer_set(answers: dict, path: str, value: Any) -> dict:
    """A copy of ``answers`` with ``path`` (``key`` or ``group[i].key``) set."""
    result = dict(answers)
    parsed = path_parse(path)
    if not parsed:
        return result
    key, index, sub = parsed.key, parsed.index, parsed.sub
    if index is None:
        result[key] = value
        return result
    rows = [dict(r) if isinstance(r, dict) else {} for r in (result.get(key) or [])]
    while len(rows) <= index:
        rows.append({})
    rows[index][sub] = value
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
