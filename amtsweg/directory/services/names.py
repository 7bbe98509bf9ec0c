"""Names and seats: the register writes a Gemeinde's name and a unit's seat differently."""

from __future__ import annotations

import re
from collections.abc import Iterable

_TOKENS = re.compile(r"[\s,/]+")


def short_name(name: str) -> str:
    """The name without the register's qualifiers: "Leipzig, Stadt" → "Leipzig"."""
    return name.split(",")[0].strip()


def _seat_rank(seat: str, name: str) -> int | None:
    """How well a Gemeinde name matches a seat (0 = exactly; None = not at all).

    The register writes seats and names differently: seat "Kurort Seiffen/Erzgeb." for the
    Gemeinde "Seiffen/Erzgeb., Kurort", seat "Lugau" for "Lugau/Erzgeb., Stadt", seat
    "Bautzen" for "Bautzen / Budyšin, Stadt, …". So compare the name without qualifiers and
    without the Sorbian part first, then whether all words of the seat occur in the name.
    """
    if not seat:
        return None
    base = short_name(name)
    if seat in (base, base.split(" / ")[0].strip()):
        return 0
    seat_tokens = {t for t in _TOKENS.split(seat) if t}
    name_tokens = [t for t in _TOKENS.split(name) if t]
    if seat_tokens and seat_tokens <= set(name_tokens):
        return 1 + len(name_tokens) - len(seat_tokens)
    return None


def seat_gemeinde(seat: str, candidates: Iterable):
    """The candidate (record or Territory with .name/.population) that is the seat, or None."""
    best, best_key = None, None
    for candidate in candidates:
        rank = _seat_rank(seat, candidate.name)
        if rank is None:
            continue
        key = (rank, -(candidate.population or 0))
        if best_key is None or key < best_key:
            best, best_key = candidate, key
    return best
