"""Search for the Zuständigkeitsfinder: Leistungen by free German text, Gemeinden by name or PLZ.

An in-process index (see docs/adr/0002-search.md): built from the database on first
use, kept per process, rebuilt when the catalogue or register changes.

    leistung_search(query="Hund anmelden", limit=10) -> list[LeistungHit]
    place_search(query="01067", limit=10) -> list[PlaceHit]

Both raise ``QueryError`` (a ``ValueError`` with a German message) for unusable input.
"""

from __future__ import annotations

from collections.abc import Collection

from . import index
from .types import MAX_QUERY_LENGTH, LeistungHit, PlaceHit, QueryError, clean_limit, clean_query

__all__ = [
    "MAX_QUERY_LENGTH",
    "LeistungHit",
    "PlaceHit",
    "QueryError",
    "leistung_search",
    "place_search",
    "reset_indexes",
    "warm_indexes",
]


def leistung_search(*, query: str, limit: int = 20, online: Collection[int] = ()) -> list[LeistungHit]:
    """The Leistungen that match ``query`` (stemming, compounds, synonyms, typos), best first.

    Only real matches: as many query words as the best match and a score near the best one, so
    the number of hits is an honest count. ``online``: ids of Leistungen the citizen can apply
    for online at their place; they come first among the full matches.
    """
    text = clean_query(query)
    limit = clean_limit(limit)
    return index.leistungen.get().search(text, limit=limit, online=online)


def place_search(*, query: str, limit: int = 10) -> list[PlaceHit]:
    """Current Gemeinden for autocomplete: by name (prefix, part, typo) or PLZ (prefix).

    A PLZ shared by several Gemeinden returns all of them; among equal matches the larger
    population comes first.
    """
    text = clean_query(query)
    limit = clean_limit(limit)
    return index.places.get().search(text, limit=limit)


def reset_indexes() -> None:
    """Drop the cached indexes; the next search rebuilds them (for tests and after bulk imports)."""
    index.leistungen.reset()
    index.places.reset()
    index.online_caches_reset()


def warm_indexes() -> dict[str, float]:
    """Build both indexes now (e.g. at start-up) and return the build time in seconds of each."""
    index.leistungen.get()
    index.places.get()
    return {"leistungen": index.leistungen.build_seconds, "orte": index.places.build_seconds}
