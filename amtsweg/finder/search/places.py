"""In-memory index of current Gemeinden for place autocomplete (name or PLZ).

Register names carry qualifiers and bilingual forms ("Annaberg-Buchholz, Stadt",
"Bautzen / Budyšin, Stadt"), so every Gemeinde is indexed under several folded
variants: the part before the comma, each form around a slash, and the full name.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import replace

from rapidfuzz import process
from rapidfuzz.distance import OSA

from . import text
from .types import PlaceHit

EXACT = 1.0
PREFIX = 0.9
WORD_PREFIX = 0.75  # "buchholz" in "annaberg buchholz"
INFIX = 0.5
TYPICAL_NAME_LENGTH = 24
# Qualifiers citizens add or leave out ("Stadt Dresden"); ignored when other words remain.
_GENERIC = frozenset({"stadt", "gemeinde", "grosse", "kreisstadt", "kurort", "markt", "st"})


def _normal(value: str) -> str:
    """Folded words joined by single spaces ("Annaberg-Buchholz" → "annaberg buchholz")."""
    return " ".join(text.words(value))


def name_variants(name: str) -> list[tuple[str, float]]:
    """Folded search forms of a register name with a weight (1.0 for what citizens type)."""
    main = name.split(",", 1)[0]
    variants = [(_normal(main), 1.0)]
    if "/" in main:
        variants += [(_normal(part), 1.0) for part in main.split("/") if len(_normal(part)) >= 4]
    full = _normal(name)
    if full != variants[0][0]:
        variants.append((full, 0.95))
    seen: dict[str, float] = {}
    for value, weight in variants:
        if value and weight > seen.get(value, 0.0):
            seen[value] = weight
    return list(seen.items())


def display_name(name: str) -> str:
    return name.split(",", 1)[0].strip()


def max_typo_distance(query: str) -> int:
    n = len(query)
    if n < 4:
        return 0
    if n < 8:
        return 1
    return 2


class PlaceIndex:
    def __init__(
        self,
        gemeinden: Iterable[Mapping],
        postal_codes: Iterable[tuple[str, int, str]],
    ) -> None:
        """``gemeinden``: dicts with id, ags, ars, name, population, kreis_name, postal_code;
        ``postal_codes``: (code, gemeinde id, place name) rows."""
        places, number_of, codes_of, aliases = _places_read(gemeinden, postal_codes)
        self._places = [replace(place, postal_codes=tuple(sorted(codes_of[place.territory_id]))) for place in places]
        self._plz = sorted((code, number_of[gid]) for gid, codes in codes_of.items() for code in codes)
        self._plz_codes = [code for code, _number in self._plz]
        self._by_key = {}
        for number, place in enumerate(self._places):
            self._by_key[place.ags] = number
            self._by_key[place.ars] = number

        variants, owners = _variants_of(self._places, aliases)
        self._variants = variants
        self._owners = owners
        self._starts: list[int] = []
        position = 1
        for value in variants:
            self._starts.append(position)
            position += len(value) + 1
        self._blob = "\n" + "\n".join(variants) + "\n"
        # The beginnings of all variants per typed length, for typo matching on what was typed so
        # far ("Chmen" → "Chemn"); built ahead for usual lengths, later ones on first use.
        self._beginnings: dict[int, list[str]] = {
            size: [value[:size] for value in variants] for size in range(4, TYPICAL_NAME_LENGTH + 1)
        }

    def __len__(self) -> int:
        return len(self._places)

    def search(self, query: str, *, limit: int) -> list[PlaceHit]:
        tokens = text.words(query)
        digits = [t for t in tokens if t.isdigit()]
        names = [t for t in tokens if not t.isdigit()]
        if len(names) > 1:
            names = [t for t in names if t not in _GENERIC] or names
        scores: dict[int, float] = {}
        plz_match: dict[int, str] = {}
        if digits:
            key = digits[0]
            if len(key) in (8, 12) and key in self._by_key:  # AGS or ARS typed or pasted
                scores[self._by_key[key]] = EXACT
            elif len(key) <= 5:
                self._match_postal(key, scores, plz_match)
            if not scores and not names:
                return []
        if names:
            name_scores = self._match_name(" ".join(names))
            if scores:
                # "01067 Dresden": the PLZ decides, the name only re-ranks (and wins if the PLZ is wrong).
                narrowed = {n: s + name_scores[n] for n, s in scores.items() if n in name_scores}
                scores = narrowed or name_scores
                plz_match = {n: c for n, c in plz_match.items() if n in scores}
            else:
                scores = name_scores
        ranked = sorted(
            scores.items(),
            key=lambda item: (
                -round(item[1], 6),
                -self._places[item[0]].population,
                self._places[item[0]].name,
                self._places[item[0]].ags,
            ),
        )
        return [
            replace(self._places[n], score=round(score, 4), matched_postal_code=plz_match.get(n, ""))
            for n, score in ranked[:limit]
        ]

    def _match_postal(self, key: str, scores: dict[int, float], plz_match: dict[int, str]) -> None:
        codes = self._plz_codes
        position = bisect_left(codes, key)
        while position < len(codes) and codes[position].startswith(key):
            code, number = self._plz[position]
            value = EXACT if code == key else PREFIX
            if value > scores.get(number, 0.0):
                scores[number] = value
            if number not in plz_match:
                plz_match[number] = code
            position += 1

    def _match_name(self, query: str) -> dict[int, float]:
        scores: dict[int, float] = {}
        blob, starts, variants, owners = self._blob, self._starts, self._variants, self._owners
        found = blob.find(query)
        while found != -1:
            k = bisect_left(starts, found + 1) - 1
            offset = found - starts[k]
            if offset == 0:
                value = EXACT if len(variants[k]) == len(query) else PREFIX
            elif variants[k][offset - 1] == " ":
                value = WORD_PREFIX
            else:
                value = INFIX if len(query) >= 3 else 0.0
            number, weight = owners[k]
            value *= weight
            if value > scores.get(number, 0.0):
                scores[number] = value
            found = blob.find(query, found + 1)
        # Typo tolerance only when nothing matches as typed: autocomplete input is mostly a
        # correct beginning of the name, and fuzzy candidates would only add noise then.
        distance = max_typo_distance(query)
        if distance and not any(value >= WORD_PREFIX * 0.8 for value in scores.values()):
            self._match_typos(query, distance, scores)
        return scores

    def _match_typos(self, query: str, distance: int, scores: dict[int, float]) -> None:
        # Whole name ("Goerlits") and the typed beginning of a name ("Chmen" → "Chemnitz").
        size = len(query)
        beginnings = self._beginnings.get(size)
        if beginnings is None:
            # Derived from the register only: one list per query length (bounded by MAX_QUERY_LENGTH).
            beginnings = self._beginnings[size] = [value[:size] for value in self._variants]
        candidates = (
            (self._variants, 0.6),
            (beginnings, 0.5),
        )
        for choices, base in candidates:
            for _match, edits, k in process.extract(
                query, choices, scorer=OSA.distance, score_cutoff=distance, limit=None
            ):
                number, weight = self._owners[k]
                value = (base - 0.1 * edits) * weight
                if value > scores.get(number, 0.0):
                    scores[number] = value


def _places_read(gemeinden: Iterable[Mapping], postal_codes: Iterable[tuple[str, int, str]]):
    """The places (without codes yet), their numbers by id, their postal codes and PLZ place names by id."""
    places: list[PlaceHit] = []
    number_of: dict[int, int] = {}
    codes_of: dict[int, set[str]] = {}
    for row in gemeinden:
        number_of[row["id"]] = len(places)
        codes_of[row["id"]] = {row["postal_code"]} if row.get("postal_code") else set()
        places.append(
            PlaceHit(
                territory_id=row["id"],
                ags=row.get("ags") or "",
                ars=row.get("ars") or "",
                name=row["name"],
                display_name=display_name(row["name"]),
                kreis_name=row.get("kreis_name") or "",
                postal_codes=(),
                population=row.get("population") or 0,
                score=0.0,
            )
        )
    aliases: dict[int, set[str]] = {}
    for code, gemeinde_id, place_name in postal_codes:
        if gemeinde_id in codes_of:
            codes_of[gemeinde_id].add(code)
            if place_name:
                aliases.setdefault(gemeinde_id, set()).add(place_name)
    return places, number_of, codes_of, aliases


def _variants_of(places: list[PlaceHit], aliases: dict[int, set[str]]) -> tuple[list[str], list[tuple[int, float]]]:
    """Every searchable name variant with its owner (place number, weight)."""
    variants: list[str] = []
    owners: list[tuple[int, float]] = []
    for number, place in enumerate(places):
        own = name_variants(place.name)
        known = {value for value, _weight in own}
        for alias in aliases.get(place.territory_id, ()):  # PLZ place names, e.g. a former name
            value = _normal(alias)
            if value and value not in known:
                own.append((value, 0.8))
                known.add(value)
        for value, weight in own:
            variants.append(value)
            owners.append((number, weight))
    return variants, owners
