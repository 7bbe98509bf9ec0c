"""Search quality of the finder: recall@5 and MRR over the labelled citizen queries.

Used by ``benchmarks/finder.py``; the labels are in ``benchmarks/data/finder_queries.csv``
(query, place AGS, expected LeiKa key prefixes). Not a test: it reports numbers and the
queries that miss, so a change to ranking or vocabulary can be judged before and after.

* recall@5: share of queries with at least one expected Leistung among the first 5 results;
* MRR: mean of 1 / rank of the first expected Leistung (within the first 10; 0 if none);
* results: median number of results reported (the count the citizen sees).
"""

from __future__ import annotations

import csv
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

QUERIES_FILE = Path(__file__).resolve().parent / "data" / "finder_queries.csv"
# Written after tuning and never used for it: how far the changes carry (see its header).
HOLDOUT_FILE = Path(__file__).resolve().parent / "data" / "finder_queries_holdout.csv"
RECALL_AT = 5
MRR_AT = 10


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    ags: str
    expected: tuple[str, ...]  # LeiKa key prefixes


@dataclass
class Quality:
    queries: int
    recall_at_5: float
    mrr: float
    median_results: float
    misses: list[tuple[LabelledQuery, list[str]]]


def load_queries(path: Path = QUERIES_FILE) -> list[LabelledQuery]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return [
            LabelledQuery(row["query"].strip(), (row.get("ags") or "").strip(), tuple(row["expected"].split()))
            for row in rows
            if row.get("query") and row.get("expected")
        ]


def first_relevant_rank(keys: list[str], expected: tuple[str, ...]) -> int | None:
    """1-based rank of the first LeiKa key that starts with an expected prefix, or None."""
    for rank, key in enumerate(keys, start=1):
        if key and any(key.startswith(prefix) for prefix in expected):
            return rank
    return None


def evaluate(search: Callable[[str, str], tuple[list[str], list[str], int]], queries: list[LabelledQuery]) -> Quality:
    """``search(query, ags)`` returns (LeiKa keys in rank order, names, number of results reported)."""
    found = 0
    reciprocal = 0.0
    counts = []
    misses = []
    for labelled in queries:
        keys, names, count = search(labelled.query, labelled.ags)
        counts.append(count)
        rank = first_relevant_rank(keys[:MRR_AT], labelled.expected)
        if rank is not None and rank <= RECALL_AT:
            found += 1
        else:
            misses.append((labelled, [f"{k} {n[:50]}" for k, n in zip(keys[:3], names[:3], strict=False)]))
        if rank is not None:
            reciprocal += 1.0 / rank
    n = len(queries)
    return Quality(
        queries=n,
        recall_at_5=found / n if n else 0.0,
        mrr=reciprocal / n if n else 0.0,
        median_results=statistics.median(counts) if counts else 0.0,
        misses=misses,
    )


def report(quality: Quality, *, label: str, show_misses: bool) -> None:
    print(
        f"search quality ({quality.queries} labelled queries, {label}): "
        f"recall@{RECALL_AT} {quality.recall_at_5:.3f}, MRR@{MRR_AT} {quality.mrr:.3f}, "
        f"median results reported {quality.median_results:g}"
    )
    if show_misses:
        for labelled, top in quality.misses:
            place = f" @{labelled.ags}" if labelled.ags else ""
            print(f"  miss: {labelled.query!r}{place} expected {' '.join(labelled.expected)}; top: {top}")


def search_as_results_page(query: str, ags: str) -> tuple[list[str], list[str], int]:
    """The finder's results as the results page ranks and counts them (with the place, where the page has one)."""
    from amtsweg.finder import search, selectors

    try:
        if hasattr(selectors, "leistung_results"):
            gemeinde = selectors.resolve_place(text=ags).gemeinde if ags else None
            results = selectors.leistung_results(query=query, gemeinde=gemeinde)
            hits, count = [r.hit for r in results.items], results.total
        else:  # the ranking before issue 11: no place, every match counted
            hits = search.leistung_search(query=query, limit=100)
            count = len(hits)
    except search.QueryError:
        return [], [], 0
    return [h.leika_key for h in hits], [h.name for h in hits], count
