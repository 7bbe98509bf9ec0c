"""A small, strict JsonLogic evaluator for form logic (see docs/adr/0005-form-logic.md).

Only the operators listed in ``OPERATORS`` exist. Expressions are plain JSON data, interpreted
by a dispatch table: there is no ``eval``, no attribute access and no way to call Python code.
``evaluate`` never raises on bad data: type mismatches yield ``None`` (arithmetic) or ``False``
(comparisons). Malformed *expressions* are caught when a definition is loaded
(``expression_errors``); at run time they also evaluate to ``None`` and are logged without data.

Numbers are computed as ``Decimal`` so fees stay exact; strings that look like numbers
("96.00", "12,5") take part in arithmetic and ordering, because currency and decimal answers
are stored as strings.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

logger = logging.getLogger(__name__)

MAX_DEPTH = 64
_NUMBER_RE = re.compile(r"^\s*[+-]?\d+([.,]\d+)?\s*$")


class _Invalid(Exception):
    """Internal: a malformed expression met at run time (never leaves this module)."""


def truthy(value: Any) -> bool:
    """JsonLogic truthiness: null, false, 0, "" and [] are false; everything else is true."""
    if value is None or value is False:
        return False
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value != 0
    if isinstance(value, str | list | tuple | dict):
        return len(value) > 0
    return True


def to_number(value: Any) -> Decimal | None:
    """The value as a Decimal, or None when it is not a number (booleans are not numbers)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            return None
        return result if result.is_finite() else None
    if isinstance(value, str) and _NUMBER_RE.match(value):
        return Decimal(value.strip().replace(",", "."))
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _equals(a: Any, b: Any) -> bool:
    # Strict equality, with one deliberate exception: a number equals a numeric string of the same
    # value, because currency/decimal answers are strings ("96.00" == 96).
    if _is_number(a) or _is_number(b):
        na, nb = to_number(a), to_number(b)
        return na is not None and nb is not None and na == nb
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return type(a) is type(b) and a == b


def _compare(a: Any, b: Any) -> int | None:
    """-1/0/1, or None when the two cannot be ordered (then every comparison is false)."""
    na, nb = to_number(a), to_number(b)
    if na is not None and nb is not None:
        return (na > nb) - (na < nb)
    if isinstance(a, str) and isinstance(b, str):  # ISO dates order correctly as strings
        return (a > b) - (a < b)
    return None


def _chain(test: Callable[[int], bool]) -> Callable[..., bool]:
    def op(*args: Any) -> bool:
        if len(args) < 2:
            return False
        for left, right in zip(args, args[1:], strict=False):
            result = _compare(left, right)
            if result is None or not test(result):
                return False
        return True

    return op


def _numbers(args: tuple) -> list[Decimal] | None:
    values = [to_number(a) for a in args]
    return None if any(v is None for v in values) else values  # type: ignore[return-value]


def _add(*args: Any) -> Decimal | None:
    values = _numbers(args)
    return None if values is None else sum(values, Decimal(0))


def _sub(*args: Any) -> Decimal | None:
    values = _numbers(args)
    if not values or len(values) > 2:
        return None
    return -values[0] if len(values) == 1 else values[0] - values[1]


def _mul(*args: Any) -> Decimal | None:
    values = _numbers(args)
    if not values:
        return None
    result = Decimal(1)
    for v in values:
        result *= v
    return result


def _div(*args: Any) -> Decimal | None:
    values = _numbers(args)
    if values is None or len(values) != 2 or values[1] == 0:
        return None
    return values[0] / values[1]


def _min(*args: Any) -> Decimal | None:
    values = _numbers(args)
    return min(values) if values else None


def _max(*args: Any) -> Decimal | None:
    values = _numbers(args)
    return max(values) if values else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return str(value)


def _cat(*args: Any) -> str:
    return "".join(_text(a) for a in args)


def _in(needle: Any = None, haystack: Any = None, *rest: Any) -> bool:
    if isinstance(haystack, str):
        return isinstance(needle, str) and needle in haystack
    if isinstance(haystack, list | tuple):
        return any(_equals(needle, item) for item in haystack)
    return False


# Operators whose arguments are evaluated first. var/missing/if/and/or are special forms below.
_SIMPLE: dict[str, Callable[..., Any]] = {
    "==": lambda a=None, b=None, *r: _equals(a, b),
    "!=": lambda a=None, b=None, *r: not _equals(a, b),
    "<": _chain(lambda c: c < 0),
    "<=": _chain(lambda c: c <= 0),
    ">": _chain(lambda c: c > 0),
    ">=": _chain(lambda c: c >= 0),
    "!": lambda a=None, *r: not truthy(a),
    "!!": lambda a=None, *r: truthy(a),
    "in": _in,
    "+": _add,
    "-": _sub,
    "*": _mul,
    "/": _div,
    "min": _min,
    "max": _max,
    "cat": _cat,
}
OPERATORS = frozenset(_SIMPLE) | {"var", "missing", "if", "and", "or"}
# Exact arity where the operator needs it (checked when a definition is loaded).
_ARITY: dict[str, tuple[int, int | None]] = {
    "==": (2, 2),
    "!=": (2, 2),
    "<": (2, 3),
    "<=": (2, 3),
    ">": (2, 2),
    ">=": (2, 2),
    "!": (1, 1),
    "!!": (1, 1),
    "in": (2, 2),
    "-": (1, 2),
    "/": (2, 2),
    "var": (1, 2),
    "if": (1, None),
    "+": (1, None),
    "*": (1, None),
    "min": (1, None),
    "max": (1, None),
}


def _lookup(data: Any, path: Any, default: Any = None) -> Any:
    if path is None or path == "":
        return data
    if isinstance(path, int | Decimal) and not isinstance(path, bool):
        path = str(path)
    if not isinstance(path, str):
        return default
    current = data
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return default
    return default if current is None else current


def _args(values: Any) -> list:
    # JsonLogic allows a single argument without the list ({"var": "a"} == {"var": ["a"]}).
    return list(values) if isinstance(values, list) else [values]


def _eval(expr: Any, data: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise _Invalid("too deep")
    if isinstance(expr, list):
        return [_eval(e, data, depth + 1) for e in expr]
    if not isinstance(expr, dict):
        return expr
    if len(expr) != 1:
        raise _Invalid("an operation must have exactly one operator")
    op, raw = next(iter(expr.items()))
    args = _args(raw)
    if op == "var":
        values = [_eval(a, data, depth + 1) for a in args]
        return _lookup(data, values[0] if values else None, values[1] if len(values) > 1 else None)
    if op == "missing":
        names = []
        for a in args:
            value = _eval(a, data, depth + 1)
            names.extend(value if isinstance(value, list) else [value])
        return [n for n in names if _lookup(data, n) in (None, "", [])]
    if op == "if":
        for i in range(0, len(args) - 1, 2):
            if truthy(_eval(args[i], data, depth + 1)):
                return _eval(args[i + 1], data, depth + 1)
        return _eval(args[-1], data, depth + 1) if len(args) % 2 else None
    if op == "and":
        value: Any = True
        for a in args:
            value = _eval(a, data, depth + 1)
            if not truthy(value):
                return value
        return value
    if op == "or":
        value = False
        for a in args:
            value = _eval(a, data, depth + 1)
            if truthy(value):
                return value
        return value
    func = _SIMPLE.get(op)
    if func is None:
        raise _Invalid("unknown operator")
    return func(*(_eval(a, data, depth + 1) for a in args))


def evaluate(*, expression: Any, data: dict | None) -> Any:
    """Evaluate a JsonLogic expression against ``data``. Never raises.

    Returns ``None`` for malformed expressions (logged without any data) and for arithmetic on
    values that are not numbers; comparisons of incomparable values are ``False``.
    """
    try:
        return _eval(expression, data if data is not None else {}, 0)
    except _Invalid as exc:
        logger.warning("Ungültiger Logik-Ausdruck ignoriert: %s", exc)
        return None
    except (ArithmeticError, RecursionError, TypeError, ValueError):
        # Decimal overflow and the like: treat as "no result"; data is never logged.
        logger.warning("Logik-Ausdruck lieferte kein Ergebnis (Rechenfehler).")
        return None


def expression_errors(expression: Any, *, path: str = "") -> list[str]:
    """Static check used when a definition is loaded: unknown operators, wrong arity, bad var names."""
    errors: list[str] = []

    def walk(expr: Any, where: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            errors.append(f"{where}: Der Ausdruck ist zu tief verschachtelt.")
            return
        if isinstance(expr, list):
            for i, e in enumerate(expr):
                walk(e, f"{where}[{i}]", depth + 1)
            return
        if not isinstance(expr, dict):
            return
        if len(expr) != 1:
            errors.append(f"{where}: Eine Operation muss genau einen Operator haben, nicht {len(expr)}.")
            return
        op, raw = next(iter(expr.items()))
        if op not in OPERATORS:
            errors.append(f"{where}: Unbekannter Operator '{op}'. Erlaubt sind: {', '.join(sorted(OPERATORS))}.")
            return
        args = _args(raw)
        low, high = _ARITY.get(op, (0, None))
        if len(args) < low or (high is not None and len(args) > high):
            expected = str(low) if low == high else f"{low} bis {high}" if high else f"mindestens {low}"
            errors.append(f"{where}: Operator '{op}' erwartet {expected} Argument(e), nicht {len(args)}.")
        if op in {"var", "missing"} and args and not isinstance(args[0], str | list):
            errors.append(f"{where}: '{op}' braucht einen festen Namen (Text).")
        for i, a in enumerate(args):
            walk(a, f"{where}.{op}[{i}]", depth + 1)

    walk(expression, path or "Ausdruck", 0)
    return errors


def expression_vars(expression: Any) -> set[str]:
    """All variable names an expression reads (``var`` and ``missing`` with literal names)."""
    names: set[str] = set()

    def walk(expr: Any, depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        if isinstance(expr, list):
            for e in expr:
                walk(e, depth + 1)
            return
        if not isinstance(expr, dict) or len(expr) != 1:
            return
        op, raw = next(iter(expr.items()))
        args = _args(raw)
        if op == "var" and args and isinstance(args[0], str) and args[0]:
            names.add(args[0])
        elif op == "missing":
            for a in args:
                names.update(n for n in (a if isinstance(a, list) else [a]) if isinstance(n, str))
        for a in args:
            walk(a, depth + 1)

    walk(expression, 0)
    return names
