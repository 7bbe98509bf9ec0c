"""In-memory index over the Leistungen of the service catalogue.

Built once per process from plain dicts (see ``index.py`` for where they come from);
no Django in here, so it is easy to test and to time.

How a query word finds documents (each with a quality factor 0..1):

* exact stem ("Anmeldung" ~ "anmelden" → "anmeld"),
* compound part: the stem occurs inside an indexed word as head ("hund" in
  "hundesteuer"), tail ("steu" in "hundesteuer") or, for longer stems, in the middle,
* typo: Levenshtein distance to an indexed word, allowed distance growing with length,
* query compound split against the vocabulary ("Hundeanmeldung" → "hund" + "anmeld"),
* synonyms from the catalogue ("Umzug" → "Wohnsitz anmelden", ...).

Scoring: every query word is a clause; a document's clause score is its best
(field weight × match quality). The total favours documents that match all clauses,
then adds small bonuses for how much of the *name* the query explains, exact
name matches and main Leistungen over their sub-variants.
"""

from __future__ import annotations

import heapq
import itertools
import math
from bisect import bisect_left
from collections import Counter
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
VARIANT_BONUS_MAX = _VARIANT_BONUS[0]
SOFT_BONUS_MAX = NAME_COVERAGE + VARIANT_BONUS_MAX


@dataclass(frozen=True, slots=True)
class _Doc:
    hit: LeistungHit
    name_terms: frozenset[str]
    name_key: str  # folded content words of the name, for exact-match detection
    rank: int
    sort_name: str


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


class LeistungIndex:
    def __init__(self, rows: Iterable[Mapping], synonyms: Mapping[str, Iterable[str]] | None = None) -> None:
        postings: dict[str, dict[int, float]] = {}
        word_stems: dict[str, str] = {}
        docs: list[_Doc] = []
        for number, row in enumerate(rows):
            for field, weight in FIELD_WEIGHTS.items():
                value = row.get(field) or ""
                if not isinstance(value, str):  # keywords may come as a list
                    value = " ".join(value)
                for word in text.content_words(value) if value else ():
                    term = word_stems.get(word)
                    if term is None:
                        term = word_stems[word] = text.stem(word)
                    posting = postings.get(term)
                    if posting is None:
                        posting = postings[term] = {}
                    if posting.get(number, 0.0) < weight:
                        posting[number] = weight
            name = row.get("name") or ""
            name_words = text.content_words(name)
            leika_key = row.get("leika_key") or ""
            hit = LeistungHit(
                id=row["id"],
                slug=row.get("slug") or "",
                name=name,
                leika_key=leika_key,
                ozg_name=row.get("ozg_name") or "",
                lebenslage=row.get("lebenslage") or "",
                themenfeld=row.get("themenfeld") or "",
                execution_level=row.get("execution_level") or "",
                score=0.0,
            )
            docs.append(
                _Doc(
                    hit=hit,
                    name_terms=frozenset(text.stem(w) for w in name_words),
                    name_key=" ".join(name_words),
                    rank=variant_rank(leika_key),
                    sort_name=text.fold(name),
                )
            )
        self._postings = postings
        self._docs = docs
        # What ``_rank`` needs per document, flat: (variant bonus, name terms, 1 / their number) and the
        # tie-break after the score (main Leistung, shorter name, name, id).
        self._rank_facts = [
            (_VARIANT_BONUS[d.rank], tuple(d.name_terms), 1.0 / len(d.name_terms) if d.name_terms else 0.0)
            for d in docs
        ]
        name_docs: dict[str, list[int]] = {}
        for number, doc in enumerate(docs):
            for term in doc.name_terms:
                name_docs.setdefault(term, []).append(number)
        self._name_docs = name_docs
        self._tie_breaks = [(d.rank, len(d.sort_name), d.sort_name, d.hit.id) for d in docs]
        # Direct look-ups for the exact-name bonus, so ranking never has to scan for it.
        self._by_name_key: dict[str, tuple[int, ...]] = {}
        self._by_name_terms: dict[frozenset[str], tuple[int, ...]] = {}
        for number, doc in enumerate(docs):
            self._by_name_key[doc.name_key] = self._by_name_key.get(doc.name_key, ()) + (number,)
            self._by_name_terms[doc.name_terms] = self._by_name_terms.get(doc.name_terms, ()) + (number,)
        # Vocabularies for compound look-ups: the folded words ("hundehaltung", where the query
        # stem "haltung" is found) and their stems ("gaststattengewerb", where "gaststatt" is found:
        # the stemmer also drops umlauts, so stems must be searched among stems too).
        self._words = sorted(w for w in word_stems if not w.isdigit())
        self._word_parts = _Vocabulary(self._words, [word_stems[w] for w in self._words])
        unique_stems = sorted({word_stems[w] for w in self._words})
        self._stem_parts = _Vocabulary(unique_stems, unique_stems)
        self._word_stem = word_stems
        self._typos = _TypoIndex(self._words, word_stems)
        self._synonyms = _fold_synonyms(synonyms or {})
        self._expansions: dict[str, dict[str, float]] = {}
        self._splits: dict[str, list[dict[str, float]] | None] = {}
        self._clause_cache: dict[str, dict[int, float]] = {}
        self._clause_cache_size = 0

    def __len__(self) -> int:
        return len(self._docs)

    @property
    def vocabulary_size(self) -> int:
        return len(self._words)

    # -- query analysis -------------------------------------------------------------------------

    def _compound_matches(self, term: str, factor: float, into: dict[str, float], word: str = "") -> None:
        """Add index terms whose words contain ``term`` (or the unstemmed ``word``) as a compound part."""
        if len(term) < MIN_COMPOUND_STEM:
            return
        self._word_parts.parts(term, factor, into)
        self._stem_parts.parts(term, factor, into)
        if word and word != term:
            self._word_parts.parts(word, factor, into)

    def _expand(self, word: str) -> dict[str, float]:
        """Index terms (with quality) a folded query word stands for; cached per word."""
        cached = self._expansions.get(word)
        if cached is not None:
            return cached
        term = text.stem(word)
        found = self._expand_term(term, word)
        if term not in self._postings and not word.isdigit():
            self._typo_matches(word, found)
        if len(self._expansions) > 20000:  # bounded: a hostile client must not grow memory forever
            self._expansions.clear()
            self._splits.clear()
        self._expansions[word] = found
        return found

    def _expand_term(self, term: str, word: str = "") -> dict[str, float]:
        found: dict[str, float] = {}
        if term in self._postings:
            found[term] = EXACT
        if not term.isdigit():
            self._compound_matches(term, 1.0, found, word)
        found.pop(term, None)
        if term in self._postings:
            found[term] = EXACT
        return found

    def _typo_matches(self, word: str, into: dict[str, float]) -> None:
        for index_term, distance in self._typos.nearest(word, max_typo_distance(word)):
            quality = 0.75 - 0.15 * distance
            if into.get(index_term, 0.0) < quality:
                into[index_term] = quality
            # A typo inside a compound part ("Steur") should still find the compounds.
            self._compound_matches(index_term, quality, into)

    def _split(self, word: str) -> list[dict[str, float]] | None:
        """Split an unknown compound query word into two known parts ("hunde|anmeldung").

        The tail must be an indexed word; the head an indexed word (allowing a linking
        element) or the head of indexed compounds ("hunde" in "hundesteuer").
        """
        known = self._word_stem
        best: tuple[int, str, str] | None = None
        # Dictionary look-ups first; the stemmer only runs for a head that fits.
        for cut in range(3, len(word) - 3):
            head, tail = word[:cut], word[cut:]
            tail_term = known.get(tail)
            if tail_term is None:
                continue
            head_term = _known_head(head, known)
            if head_term is None and self._word_parts.starts_entry(head, rest=MIN_REST + 1):
                head_term = text.stem(head)
            if head_term:
                balance = min(len(head), len(tail))
                if best is None or balance > best[0]:
                    best = (balance, head_term, tail_term)
        if best is None:
            return None
        # Each part may itself be a compound head or tail ("hund" → "hundehaltung").
        return [self._expand_term(best[1]), self._expand_term(best[2])]

    def _clauses(self, query_words: list[str]) -> list[_Clause]:
        clauses = []
        for word in query_words:
            clause = _Clause(word)
            clause.alternatives.append((1.0, [self._expand(word)], 1.0))
            parts = self._splits.get(word, False)
            if parts is False:
                # Only for words the index does not know well: no exact or compound-head match.
                weak = max(clause.alternatives[0][1][0].values(), default=0.0) < HEAD
                parts = self._split(word) if weak and len(word) >= 7 else None
                self._splits[word] = parts
            if parts:
                clause.alternatives.append((SPLIT, parts, 2.0))
            for phrase, divisor in self._synonyms.get(word, ()):
                clause.alternatives.append((SYNONYM, [self._expand(w) for w in phrase], divisor))
            clauses.append(clause)
        return clauses

    # -- scoring ----------------------------------------------------------------------------------

    def _expansion_scores(self, expansion: dict[str, float]) -> dict[int, float]:
        postings = self._postings
        if len(expansion) == 1:
            ((term, quality),) = expansion.items()
            if quality == 1.0:
                return postings[term]
            return {doc: weight * quality for doc, weight in postings[term].items()}
        scores: dict[int, float] = {}
        get = scores.get
        for term, quality in expansion.items():
            for doc, weight in postings[term].items():
                value = weight * quality
                if value > get(doc, 0.0):
                    scores[doc] = value
        return scores

    def _cached_clause_scores(self, clause: _Clause) -> dict[int, float]:
        """Clause scores of a query word, kept for the next query using the same word (read-only!)."""
        cached = self._clause_cache.get(clause.word)
        if cached is not None:
            return cached
        scores = self._clause_scores(clause)
        self._clause_cache_size += len(scores)
        if self._clause_cache_size > CLAUSE_CACHE_ENTRIES:  # bounded memory, whatever clients send
            self._clause_cache.clear()
            self._clause_cache_size = len(scores)
        self._clause_cache[clause.word] = scores
        return scores

    def _clause_scores(self, clause: _Clause) -> dict[int, float]:
        result: dict[int, float] = {}
        for factor, expansions, divisor in clause.alternatives:
            per_word = [self._expansion_scores(e) for e in expansions if e]
            if not per_word:
                continue
            if len(per_word) == 1 and divisor == 1.0:
                scores = per_word[0]
                if factor != 1.0:
                    scores = {doc: value * factor for doc, value in scores.items()}
            else:
                # Several words: matching more of them counts more, up to ``factor``.
                scale = factor / divisor
                scores = {}
                get = scores.get
                for word_scores in per_word:
                    for doc, value in word_scores.items():
                        scores[doc] = get(doc, 0.0) + value * scale
                for doc, value in scores.items():
                    if value > factor:
                        scores[doc] = factor
            if not result:
                result = scores if len(clause.alternatives) == 1 else dict(scores)
                continue
            get = result.get
            for doc, value in scores.items():
                if value > get(doc, 0.0):
                    result[doc] = value
        return result

    def search(self, query: str, *, limit: int) -> list[LeistungHit]:
        query_words = text.content_words(query)
        if not query_words:
            return []
        query_words = list(dict.fromkeys(query_words))[:12]  # repeated or excess words add nothing
        clauses = self._clauses(query_words)
        phrase = " ".join(query_words)
        if phrase in self._synonyms and len(query_words) > 1:
            # A multi-word synonym key ("auto anmelden") replaces the whole query as one alternative.
            whole = _Clause()
            for words, divisor in self._synonyms[phrase]:
                whole.alternatives.append((SYNONYM, [self._expand(w) for w in words], divisor))
        else:
            whole = None

        first_pass, coverage = self._first_pass(clauses, whole)
        if not first_pass:
            return []
        expanded = _expanded_terms(clauses + ([whole] if whole else []))
        # Only documents with a query term in their name can get the name-coverage bonus.
        name_docs = self._name_docs
        named = set().union(*[name_docs[term] for term in expanded if term in name_docs])
        candidates = self._candidates(first_pass, coverage, named, limit=limit, phrase=phrase, query_words=query_words)
        return self._rank(
            candidates, first_pass, coverage, expanded, named, limit=limit, phrase=phrase, query_words=query_words
        )

    def _first_pass(self, clauses: list[_Clause], whole: _Clause | None) -> tuple[dict[int, float], dict[int, float]]:
        """Score every matching document; returns scores and each document's query coverage (0..1)."""
        # Rare words say more than common ones (IDF); a word that matches nothing ("bitte",
        # a typo beyond repair) is left out rather than punishing every document.
        scored = [(c.word in text.SOFT_WORDS, s) for c in clauses if (s := self._cached_clause_scores(c))]
        if scored and all(soft for soft, _scores in scored):
            scored = [(False, scores) for _soft, scores in scored]  # "Antrag" alone is a real query
        coverage: dict[int, float]
        if len(scored) == 1:
            # Shared with the clause cache: only copied when the whole-phrase synonym writes to it.
            first_pass = scored[0][1] if whole is None else dict(scored[0][1])
            coverage = dict.fromkeys(first_pass, 1.0)
        elif scored:
            total_docs = len(self._docs)
            # Soft words ("beantragen") count little and are not required: "Perso beantragen"
            # must not prefer every Leistung whose name happens to end in "beantragen".
            weights = [math.log(1.0 + total_docs / len(scores)) * (0.2 if soft else 1.0) for soft, scores in scored]
            weight_sum = sum(weights)
            count = sum(1 for soft, _scores in scored if not soft)
            totals: dict[int, float] = {}
            matched: Counter[int] = Counter()
            for weight, (soft, scores) in zip(weights, scored, strict=True):
                share = weight / weight_sum
                total_get = totals.get
                for doc, value in scores.items():
                    totals[doc] = total_get(doc, 0.0) + value * share
                if not soft:
                    matched.update(iter(scores))  # counts keys in C
            # Coverage: documents missing a query word drop sharply ("Hund anmelden" wants both);
            # those matching only soft words drop out.
            squares = [(m / count) ** 2 for m in range(count + 1)]
            coverage = {doc: squares[m] for doc, m in matched.items()}
            first_pass = {doc: totals[doc] * squares[m] for doc, m in matched.items()}
        else:
            first_pass, coverage = {}, {}
        if whole is not None:
            for doc, value in self._clause_scores(whole).items():
                if value > first_pass.get(doc, 0.0):
                    first_pass[doc] = value
                    coverage[doc] = 1.0
        return first_pass, coverage

    def _candidates(
        self,
        first_pass: dict[int, float],
        coverage: dict[int, float],
        named: set[int],
        *,
        limit: int,
        phrase: str,
        query_words: list[str],
    ) -> list[int]:
        """Documents that can still reach the top ``limit`` after the bonuses of ``_rank``, best first.

        Apart from the exact-name bonus (looked up directly), bonuses add at most
        ``SOFT_BONUS_MAX`` × coverage, so a document whose score plus that stays below the
        limit-th best score cannot make it.
        """
        by_score = first_pass.__getitem__
        if len(first_pass) <= limit:
            chosen = sorted(first_pass, key=by_score, reverse=True)
        else:
            # Sorting plain floats in C beats heap selections in Python; only the few documents
            # that pass the cheap bound (coverage ≤ 1) get the exact one and a keyed sort.
            kth = sorted(first_pass.values(), reverse=True)[limit - 1]
            floor = kth - SOFT_BONUS_MAX
            chosen = [
                doc
                for doc, value in first_pass.items()
                if value >= floor
                and value + (SOFT_BONUS_MAX if doc in named else VARIANT_BONUS_MAX) * coverage[doc] >= kth
            ]
            chosen.sort(key=by_score, reverse=True)
            del chosen[CANDIDATES:]
        exact = self._by_name_key.get(phrase, ()) + self._by_name_terms.get(
            frozenset(text.stem(w) for w in query_words), ()
        )
        if exact:
            chosen_set = set(chosen)
            chosen += [doc for doc in exact if doc in first_pass and doc not in chosen_set]
        return chosen

    def _rank(self, candidates, first_pass, coverage, expanded, named, *, limit: int, phrase: str, query_words) -> list:
        get_expanded = expanded.get
        query_terms = frozenset(text.stem(w) for w in query_words)
        # Bonus: main Leistung over sub-variants, plus the share of the name the query explains
        # ("Hundesteuer" for "Hund" beats a long name that merely mentions "Hunde"); names have a
        # handful of terms, summed in C. Scored in comprehensions: cheaper than a per-document loop.
        facts = self._rank_facts
        zeros = _ZEROS

        def scored(chosen: list[int]) -> dict[int, float]:
            return {
                doc: first_pass[doc]
                + (variant + NAME_COVERAGE * sum(map(get_expanded, name_terms, zeros)) * share) * coverage[doc]
                for doc in chosen
                for variant, name_terms, share in (facts[doc],)
            }

        exact_key = self._by_name_key.get(phrase, ())
        exact_terms = self._by_name_terms.get(query_terms, ())
        head = 2 * limit
        final = scored(candidates[:head])
        if len(candidates) > head:
            # Candidates come best first pass first, exact-name ones last: the best of the head
            # bound the rest, which the bonus can lift by at most SOFT_BONUS_MAX × coverage.
            exact = set(exact_key + exact_terms)
            kth = heapq.nlargest(limit, final.values())[-1] if len(final) >= limit else -math.inf
            final.update(
                scored(
                    [
                        doc
                        for doc in candidates[head:]
                        if doc in exact
                        or first_pass[doc] + (SOFT_BONUS_MAX if doc in named else VARIANT_BONUS_MAX) * coverage[doc]
                        >= kth
                    ]
                )
            )
        docs = self._docs
        for doc in exact_key:
            if doc in final:
                final[doc] += EXACT_NAME_BONUS * coverage[doc]
        for doc in exact_terms:
            if doc in final and docs[doc].name_key != phrase:
                final[doc] += EXACT_NAME_BONUS / 2 * coverage[doc]
        if len(final) > limit:
            # Everything tied (to 6 places) with the limit-th score stays for the tie-break below;
            # round() is slow, so only near-ties are rounded.
            kth = heapq.nlargest(limit, final.values())[-1]
            kth_rounded = round(kth, 6)
            chosen = [
                (doc, score) for doc, score in final.items() if score >= kth - 1e-6 and round(score, 6) >= kth_rounded
            ]
        else:
            chosen = list(final.items())
        tie_breaks = self._tie_breaks
        chosen.sort(key=lambda item: (-round(item[1], 6), tie_breaks[item[0]]))
        return [_with_score(docs[doc].hit, score) for doc, score in chosen[:limit]]


_ZEROS = itertools.repeat(0.0)


def _expanded_terms(clauses: list[_Clause]) -> dict[str, float]:
    """Every index term the query stands for, with its best quality × alternative factor."""
    expanded: dict[str, float] = {}
    get = expanded.get
    for clause in clauses:
        for factor, expansions, _divisor in clause.alternatives:
            for expansion in expansions:
                for term, quality in expansion.items():
                    value = quality * factor
                    if value > get(term, 0.0):
                        expanded[term] = value
    return expanded


def _with_score(hit: LeistungHit, score: float) -> LeistungHit:
    # Positional: measurably cheaper than keywords for the frozen dataclass, on every result.
    return LeistungHit(
        hit.id,
        hit.slug,
        hit.name,
        hit.leika_key,
        hit.ozg_name,
        hit.lebenslage,
        hit.themenfeld,
        hit.execution_level,
        round(score, 4),
    )


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
