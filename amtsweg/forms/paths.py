"""The answer-path syntax, defined once for the engine's error keys, the wizard and submissions.

An answer path names one answer: ``key`` (top level), ``group[i].key`` (field ``key`` in row ``i``
of the repeatable ``group``) or ``group[i].sub[j].key`` (field ``key`` in row ``j`` of the nested
repeatable group ``sub`` inside row ``i`` of ``group``; ADR 0027). The engine reports errors at a few
more places, which the wizard must also read: ``group[i]`` (a whole row), ``group[i].sub`` (the row
count of a nested group), ``group[i].sub[j]`` (a nested row), ``key.part`` (an address part such as
``anschrift.city``), ``group[i].key.part`` and ``group[i].sub[j].key.part``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_KEY = r"[a-z][a-z0-9_]*"
PATH_RE = re.compile(
    rf"^(?P<key>{_KEY})(?:\[(?P<index>\d+)\])?(?:\.(?P<sub>{_KEY}))?"
    rf"(?:\[(?P<sub_index>\d+)\](?:\.(?P<leaf>{_KEY}))?)?(?:\.(?P<part>[a-z_]+))?$"
)
# Stored answer paths (attachments' ``field_path``) accept at most three index digits.
ANSWER_INDEX_DIGITS = 3


@dataclass(frozen=True)
class AnswerPath:
    key: str  # top-level field or repeatable group
    index: int | None = None  # row, for ``group[i]…``
    sub: str | None = None  # field in the row (``group[i].sub``), or address part (``key.sub``)
    part: str | None = None  # address part of a field in a row (``group[i].key.part``)
    sub_index: int | None = None  # row of the nested group ``sub`` (``group[i].sub[j]…``)
    leaf: str | None = None  # field in the nested row (``group[i].sub[j].leaf``)

    @property
    def is_answer(self) -> bool:
        """True for ``key``, ``group[i].key`` and ``group[i].sub[j].key``: exactly one stored answer."""
        if self.part is not None:
            return False
        if self.sub_index is not None:
            return self.index is not None and self.leaf is not None
        return (self.index is None) == (self.sub is None)


def path_parse(path: str | None) -> AnswerPath | None:
    """Any path the engine may report (see the module doc); ``None`` if ``path`` is not one."""
    match = PATH_RE.match(path or "")
    if match is None:
        return None
    index, sub_index = match["index"], match["sub_index"]
    if sub_index is not None and index is None:
        return None  # a nested group lives only inside a row
    return AnswerPath(
        match["key"],
        None if index is None else int(index),
        match["sub"],
        match["part"],
        None if sub_index is None else int(sub_index),
        match["leaf"],
    )


def answer_path_parse(path: str | None) -> AnswerPath | None:
    """Only ``key``, ``group[i].key`` or ``group[i].sub[j].key`` (indexes of at most three digits), else None."""
    match = PATH_RE.match(path or "")
    too_long = any(
        match and match[g] is not None and len(match[g]) > ANSWER_INDEX_DIGITS for g in ("index", "sub_index")
    )
    if match is None or too_long:
        return None
    parsed = path_parse(path)
    return parsed if parsed is not None and parsed.is_answer else None


def row_path(group_key: str, index: int, field_key: str) -> str:
    """``("hund", 1, "hund_name")`` → ``hund[1].hund_name``."""
    return f"{group_key}[{index}].{field_key}"


def nested_row_path(group_key: str, index: int, sub_key: str, sub_index: int, field_key: str) -> str:
    """``("person", 0, "anschrift", 1, "ort")`` → ``person[0].anschrift[1].ort``."""
    return f"{group_key}[{index}].{sub_key}[{sub_index}].{field_key}"
