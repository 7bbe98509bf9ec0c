"""The in-memory index behind ``coverage.py``: adoption events, the per-Gemeinde Zuständigkeit per
Leistung and its date-independent aggregates, kept per (reference snapshot, adoption stamp).

The adoption stamp is one SQL statement over everything coverage reads besides the reference snapshot
(counts, highest ids and change times); together with the snapshot's own stamp (ADR 0018) it is checked on
every ``current()``, so every answer is exact after any change, in every process, without signals.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.utils import timezone

from amtsweg.assistant.models import Activation, ActivationPeriod
from amtsweg.assistant.selectors import activation_periods
from amtsweg.catalog.models import ExecutionLevel, Leistung
from amtsweg.directory.models import Territory
from amtsweg.forms.models import FormDefinition
from amtsweg.jurisdiction.snapshot import Snapshot, snapshot

from .models import AdoptionRecord

SACHSEN = "14"


@dataclass(frozen=True)
class _Event:
    leistung_id: int
    authority_id: int
    since: date
    end: date | None  # first day NOT offered
    definition_id: int | None = None  # the platform's assistant; None for an imported record


@dataclass
class _Static:
    """What a responsible map gives independent of the date (shared by every Leistung with the same map —
    all Leistungen of one level without overrides): who is responsible where, and whom each one serves."""

    land_auth: frozenset[int]
    land_pop: int
    kreis_auth: dict[int, frozenset[int]]  # Kreis pk → responsible authorities
    kreis_pop: dict[int, int]
    served: dict[int, dict[int, int]]  # authority → {Kreis pk: population it serves there}
    gemeinden_of: dict[int, list[int]]  # authority → Gemeinde pks it is responsible for


@dataclass
class _Index:
    """Everything derived for one (reference snapshot, adoption stamp)."""

    snap: Snapshot
    events: dict[int, list[_Event]]
    first_since: dict[int, date]
    levels: dict[int, str]
    gemeinden: list[Territory]
    kreise: list[Territory]
    land: Territory | None
    _base: dict[str, dict[int, int | None]] = field(default_factory=dict)
    _overrides: dict[int, dict[int, int]] | None = None
    _resp: dict[int, dict[int, int | None]] = field(default_factory=dict)
    _static: dict[int, _Static] = field(default_factory=dict)  # id(responsible map) → its aggregates
    _groups: dict[int, str] = field(default_factory=dict)  # for selectors: Kurzstatus group per Leistung
    _dates: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _localdate(value) -> date:
    return timezone.localdate(value) if timezone.is_aware(value) else value.date()


def _load_events() -> tuple[dict[int, list[_Event]], dict[int, date]]:
    events: dict[int, list[_Event]] = defaultdict(list)
    for period in activation_periods():
        leistung_id = period.activation.definition.leistung_id
        if leistung_id is None:
            continue
        # Live "on a date" means live at the end of that day: a withdrawal during the day ends it that day.
        events[leistung_id].append(
            _Event(
                leistung_id,
                period.activation.authority_id,
                _localdate(period.since),
                _localdate(period.until) if period.until else None,
                period.activation.definition_id,
            )
        )
    for rec in AdoptionRecord.objects.values_list("leistung_id", "authority_id", "since", "until"):
        leistung_id, authority_id, since, until = rec
        events[leistung_id].append(
            _Event(leistung_id, authority_id, since, until + timedelta(days=1) if until else None)
        )
    first = {lid: min(e.since for e in evs) for lid, evs in events.items()}
    return dict(events), first


def _adoption_stamp() -> Hashable:
    """One statement over everything coverage reads besides the reference snapshot."""
    qn = connection.ops.quote_name
    period = qn(ActivationPeriod._meta.db_table)
    record = qn(AdoptionRecord._meta.db_table)
    activation = qn(Activation._meta.db_table)
    leistung = qn(Leistung._meta.db_table)
    definition = qn(FormDefinition._meta.db_table)
    # Table names come from the models' metadata, quoted by the backend; no user input is involved.
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {period}), (SELECT MAX(id) FROM {period}), "  # noqa: S608
        f"(SELECT COUNT(until) FROM {period}), (SELECT MAX(until) FROM {period}), "
        f"(SELECT COUNT(*) FROM {record}), (SELECT MAX(id) FROM {record}), (SELECT MAX(updated_at) FROM {record}), "
        f"(SELECT MAX(id) FROM {activation}), (SELECT MAX(updated_at) FROM {leistung}), "
        f"(SELECT MAX(updated_at) FROM {definition})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(str(v) for v in cursor.fetchone())


def _build(snap: Snapshot) -> _Index:
    events, first = _load_events()
    gemeinden = sorted(
        (t for t in snap.territories.values() if t.kind == Territory.Kind.GEMEINDE and t.valid_until is None),
        key=lambda t: t.ars,
    )
    kreise = sorted(
        (t for t in snap.territories.values() if t.kind == Territory.Kind.KREIS and t.valid_until is None),
        key=lambda t: t.ars,
    )
    land = next(
        (
            t
            for t in snap.territories.values()
            if t.kind == Territory.Kind.LAND and t.valid_until is None and t.ars == SACHSEN
        ),
        None,
    )
    rows = Leistung.objects.filter(execution_level__in=[ExecutionLevel.GEMEINDE, ExecutionLevel.KREIS])
    levels = dict(rows.values_list("pk", "execution_level"))
    # Leistungen with adoption but another level (overrides may still name an authority) are computed too.
    for pk, level in Leistung.objects.filter(pk__in=list(events)).values_list("pk", "execution_level"):
        levels[pk] = level
    return _Index(
        snap=snap,
        events=events,
        first_since=first,
        levels=levels,
        gemeinden=gemeinden,
        kreise=kreise,
        land=land,
    )


class _Holder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: _Index | None = None
        self._key: tuple | None = None
        self.builds = 0

    def get(self) -> _Index:
        snap = snapshot()
        key = (id(snap), _adoption_stamp())
        index = self._index
        if index is not None and self._key == key and index.snap is snap:
            return index
        with self._lock:
            if self._index is None or self._key != key or self._index.snap is not snap:
                self._index = _build(snap)
                self._key = key
                self.builds += 1
            return self._index


_holder = _Holder()


def index_builds() -> int:
    """How often this process rebuilt the adoption index (tests and benchmarks)."""
    return _holder.builds


# --- Zuständigkeit per Gemeinde, as jurisdiction.selectors.responsible_authority answers it -----------


def _chain(gemeinde: Territory) -> list[Territory]:
    chain = [gemeinde]
    parent = gemeinde.parent
    while parent is not None and parent.kind in {Territory.Kind.GEMEINDEVERBAND, Territory.Kind.KREIS}:
        chain.append(parent)
        parent = parent.parent
    return chain


def _base(index: _Index, level: str) -> dict[int, int | None]:
    found = index._base.get(level)
    if found is None:
        found = {}
        for g in index.gemeinden:
            if level in (ExecutionLevel.GEMEINDE, ExecutionLevel.KREIS):
                authority = index.snap.authority_for_gemeinde(g, level=level)
                found[g.pk] = authority.pk if authority else None
            else:
                found[g.pk] = None
        index._base[level] = found
    return found


def _overrides_for(index: _Index, leistung_id: int) -> dict[int, int]:
    if index._overrides is None:
        by_leistung: dict[int, dict[int, int]] = defaultdict(dict)
        for (lid, territory_id), override in index.snap.overrides.items():
            by_leistung[lid][territory_id] = override.authority_id
        index._overrides = dict(by_leistung)
    return index._overrides.get(leistung_id, {})


def responsible_map(index: _Index, leistung_id: int) -> dict[int, int | None]:
    """Gemeinde pk → responsible authority pk (None where no authority of a Kommune is responsible)."""
    resp = index._resp.get(leistung_id)
    if resp is not None:
        return resp
    base = _base(index, index.levels.get(leistung_id, ""))
    overrides = _overrides_for(index, leistung_id)
    if not overrides:
        resp = base
    else:
        resp = {}
        for g in index.gemeinden:
            chosen = base[g.pk]
            for unit in _chain(g):
                if unit.pk in overrides:
                    chosen = overrides[unit.pk]
                    break
            resp[g.pk] = chosen
    index._resp[leistung_id] = resp
    return resp


def _static_for(index: _Index, resp: dict[int, int | None]) -> _Static:
    found = index._static.get(id(resp))
    if found is not None:
        return found
    kreis_auth: dict[int, set[int]] = defaultdict(set)
    kreis_pop: dict[int, int] = defaultdict(int)
    served: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    gemeinden_of: dict[int, list[int]] = defaultdict(list)
    for g in index.gemeinden:
        authority_id, kreis_id = resp[g.pk], g.kreis_id
        # Every Gemeinde lies in a Kreis (GV100AD; a kreisfreie Stadt is its own).
        if authority_id is None or kreis_id is None:
            continue
        population = g.population or 0
        kreis_auth[kreis_id].add(authority_id)
        kreis_pop[kreis_id] += population
        served[authority_id][kreis_id] += population
        gemeinden_of[authority_id].append(g.pk)
    found = _Static(
        land_auth=frozenset(served),
        land_pop=sum(kreis_pop.values()),
        kreis_auth={k: frozenset(v) for k, v in kreis_auth.items()},
        kreis_pop=dict(kreis_pop),
        served={a: dict(v) for a, v in served.items()},
        gemeinden_of=dict(gemeinden_of),
    )
    index._static[id(resp)] = found  # the map lives as long as the index (kept in _base/_resp)
    return found


def current() -> _Index:
    """The index for this moment (two stamp statements). Pass it to the functions below to answer a
    whole request from one consistent state without checking the stamps again for every Leistung."""
    return _holder.get()
