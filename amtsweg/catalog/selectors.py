"""Read access to the service catalogue (Themenfelder, Lebenslagen, OZG- and LeiKa-Leistungen)."""

from __future__ import annotations

import csv
import re
import time
from functools import lru_cache
from pathlib import Path

from django.db import connection
from django.db.models import Count, F, Max, Prefetch, QuerySet

from amtsweg.common.rows import columns_of, instances_from

from .models import Lebenslage, Leistung, OzgLeistung, Themenfeld

DATA_DIR = Path(__file__).resolve().parent / "data"
SYNONYMS_FILE = DATA_DIR / "synonyms.csv"

# Fields the importer manages; an editor's change to one of them survives re-imports.
MANAGED_FIELDS = (
    "name",
    "leika_typ",
    "description",
    "required_documents",
    "fees",
    "deadlines",
    "processing_time",
    "legal_basis",
    "keywords",
    "online_url",
    "form_url",
    "execution_level",
    "execution_level_note",
    "published",
)

_LEGAL_LINE = re.compile(r"^(?P<label>.*?)\s+–\s+(?P<url>https?://\S+)$")


def leistung_by_slug(*, slug: str) -> Leistung | None:
    """The published Leistung with this slug (with OZG-Leistung, Lebenslage, Themenfeld), or None.

    What ``select_related("ozg__lebenslage__themenfeld")`` gives, from one raw statement: every Leistung page
    asks this, and compiling the four-table query cost more than running it (benchmarks/citizen_profile.py).
    """
    sql, chain = _leistung_chain_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [slug, True])
        row = cursor.fetchone()
    if row is None:
        return None
    leistung, ozg, lebenslage, themenfeld = instances_from(chain, row)
    # Set the loaded relations as select_related does, so following them costs no query.
    leistung._state.fields_cache["ozg"] = ozg
    ozg._state.fields_cache["lebenslage"] = lebenslage
    lebenslage._state.fields_cache["themenfeld"] = themenfeld
    return leistung


@lru_cache(maxsize=1)
def _leistung_chain_sql() -> tuple[str, list]:
    qn = connection.ops.quote_name
    chain, columns = [], []
    for alias, model in (("l", Leistung), ("o", OzgLeistung), ("b", Lebenslage), ("t", Themenfeld)):
        model_columns, part = columns_of(alias, model)
        chain.append(part)
        columns += model_columns
    table = {m: qn(m._meta.db_table) for m in (Leistung, OzgLeistung, Lebenslage, Themenfeld)}
    sql = (
        f"SELECT {', '.join(columns)} FROM {table[Leistung]} l "  # noqa: S608 (names from the models)
        f"JOIN {table[OzgLeistung]} o ON o.id = l.ozg_id JOIN {table[Lebenslage]} b ON b.id = o.lebenslage_id "
        f"JOIN {table[Themenfeld]} t ON t.id = b.themenfeld_id WHERE l.slug = %s AND l.published = %s"
    )
    return sql, chain


def themenfelder_with_lebenslagen() -> QuerySet[Themenfeld]:
    """All Themenfelder, each with its Lebenslagen prefetched (``themenfeld.lebenslagen.all()``)."""
    return Themenfeld.objects.prefetch_related(
        Prefetch("lebenslagen", queryset=Lebenslage.objects.order_by("name"))
    ).order_by("name")


def leistungen_for_lebenslage(
    *, lebenslage: Lebenslage, execution_level: str | None = None, limit: int | None = None
) -> QuerySet[Leistung]:
    """Published Leistungen of a Lebenslage, ordered by OZG-Leistung then name; optional level filter."""
    qs = (
        Leistung.objects.filter(ozg__lebenslage=lebenslage, published=True)
        .select_related("ozg")
        .order_by("ozg__name", "name")
    )
    if execution_level is not None:
        qs = qs.filter(execution_level=execution_level)
    if limit is not None:
        qs = qs[:limit]
    return qs


def leistungen_for_index() -> list[dict]:
    """Everything the search index needs for each published Leistung, in one query.

    Keys: id, slug, name, leika_key, leika_typ, keywords, execution_level, description,
    ozg_code (OZG-ID), ozg_name, lebenslage, lebenslage_slug, themenfeld.
    """
    return list(
        Leistung.objects.filter(published=True)
        .order_by("id")
        .values(
            "id",
            "slug",
            "name",
            "leika_key",
            "leika_typ",
            "keywords",
            "execution_level",
            "description",
            ozg_code=F("ozg__ozg_id"),
            ozg_name=F("ozg__name"),
            lebenslage=F("ozg__lebenslage__name"),
            lebenslage_slug=F("ozg__lebenslage__slug"),
            themenfeld=F("ozg__lebenslage__themenfeld__name"),
        )
    )


# (read at, Leistung id → URL): read on every search with a place; an editor's change may show a few
# seconds late, like the search index itself.
_STATEWIDE: list[tuple[float, dict[int, str]]] = []
STATEWIDE_TTL_SECONDS = 3.0


def leistungen_online_statewide() -> dict[int, str]:
    """Leistung id → state-wide online service URL (``online_url``) of the published Leistungen."""
    now = time.monotonic()
    if _STATEWIDE and now - _STATEWIDE[0][0] < STATEWIDE_TTL_SECONDS:
        return _STATEWIDE[0][1]
    found = dict(Leistung.objects.filter(published=True).exclude(online_url="").values_list("id", "online_url"))
    _STATEWIDE[:] = [(now, found)]
    return found


def catalog_version() -> str:
    """A cheap stamp that changes whenever Leistungen are added, removed or edited."""
    agg = Leistung.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    last = agg["last"].isoformat() if agg["last"] else "-"
    return f"{agg['n']}:{last}"


def execution_level_counts() -> dict[str, int]:
    """Number of Leistungen per execution level ("" = not set)."""
    rows = Leistung.objects.values("execution_level").annotate(n=Count("id")).order_by("execution_level")
    return {row["execution_level"]: row["n"] for row in rows}


def leistung_edited_fields(*, leistung: Leistung) -> list[str]:
    """Managed fields whose current value differs from what the importer last wrote (editor changes)."""
    imported = leistung.imported_values or {}
    return [f for f in MANAGED_FIELDS if f in imported and getattr(leistung, f) != imported[f]]


def legal_basis_items(*, leistung: Leistung) -> list[dict[str, str]]:
    """The legal basis as a list of ``{"label", "url"}`` (url may be empty), one per line of the field."""
    items = []
    for line in (leistung.legal_basis or "").splitlines():
        line = line.strip()
        if not line:
            continue
        match = _LEGAL_LINE.match(line)
        items.append({"label": match["label"], "url": match["url"]} if match else {"label": line, "url": ""})
    return items


@lru_cache(maxsize=1)
def _synonyms_from_file(path: str) -> dict[str, tuple[str, ...]]:
    result: dict[str, tuple[str, ...]] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            term = (row.get("term") or "").strip().lower()
            raw = (row.get("expansions") or "").lower()
            # "a b c": three words, any of which may match (a bag); "a b; c": the phrase "a b" or the word c.
            if ";" in raw:
                expansions = tuple(" ".join(p.split()) for p in raw.split(";") if p.strip())
            else:
                expansions = tuple(w for w in raw.split() if w)
            if term and expansions:
                result[term] = tuple(dict.fromkeys(result.get(term, ()) + expansions))
    return result


def synonyms_map() -> dict[str, list[str]]:
    """Citizen vocabulary → catalogue terms (lower case), from ``catalog/data/synonyms.csv``.

    Example: ``synonyms_map()["umzug"] == ["ummeldung", "wohnsitz", "anmeldung", "halteverbot", ...]``;
    an entry with several words is a phrase that should match as a whole
    (``synonyms_map()["bürgergeld"] == ["arbeitslosengeld ii", "grundsicherung für arbeitsuchende"]``).
    """
    return {term: list(exp) for term, exp in _synonyms_from_file(str(SYNONYMS_FILE)).items()}


def leistung_by_leika_key(*, leika_key: str) -> Leistung | None:
    """The Leistung with this LeiKa key (the oldest if several share it), or None."""
    return Leistung.objects.filter(leika_key=leika_key).order_by("pk").first()


def leistungen_online_statewide_reset() -> None:
    """Forget the cached state-wide online services (tests, bulk imports)."""
    _STATEWIDE.clear()
