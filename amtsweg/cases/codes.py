"""The Zugangscode of a Vorgang: proof of holding the receipt, to attach an anonymous application to an
account later ("Antrag hinzufügen"). Derived (HMAC of the number with SECRET_KEY), so nothing is stored
and old receipts work; rotating SECRET_KEY invalidates the codes printed so far."""

from __future__ import annotations

import base64

from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "amtsweg.cases.zugangscode"
# 10 base32 characters = 50 bits: short enough to type, far beyond what the rate limit lets anyone guess.
LENGTH = 10
GROUP = 5


def access_code(*, number: str) -> str:
    """The code for ``number``, grouped for reading (``ABCDE-FGHIJ``)."""
    digest = salted_hmac(SALT, number).digest()
    raw = base64.b32encode(digest).decode("ascii")[:LENGTH]
    return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def access_code_matches(*, number: str, code: str) -> bool:
    """Whether ``code`` (blanks, dashes and case forgiven) is the code of ``number``; constant time."""
    given = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    expected = access_code(number=number).replace("-", "")
    return constant_time_compare(given, expected)
