"""A per-process, in-memory snapshot of the reference data every Zuständigkeit answer reads.

Territories (current and historical), authorities with the Gemeinden they serve, and the overrides
change only on import or when an editor changes them, yet a Zuständigkeit answer used to compile
about eight ORM queries over them. Each process now loads them once (four queries) and checks on
every use one cheap stamp (a single SQL statement): the version token that every write service and
the admin bump (``directory.services.reference_version_bump``) plus count and highest id of each
table, which also catches rows created or deleted directly. Any difference rebuilds the snapshot, so
several gunicorn workers and admin edits stay consistent without a signal or a cache server.

The model instances in the snapshot are shared between requests and threads: read them, never
modify or save them.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field

from django.db import connection

from amtsweg.directory.models import Authority, ReferenceVersion, Territory

from .models import Override

_MAX_HOPS = 20


def _link(obj, name: str, target) -> None:
    """Set a loaded foreign key target, as select_related would, so reading it costs no query."""
    obj._state.fields_cache[name] = target


@dataclass
class Snapshot:
    territories: dict[int, Territory]
    authorities: dict[int, Authority]
    serving: dict[int, list[Authority]]  # territory pk → active authorities serving it (hand-edited first)
    members: dict[int, list[Territory]]  # authority pk → current territories it serves, by ARS
    overrides: dict[tuple[int, int], Override]  # (leistung pk, territory pk) → override
    by_ags: dict[str, Territory]  # Gemeinde AGS → row (current first, else the most recently ended)
    predecessors: dict[int, list[Territory]]
    _served_refs: dict[int, list[dict]] = field(default_factory=dict)
    stamp: Hashable = None  # the stamp this snapshot was loaded under (a key for what is rendered from it)

    def current_of(self, territory_pk: int) -> Territory:
        """The unit that stands for a territory today (end of its successor chain)."""
        territory = self.territories[territory_pk]
        seen = {territory.pk}
        for _ in range(_MAX_HOPS):
            if territory.valid_until is None or territory.successor_id is None:
                return territory
            nxt = self.territories.get(territory.successor_id)
            if nxt is None or nxt.pk in seen:
                return territory
            seen.add(nxt.pk)
            territory = nxt
        return territory

    def authority_for_gemeinde(self, gemeinde: Territory, *, level: str) -> Authority | None:
        """Same rule as ``directory.selectors.authority_for_gemeinde``, from memory."""
        flag = "acts_for_gemeinde" if level == "gemeinde" else "acts_for_kreis"
        direct = [a for a in self.serving.get(gemeinde.pk, ()) if getattr(a, flag)]
        if direct:
            return direct[0]
        via_predecessor = [
            a for p in self.predecessors.get(gemeinde.pk, ()) for a in self.serving.get(p.pk, ()) if getattr(a, flag)
        ]
        return min(via_predecessor, key=lambda a: (a.generated, a.pk)) if via_predecessor else None

    def served_refs(self, authority: Authority, build) -> list[dict]:
        refs = self._served_refs.get(authority.pk)
        if refs is None:
            refs = build(authority, self.members.get(authority.pk, []))
            self._served_refs[authority.pk] = refs
        return refs


def _stamp() -> Hashable:
    """One statement: the version token and count/highest id of every table the snapshot holds."""
    tables = [
        Territory._meta.db_table,
        Authority._meta.db_table,
        Authority.serves.through._meta.db_table,
        Override._meta.db_table,
    ]
    # Table names come from the models' own metadata, quoted by the backend; no user input is involved.
    qn = connection.ops.quote_name
    parts = [f"(SELECT token FROM {qn(ReferenceVersion._meta.db_table)} WHERE id = 1)"]  # noqa: S608
    for table in tables:
        parts += [f"(SELECT COUNT(*) FROM {qn(table)})", f"(SELECT MAX(id) FROM {qn(table)})"]  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(cursor.fetchone())


def _build() -> Snapshot:
    territories = {t.pk: t for t in Territory.objects.all()}
    for t in territories.values():
        for name in ("parent", "kreis", "successor"):
            target_id = getattr(t, f"{name}_id")
            if target_id is not None and target_id in territories:
                _link(t, name, territories[target_id])
    authorities = {a.pk: a for a in Authority.objects.all()}
    for a in authorities.values():
        _link(a, "territory", territories[a.territory_id])
    serving: dict[int, list[Authority]] = defaultdict(list)
    members: dict[int, list[Territory]] = defaultdict(list)
    for authority_id, territory_id in Authority.serves.through.objects.values_list("authority_id", "territory_id"):
        authority, territory = authorities[authority_id], territories[territory_id]
        if authority.active:
            serving[territory_id].append(authority)
        if territory.valid_until is None:
            members[authority_id].append(territory)
    for served in serving.values():
        served.sort(key=lambda a: (a.generated, a.pk))
    for listed in members.values():
        listed.sort(key=lambda t: t.ars)
    overrides = {}
    for o in Override.objects.all():
        _link(o, "authority", authorities[o.authority_id])
        _link(o, "territory", territories[o.territory_id])
        overrides[(o.leistung_id, o.territory_id)] = o
    by_ags: dict[str, Territory] = {}
    predecessors: dict[int, list[Territory]] = defaultdict(list)
    for t in territories.values():
        if t.successor_id is not None:
            predecessors[t.successor_id].append(t)
        if t.kind != Territory.Kind.GEMEINDE or not t.ags:
            continue
        known = by_ags.get(t.ags)
        if known is None or _ags_rank(t) < _ags_rank(known):
            by_ags[t.ags] = t
    return Snapshot(
        territories=territories,
        authorities=authorities,
        serving=dict(serving),
        members=dict(members),
        overrides=overrides,
        by_ags=by_ags,
        predecessors=dict(predecessors),
    )


def _ags_rank(t: Territory) -> tuple:
    # Current row first; of historical ones the most recently ended (as directory.selectors.gemeinde_by_ags).
    return (t.valid_until is not None, -(t.valid_until.toordinal() if t.valid_until else 0), t.pk)


class _Holder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._stamp: Hashable = None
        self.builds = 0  # for tests and logs: how often this process loaded the data

    def get(self) -> Snapshot:
        return self.get_stamped()[0]

    def get_stamped(self) -> tuple[Snapshot, Hashable]:
        stamp = _stamp()
        snapshot = self._snapshot
        if snapshot is not None and stamp == self._stamp:
            return snapshot, stamp
        with self._lock:
            if self._snapshot is None or stamp != self._stamp:
                # The stamp was read before the load: a change during the load triggers another one.
                self._snapshot = _build()
                self._snapshot.stamp = stamp
                self._stamp = stamp
                self.builds += 1
            return self._snapshot, self._stamp


_holder = _Holder()


def snapshot() -> Snapshot:
    """The current snapshot of this process (reloaded when the reference data changed)."""
    return _holder.get()


def snapshot_stamp() -> Hashable:
    """The stamp of the current reference data (checked now): part of the key of anything rendered from it.

    Equal stamps mean equal data in every process, so a page fragment cached under it can never be stale.
    """
    return _holder.get_stamped()[1]


def snapshot_builds() -> int:
    return _holder.builds
