"""Vorgangsnummern: ``AW-<year>-<7 random Crockford base32 symbols><check symbol>``, e.g. ``AW-2026-7K3QX9PM``.

Crockford's base32 leaves out I, L, O and U, so a number read out on the phone is unambiguous;
35 random bits per year make numbers unguessable enough (they grant no access on their own,
see ``access``). The last symbol is a Luhn mod 32 check symbol: it catches every single mistyped
symbol and most swapped neighbours before anything is looked up.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "AW"
RANDOM_LENGTH = 7
NUMBER_RE = re.compile(rf"^{PREFIX}-(\d{{4}})-([{ALPHABET}]{{{RANDOM_LENGTH + 1}}})$")
# Crockford decoding: letters people confuse with digits are read as those digits.
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def check_symbol(payload: str) -> str:
    """Luhn mod N (N = 32) check symbol of ``payload`` (symbols from ``ALPHABET``)."""
    factor, total, n = 2, 0, len(ALPHABET)
    for symbol in reversed(payload):
        addend = factor * ALPHABET.index(symbol)
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def number_generate(*, year: int) -> str:
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"{PREFIX}-{year:04d}-{payload}{check_symbol(payload)}"


def number_normalize(number: str) -> str:
    """Upper case, no blanks, confusable letters read as digits (``aw-2026-7k3qx9pm`` → ``AW-2026-…``)."""
    text = re.sub(r"\s+", "", str(number or "")).upper()
    head, sep, tail = text.rpartition("-")
    return f"{head}{sep}{tail.translate(_CONFUSABLE)}" if sep else text


def number_is_valid(number: str) -> bool:
    """Well-formed and with a correct check symbol (no database access)."""
    match = NUMBER_RE.match(number or "")
    if match is None:
        return False
    code = match.group(2)
    return check_symbol(code[:-1]) == code[-1]
