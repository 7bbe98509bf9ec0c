"""The words of the Leistung index: weights and match qualities, compound and typo look-ups, synonyms.

See ``leistungen.py`` for how these are used.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from . import text
from .types import LeistungHit

# Where a word occurs matters more than how often: a hit in the name beats one in the description.
FIELD_WEIGHTS: dict[str, float] = {
    "name": 1.0,
    "keywords": 0.8,
    "ozg_name": 0.6,
    "description": 0.3,
    "lebenslage": 0.3,
    "themenfeld": 0.2,
}

EXACT = 1.0
HEAD = 0.85  # query stem starts an indexed compound ("hund" → "hundesteuer")
TAIL = 0.8  # query stem ends an indexed compound ("steu" → "hundesteuer")
INFIX = 0.5
SPLIT = 0.9  # query compound split into two indexed words
SYNONYM = 0.85
MIN_COMPOUND_STEM = 4  # shorter stems ("amt", "pass") would match too much inside other words
MIN_REST = 3  # the other part of a compound must be a word itself, not an inflection ("hund|ert")
NAME_COVERAGE = 0.4
EXACT_NAME_BONUS = 1.0
# What the citizen can do with a result (issue 11): a Leistung with a real Stammtext beats an empty entry
# of about equal relevance (a factor, so a weak match stays weak); one they can apply for online at their
# place beats both (needs every query word to match, so it never lifts an answer to half the question).
TEXT_FACTOR = 1.12
ONLINE_BONUS = 0.6
# Honest result counts: a result must match as many query words as the best one does and score at
# least this share of the best score; the long tail of documents that merely share a word is dropped.
RELATIVE_FLOOR = 0.4
CANDIDATES = 300  # at most this many documents get the (costlier) second ranking pass
CLAUSE_CACHE_ENTRIES = 500_000  # document scores kept across queries (some 40 MB at most)


def max_typo_distance(word: str) -> int:
    """How many edits a query word may be off: none for short words, where one edit changes meaning."""
    n = len(word)
    if n <= 4:
        return 0
    if n <= 7:
        return 1
    return 2


def variant_rank(leika_key: str) -> int:
    """0 for a main Leistung (…000000), 1 for a Verrichtung (…xxx000), 2 for a detail; 1 without key.

    LeiKa keys are Leistungsobjekt (8) + Verrichtung (3) + Verrichtungsdetail (3) digits.
    """
    key = (leika_key or "").strip()
    if len(key) != 14 or not key.isdigit():
        return 1
    if key.endswith("000000"):
        return 0
    if key.endswith("000"):
        return 1
    return 2


_VARIANT_BONUS = (0.06, 0.03, 0.0)
# Upper bounds of the bonuses ``_rank`` adds (× coverage), for pruning candidates safely.
VARIANT_BONUS_MAX = _VARIANT_BONUS[0]
SOFT_BONUS_MAX = NAME_COVERAGE + VARIANT_BONUS_MAX


@dataclass(frozen=True, slots=True)
class _Doc:
    hit: LeistungHit
    name_terms: frozenset[str]
    name_key: str  # folded content words of the name, for exact-match detection
    rank: int
    sort_name: str
    has_text: bool  # a Stammtext (description) exists


GRAM = MIN_COMPOUND_STEM  # so every needle has at least one gram


class _Vocabulary:
    """Sorted strings with a 4-gram index, to find a part inside any of them without a scan.

    A needle occurs only in entries holding all its 4-grams, so intersecting the two
    rarest gram sets (C speed) leaves a handful of entries to check with ``str.find``.
    """

    __slots__ = ("entries", "grams", "owners")

    def __init__(self, entries: list[str], owners: list[str]) -> None:
        self.entries = entries  # sorted, for prefix look-ups by bisection
        self.owners = owners  # the index term each entry belongs to
        grams: dict[str, set[int]] = {}
        for k, entry in enumerate(entries):
            for i in range(len(entry) - GRAM + 1):
                gram = entry[i : i + GRAM]
                found = grams.get(gram)
                if found is None:
                    grams[gram] = {k}
                else:
                    found.add(k)
        self.grams = grams

    def starts_entry(self, needle: str, *, rest: int) -> bool:
        """Whether some entry begins with ``needle`` followed by at least ``rest`` more letters."""
        entries = self.entries
        minimum = len(needle) + rest
        for k in range(bisect_left(entries, needle), len(entries)):
            entry = entries[k]
            if not entry.startswith(needle):
                return False
            if len(entry) >= minimum:
                return True
        return False

    def _holding(self, needle: str) -> Iterable[int]:
        """Entries that contain every 4-gram of ``needle`` (a superset of those containing it)."""
        grams = self.grams
        sets = []
        for i in range(len(needle) - GRAM + 1):
            found = grams.get(needle[i : i + GRAM])
            if found is None:
                return ()
            sets.append(found)
        if len(sets) == 1:
            return sets[0]
        sets.sort(key=len)
        return sets[0].intersection(sets[1]) if len(sets) == 2 else sets[0].intersection(sets[1], sets[-1])

    def parts(self, needle: str, factor: float, into: dict[str, float]) -> None:
        """Add the owners of entries containing ``needle`` as head, tail or (long) middle part."""
        entries, owners = self.entries, self.owners
        size = len(needle)
        for k in self._holding(needle):
            entry = entries[k]
            offset = entry.find(needle)
            best = 0.0
            while offset != -1:
                rest_after = len(entry) - offset - size
                if offset == 0:
                    quality = HEAD if rest_after > MIN_REST else 0.0
                elif offset >= MIN_REST and rest_after <= 3:
                    quality = TAIL  # up to 3 letters of inflection after the part ("-ung" stays in)
                elif offset >= MIN_REST and size >= 5:
                    quality = INFIX
                else:
                    quality = 0.0
                if quality > best:
                    best = quality
                offset = entry.find(needle, offset + 1)
            if best:
                value = best * factor
                if into.get(owners[k], 0.0) < value:
                    into[owners[k]] = value


class _TypoIndex:
    """Words grouped by first letter and sorted by length, for fast edit-distance look-ups.

    A word within d edits has a length within ±d, so each look-up compares against a
    contiguous slice. Typos in the first letter are rare, so that letter's group is
    searched first and the whole vocabulary only when it yields nothing.
    """

    def __init__(self, words: list[str], owners: Mapping[str, str]) -> None:
        self._groups: dict[str, tuple[list[str], list[str], list[int]]] = {}
        by_letter: dict[str, list[str]] = {"": list(words)}
        for word in words:
            by_letter.setdefault(word[0], []).append(word)
        for letter, group in by_letter.items():
            ordered = sorted(group, key=lambda w: (len(w), w))
            starts: list[int] = []
            for position, word in enumerate(ordered):
                while len(starts) <= len(word):
                    starts.append(position)
            starts.append(len(ordered))
            self._groups[letter] = (ordered, [owners[w] for w in ordered], starts)

    def nearest(self, word: str, limit: int, count: int = 8) -> list[tuple[str, int]]:
        """Up to ``count`` (owner, distance) pairs within ``limit`` edits (transpositions count once)."""
        if not limit or not word:
            return []
        for letter in (word[0], ""):
            if letter not in self._groups:
                continue
            ordered, owners, starts = self._groups[letter]
            low = starts[min(len(starts) - 1, max(0, len(word) - limit))]
            high = starts[min(len(starts) - 1, len(word) + limit + 1)]
            if low >= high:
                continue
            matches = process.extract(word, ordered[low:high], scorer=OSA.distance, score_cutoff=limit, limit=count)
            if matches:
                return [(owners[low + k], distance) for _match, distance, k in matches]
        return []


class _Clause:
    """One query word (or synonym phrase group) with its alternatives."""

    __slots__ = ("alternatives", "word")

    def __init__(self, word: str = "") -> None:
        self.word = word
        # Each alternative: (factor, [expansion per word], divisor); an expansion maps index
        # term → quality. Score = factor × min(1, sum of the words' scores / divisor): divisor 1
        # for a single word, the word count for a phrase (mean), 2 for a bag of synonym words.
        self.alternatives: list[tuple[float, list[dict[str, float]], float]] = []


# Fugenelemente: "Hund-e-steuer", "Geburt-s-urkunde", "Schule-n-anmeldung".
_LINKING = ("es", "en", "s", "e", "n")


def _known_head(head: str, known: Mapping[str, str]) -> str | None:
    """The index term of a compound's first part, allowing a linking element ("hunde" → "hund")."""
    term = known.get(head)
    if term is not None:
        return term
    for link in _LINKING:
        if head.endswith(link) and len(head) - len(link) >= 3:
            term = known.get(head[: -len(link)])
            if term is not None:
                return term
    return None


def _fold_synonyms(synonyms: Mapping[str, Iterable[str]]) -> dict[str, list[tuple[list[str], float]]]:
    """Fold keys and expansions like queries.

    An expansion with several words is a phrase ("Wohnsitz ummelden": both should match);
    single-word expansions of a key form one bag (["wohnsitz", "anmeldung", "halteverbot"]):
    a Leistung matching two of them ("Wohnsitz Anmeldung") beats one matching a single,
    generic word ("Gewerbe Anmeldung").
    """
    folded: dict[str, list[tuple[list[str], float]]] = {}
    for key, expansions in synonyms.items():
        key_words = text.content_words(key)
        if not key_words:
            continue
        phrases: list[list[str]] = []
        bag: list[str] = []
        for expansion in [expansions] if isinstance(expansions, str) else expansions:
            words = text.content_words(expansion)
            if len(words) == 1:
                bag += [w for w in words if w not in bag]
            elif words and words not in phrases:
                phrases.append(words)
        target = folded.setdefault(" ".join(key_words), [])
        target += [(words, float(len(words))) for words in phrases]
        if bag:
            target.append((bag, float(min(2, len(bag)))))
    return folded
