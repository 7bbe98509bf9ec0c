"""The answer-path syntax, defined once for the engine's error keys, the wizard and submissions.

An answer path names one answer: ``key`` (top level) or ``group[i].key`` (field ``key`` in row ``i``
of the repeatable ``group``). The engine reports errors at a few more places, which the wizard must
also read: ``group[i]`` (a whole row), ``key.part`` (an address part such as ``anschrift.city``) and
``group[i].key.part``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_KEY = r"[a-z][a-z0-9_]*"
PATH_RE = re.compile(rf"^(?P<key>{_KEY})(?:\[(?P<index>\d+)\])?(?:\.(?P<sub>{_KEY}))?(?:\.(?P<part>[a-z_]+))?$")
# Stored answer paths (attachments' ``field_path``) accept at most three index digits.
ANSWER_INDEX_DIGITS = 3


@dataclass(frozen=True)
class AnswerPath:
    key: str  # top-level field or repeatable group
    index: int | None = None  # row, for ``group[i]…``
    sub: str | None = None  # field in the row (``group[i].sub``), or address part (``key.sub``)
    part: str | None = None  # address part of a field in a row (``group[i].key.part``)

    @property
    def is_answer(self) -> bool:
        """True for ``key`` and ``group[i].key``: the path names exactly one stored answer."""
        return self.part is None and (self.index is None) == (self.sub is None)


def path_parse(path: str | None) -> AnswerPath | None:
    """Any path the engine may report (see the module doc); ``None`` if ``path`` is not one."""
    match = PATH_RE.match(path or "")
    if match is None:
        return None
    index = match["index"]
    return AnswerPath(match["key"], None if index is None else int(index), match["sub"], match["part"])


def answer_path_parse(path: str | None) -> AnswerPath | None:
    """Only ``key`` or ``group[i].key`` (row index of at most three digits); ``None`` otherwise."""
    match = PATH_RE.match(path or "")
    if match is None or (match["index"] is not None and len(match["index"]) > ANSWER_INDEX_DIGITS):
        return None
    parsed = path_parse(path)
    return parsed if parsed is not None and parsed.is_answer else None


def row_path(group_key: str, index: int, field_key: str) -> str:
    """``("hund", 1, "hund_name")`` → ``hund[1].hund_name``."""
    return f"{group_key}[{index}].{field_key}"
