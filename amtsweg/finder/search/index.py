"""Where the indexes come from and when they are rebuilt.

Each process keeps one Leistung index and one place index in memory. Before a search
uses one, it checks (at most every ``VERSION_CHECK_SECONDS``) a cheap version stamp of
the underlying tables and rebuilds when the stamp changed, so an editor's change shows
up within seconds without any signal wiring or cache server.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.db.models import Count, Max

from .leistungen import LeistungIndex
from .places import PlaceIndex

logger = logging.getLogger(__name__)

VERSION_CHECK_SECONDS = 3.0

# Used only when the catalogue's synonym file (catalog/data/synonyms.csv) cannot be read,
# so the finder still understands the most common citizen words.
FALLBACK_SYNONYMS: dict[str, list[str]] = {
    "umzug": ["wohnsitz", "anmeldung", "ummeldung", "abmeldung", "halteverbot"],
    "auto": ["kraftfahrzeug", "fahrzeug"],
    "kfz": ["kraftfahrzeug"],
    "kita": ["kindertagesbetreuung", "kindertageseinrichtung"],
    "ausweis": ["personalausweis", "reisepass"],
    "heirat": ["eheschliessung"],
    "hochzeit": ["eheschliessung"],
}

T = TypeVar("T")


def leistung_rows() -> list[dict]:
    """One dict per searchable Leistung (see ``LeistungIndex``), in one query."""
    from amtsweg.catalog.selectors import leistungen_for_index

    return list(leistungen_for_index())


def synonyms() -> dict[str, list[str]]:
    from amtsweg.catalog.selectors import synonyms_map

    try:
        return dict(synonyms_map())
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("Synonymliste nicht lesbar, verwende eingebaute Liste: %s", exc)
        return FALLBACK_SYNONYMS


def online_caches_reset() -> None:
    from amtsweg.catalog.online import online_offers_reset
    from amtsweg.catalog.selectors import leistungen_online_statewide_reset

    leistungen_online_statewide_reset()
    online_offers_reset()


def catalog_version() -> Hashable:
    from amtsweg.catalog.selectors import catalog_version as version

    return version()


def build_leistung_index() -> LeistungIndex:
    return LeistungIndex(leistung_rows(), synonyms())


def place_rows() -> tuple[list[dict], list[tuple[str, int, str]]]:
    """Current Gemeinden with their Kreis name, and their PLZ rows, in three queries."""
    from amtsweg.directory.models import PostalCode, Territory

    current = Territory.objects.filter(valid_until__isnull=True)
    kreis_by_ags = dict(current.filter(kind=Territory.Kind.KREIS).values_list("ags", "name"))
    gemeinden = list(
        current.filter(kind=Territory.Kind.GEMEINDE)
        .order_by("ars")
        .values("id", "ags", "ars", "name", "population", "postal_code", "kreis__name")
    )
    for row in gemeinden:
        # The denormalised kreis link is the source; the AGS prefix covers rows without it.
        row["kreis_name"] = row.pop("kreis__name") or kreis_by_ags.get((row["ags"] or "")[:5], "")
    postal = list(
        PostalCode.objects.filter(
            gemeinde__kind=Territory.Kind.GEMEINDE, gemeinde__valid_until__isnull=True
        ).values_list("code", "gemeinde_id", "place_name")
    )
    return gemeinden, postal


def directory_version() -> Hashable:
    """Changes when Gemeinden or PLZ rows are added, removed, merged or re-imported."""
    from amtsweg.directory.models import PostalCode, RegisterImport, Territory

    gemeinden = Territory.objects.filter(kind=Territory.Kind.GEMEINDE, valid_until__isnull=True).aggregate(
        n=Count("id"), last=Max("id")
    )
    postal = PostalCode.objects.aggregate(n=Count("id"), last=Max("id"))
    last_import = RegisterImport.objects.aggregate(last=Max("id"))["last"]
    return (gemeinden["n"], gemeinden["last"], postal["n"], postal["last"], last_import)


def build_place_index() -> PlaceIndex:
    gemeinden, postal = place_rows()
    return PlaceIndex(gemeinden, postal)


class CachedIndex(Generic[T]):
    """A per-process index, rebuilt when its version stamp changes."""

    def __init__(self, *, build: Callable[[], T], version: Callable[[], Hashable], label: str) -> None:
        self._build = build
        self._version = version
        self._label = label
        self._lock = threading.Lock()
        self._index: T | None = None
        self._built_version: Hashable = None
        self._checked_at = 0.0
        self.build_seconds = 0.0

    def get(self) -> T:
        index = self._index
        if index is not None and time.monotonic() - self._checked_at < VERSION_CHECK_SECONDS:
            return index
        with self._lock:
            if self._index is not None and time.monotonic() - self._checked_at < VERSION_CHECK_SECONDS:
                return self._index
            # Read the stamp before building: a change during the build triggers another rebuild.
            version = self._version()
            if self._index is None or version != self._built_version:
                started = time.perf_counter()
                self._index = self._build()
                self.build_seconds = time.perf_counter() - started
                self._built_version = version
                logger.info("Suchindex %s aufgebaut in %.2f s", self._label, self.build_seconds)
            self._checked_at = time.monotonic()
            return self._index

    def reset(self) -> None:
        with self._lock:
            self._index = None
            self._built_version = None
            self._checked_at = 0.0


leistungen = CachedIndex(build=build_leistung_index, version=catalog_version, label="Leistungen")
places = CachedIndex(build=build_place_index, version=directory_version, label="Orte")
