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

from collections.abc import Collection, Iterable, Mapping

from . import text
from .leistungen_scoring import _expanded_terms, _Scoring
from .leistungen_terms import (
    _VARIANT_BONUS,
    EXACT,
    FIELD_WEIGHTS,
    HEAD,
    MIN_COMPOUND_STEM,
    MIN_REST,
    SPLIT,
    SYNONYM,
    TEXT_FACTOR,
    _Clause,
    _Doc,
    _fold_synonyms,
    _known_head,
    _TypoIndex,
    _Vocabulary,
    max_typo_distance,
    variant_rank,
)
from .types import LeistungHit

__all__ = ["LeistungIndex", "max_typo_distance", "variant_rank"]


class LeistungIndex(_Scoring):
    def __init__(self, rows: Iterable[Mapping], synonyms: Mapping[str, Iterable[str]] | None = None) -> None:
        postings, word_stems, docs = _documents_read(rows)
        self._postings = postings
        self._docs = docs
        self._ranking_facts_build(docs)
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

    def _ranking_facts_build(self, docs: list[_Doc]) -> None:
        """Per-document facts for the ranking and the look-ups for the exact-name bonus."""
        # What ``_rank`` needs per document, flat: (variant bonus, name terms, 1 / their number) and the
        # tie-break after the score (main Leistung, shorter name, name, id).
        self._rank_facts = [
            (
                _VARIANT_BONUS[d.rank],
                tuple(d.name_terms),
                1.0 / len(d.name_terms) if d.name_terms else 0.0,
                TEXT_FACTOR if d.has_text else 1.0,
            )
            for d in docs
        ]
        self._number_by_id = {d.hit.id: number for number, d in enumerate(docs)}
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

    # -- search ----------------------------------------------------------------------------------------

    def search(self, query: str, *, limit: int, online: Collection[int] = ()) -> list[LeistungHit]:
        """The relevant Leistungen for ``query``, best first, at most ``limit``.

        ``online``: ids of Leistungen the citizen can apply for online at their place; among
        results that match the whole query they come first.
        """
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
        numbers = self._number_by_id
        online_docs = {numbers[i] for i in online if i in numbers}
        candidates = self._candidates(
            first_pass, coverage, named, limit=limit, phrase=phrase, query_words=query_words, extra=online_docs
        )
        return self._rank(
            candidates,
            first_pass,
            coverage,
            expanded,
            named,
            limit=limit,
            phrase=phrase,
            query_words=query_words,
            online=online_docs,
        )


def _documents_read(rows: Iterable[Mapping]) -> tuple[dict[str, dict[int, float]], dict[str, str], list[_Doc]]:
    """The postings (term → document → field weight), the stem of every word and the documents."""
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
            has_text=bool((row.get("description") or "").strip()),
        )
        docs.append(
            _Doc(
                hit=hit,
                name_terms=frozenset(text.stem(w) for w in name_words),
                name_key=" ".join(name_words),
                rank=variant_rank(leika_key),
                sort_name=text.fold(name),
                has_text=hit.has_text,
            )
        )
    return postings, word_stems, docs
