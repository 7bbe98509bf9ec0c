"""Scoring of the Leistung index: clause scores, the first pass over all matches, the final ranking.

A mixin of ``LeistungIndex`` (see ``leistungen.py``), kept apart so each part stays readable;
it works on the index's attributes directly, as the hot path must not pay for indirection.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import Counter
from collections.abc import Collection

from . import text
from .leistungen_terms import (
    CANDIDATES,
    CLAUSE_CACHE_ENTRIES,
    EXACT_NAME_BONUS,
    NAME_COVERAGE,
    ONLINE_BONUS,
    RELATIVE_FLOOR,
    SOFT_BONUS_MAX,
    TEXT_FACTOR,
    VARIANT_BONUS_MAX,
    _Clause,
    _Doc,
)
from .types import LeistungHit


class _Scoring:
    """Scoring methods of ``LeistungIndex``."""

    _postings: dict[str, dict[int, float]]
    _docs: list[_Doc]
    _clause_cache: dict[str, dict[int, float]]
    _clause_cache_size: int
    _rank_facts: list
    _tie_breaks: list
    _by_name_key: dict[str, tuple[int, ...]]
    _by_name_terms: dict[frozenset[str], tuple[int, ...]]

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
        extra: Collection[int] = (),
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
            # Scores end up × at most TEXT_FACTOR: compare against the limit-th score divided by it.
            kth = sorted(first_pass.values(), reverse=True)[limit - 1] / TEXT_FACTOR
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
        # Online offers at the place get a bonus beyond the bound above: always considered.
        exact += tuple(doc for doc in extra if coverage.get(doc, 0.0) >= 1.0)
        if exact:
            chosen_set = set(chosen)
            chosen += [doc for doc in exact if doc in first_pass and doc not in chosen_set]
        return chosen

    def _rank(
        self, candidates, first_pass, coverage, expanded, named, *, limit: int, phrase: str, query_words, online=()
    ) -> list:
        get_expanded = expanded.get
        query_terms = frozenset(text.stem(w) for w in query_words)
        # Bonus: main Leistung over sub-variants, plus the share of the name the query explains
        # ("Hundesteuer" for "Hund" beats a long name that merely mentions "Hunde"); names have a
        # handful of terms, summed in C. Scored in comprehensions: cheaper than a per-document loop.
        facts = self._rank_facts
        zeros = _ZEROS

        def scored(chosen: list[int]) -> dict[int, float]:
            return {
                doc: (
                    first_pass[doc]
                    + (variant + NAME_COVERAGE * sum(map(get_expanded, name_terms, zeros)) * share) * coverage[doc]
                )
                * text_factor
                for doc in chosen
                for variant, name_terms, share, text_factor in (facts[doc],)
            }

        exact_key = self._by_name_key.get(phrase, ())
        exact_terms = self._by_name_terms.get(query_terms, ())
        head = 2 * limit
        final = scored(candidates[:head])
        if len(candidates) > head:
            # Candidates come best first pass first, exact-name ones last: the best of the head
            # bound the rest, which the bonus can lift by at most SOFT_BONUS_MAX × coverage.
            exact = set(exact_key + exact_terms) | set(online)
            kth = heapq.nlargest(limit, final.values())[-1] / TEXT_FACTOR if len(final) >= limit else -math.inf
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
        final = _relevant(final, coverage)
        for doc in online:
            if doc in final and coverage[doc] >= 1.0:
                final[doc] += ONLINE_BONUS
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


def _relevant(final: dict[int, float], coverage: dict[int, float]) -> dict[int, float]:
    """Only the real matches: as many query words as the best match, and a score near the best.

    "Hund anmelden" should not report every Leistung that mentions "Anmeldung"; documents that
    match fewer query words than the best one, or score below ``RELATIVE_FLOOR`` × the best, go.
    """
    if not final:
        return final
    best_coverage = max(coverage[doc] for doc in final)
    kept = {doc: score for doc, score in final.items() if coverage[doc] >= best_coverage - 1e-9}
    floor = RELATIVE_FLOOR * max(kept.values())
    return {doc: score for doc, score in kept.items() if score >= floor}


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
        hit.has_text,
    )
