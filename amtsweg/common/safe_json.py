"""JSON from outside with bounded nesting and valid Unicode only.

Python's ``json`` module recurses once per nesting level (``RecursionError`` at about 1,000 levels)
and accepts escaped lone surrogates (``"\\ud800"``), which later fail to encode as UTF-8 (hashing,
database, XML). Both are refused here with a German message, before anything else sees the data:
the nesting depth is measured on the text without recursion, surrogates are looked for in the result.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonRefused(ValueError):
    """The text is not acceptable JSON; the message is German."""


def json_depth(text: str) -> int:
    """Deepest nesting of objects/arrays, ignoring brackets inside strings (linear, no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _has_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _refuse_constant(name: str):
    raise JsonRefused(f"„{name}“ ist in JSON nicht erlaubt.")


def json_loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text; raise ``JsonRefused`` for syntax errors, NaN/Infinity, too deep nesting, lone surrogates."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise JsonRefused("Der Inhalt ist kein gültiges UTF-8.") from None
    if json_depth(text) > max_depth:
        raise JsonRefused(f"Der Inhalt ist zu tief verschachtelt (höchstens {max_depth} Ebenen).")
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except JsonRefused:
        raise
    except (ValueError, RecursionError) as error:
        raise JsonRefused(f"Der Inhalt ist kein gültiges JSON ({getattr(error, 'msg', 'Syntaxfehler')}).") from None
    if _has_surrogate(value):
        raise JsonRefused(
            "Der Inhalt enthält ungültige Unicode-Zeichen (einzelne Surrogate wie \\ud800); "
            "bitte senden Sie gültiges UTF-8."
        )
    return value
