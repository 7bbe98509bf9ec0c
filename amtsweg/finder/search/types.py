"""Result types and the error of the finder's search API."""

from __future__ import annotations

from dataclasses import dataclass

MAX_QUERY_LENGTH = 200
MAX_LIMIT = 100


class QueryError(ValueError):
    """Unusable search input; ``str(error)`` is a German message that can be shown to the citizen."""


@dataclass(frozen=True, slots=True)
class LeistungHit:
    id: int
    slug: str
    name: str
    leika_key: str
    ozg_name: str
    lebenslage: str
    themenfeld: str
    execution_level: str
    score: float
    # A Stammtext (description) exists, so the Leistung page says more than the name.
    has_text: bool = False


@dataclass(frozen=True, slots=True)
class PlaceHit:
    """A current Gemeinde. ``name`` is the register name ("Annaberg-Buchholz, Stadt"),
    ``display_name`` the part citizens use ("Annaberg-Buchholz")."""

    territory_id: int
    ags: str
    ars: str
    name: str
    display_name: str
    kreis_name: str
    postal_codes: tuple[str, ...]
    population: int
    score: float
    # The PLZ the query matched ("" for a name match), so the UI can show "01067 Dresden".
    matched_postal_code: str = ""


def clean_query(query: object) -> str:
    """Validate raw input and return it with whitespace collapsed, or raise QueryError."""
    if not isinstance(query, str):
        raise QueryError("Bitte geben Sie einen Suchbegriff ein.")
    text = " ".join(query.split())
    if not text:
        raise QueryError("Bitte geben Sie einen Suchbegriff ein.")
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"Der Suchbegriff ist zu lang ({len(text)} Zeichen). Bitte verwenden Sie höchstens "
            f"{MAX_QUERY_LENGTH} Zeichen, zum Beispiel „Hund anmelden“."
        )
    return text


def clean_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise QueryError("Die Anzahl der Treffer muss eine ganze Zahl von mindestens 1 sein.")
    return min(limit, MAX_LIMIT)
