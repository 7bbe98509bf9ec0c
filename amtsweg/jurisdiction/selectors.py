"""Zuständigkeit: which authority handles a Leistung for a Gemeinde, and why.

The default comes from the Leistung's execution level (Gemeinde → the Gemeinde's
administration, taking Verwaltungsgemeinschaften and -verbände into account;
Kreis → Landratsamt or kreisfreie Stadt). Explicit ``Override`` rows win; the most
specific territory (Gemeinde before Gemeindeverband before Kreis) is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.utils.translation import gettext, gettext_lazy

from amtsweg.catalog.models import ExecutionLevel, Leistung
from amtsweg.directory.models import Authority, Territory
from amtsweg.directory.services import short_name

from .snapshot import Snapshot, snapshot, snapshot_stamp


class Status:
    """How far the Zuständigkeit could be determined (the API's ``status``)."""

    RESOLVED = "resolved"  # one responsible authority
    UNKNOWN_LEVEL = "unknown_level"  # level not recorded: ``candidates`` names Gemeinde and Landratsamt
    NOT_MUNICIPAL = "not_municipal"  # Land or Bund, no authority of the Kommune
    NO_AUTHORITY = "no_authority"  # level known, but no authority recorded for the place

    CHOICES = (
        (RESOLVED, "zuständige Stelle ermittelt"),
        (UNKNOWN_LEVEL, "Verwaltungsebene noch nicht erfasst – mögliche Stellen genannt"),
        (NOT_MUNICIPAL, "Landes- oder Bundesaufgabe"),
        (NO_AUTHORITY, "keine zuständige Stelle erfasst"),
    )


@dataclass(frozen=True)
class Resolution:
    gemeinde: Territory
    level: str
    authority: Authority | None
    explanation: str
    override: bool = False
    status: str = Status.RESOLVED
    # For an unknown level: the authorities that may be responsible (Gemeinde level first), never a guess.
    candidates: tuple[Authority, ...] = ()
    # The snapshot the answer was read from, so the served territories come from the same data.
    snap: Snapshot | None = field(default=None, repr=False, compare=False)

    @cached_property
    def served_territories(self) -> list[dict]:
        """AGS/ARS of what the authority serves; computed on first use (submissions don't need it)."""
        if self.authority is None:
            return []
        snap = self.snap or snapshot()
        return snap.served_refs(snap.authorities.get(self.authority.pk, self.authority), _served_refs_build)

    @property
    def gemeinden_listed(self) -> bool:
        """False for a Landratsamt: its Kreis (by AGS/ARS) stands for all its Gemeinden, so
        ``served_territories_brief`` does not list them one by one."""
        return self.authority is None or self.authority.kind != Authority.Kind.LANDRATSAMT

    @property
    def served_territories_brief(self) -> list[dict]:
        """``served_territories`` without the Gemeinden of a whole Landkreis (its first entry, the Kreis,
        covers them: every Gemeinde's ARS starts with the Kreis's); complete for everyone else."""
        if self.gemeinden_listed:
            return self.served_territories
        return self.served_territories[:1]


def _territory_ref(territory: Territory) -> dict:
    return {"kind": territory.kind, "name": territory.name, "ags": territory.ags, "ars": territory.ars}


def served_territories(*, authority: Authority) -> list[dict]:
    """The unit the authority belongs to, the Gemeindeverband it works for, then every current
    Gemeinde it serves (ordered by ARS) — the identifiers other systems route by."""
    snap = snapshot()
    known = snap.authorities.get(authority.pk, authority)
    return snap.served_refs(known, _served_refs_build)


def _served_refs_build(authority: Authority, members: list[Territory]) -> list[dict]:
    units = [authority.territory]
    if authority.kind == Authority.Kind.VERWALTUNGSGEMEINSCHAFT:
        # The erfüllende Gemeinde acts for the whole Verwaltungsgemeinschaft: name the Verband too.
        units.extend(
            {
                m.parent_id: m.parent for m in members if m.parent and m.parent.kind == Territory.Kind.GEMEINDEVERBAND
            }.values()
        )
    refs = [_territory_ref(unit) for unit in units]
    seen = {unit.pk for unit in units}
    refs.extend(_territory_ref(t) for t in members if t.pk not in seen)
    return refs


def _ancestors(gemeinde: Territory) -> list[Territory]:
    """The Gemeinde, its Gemeindeverband and its Kreis: most specific first."""
    chain = [gemeinde]
    parent = gemeinde.parent
    while parent is not None and parent.kind in {Territory.Kind.GEMEINDEVERBAND, Territory.Kind.KREIS}:
        chain.append(parent)
        parent = parent.parent
    return chain


def _default_explanation(*, leistung: Leistung, gemeinde: Territory, authority: Authority, level: str) -> str:
    name = short_name(gemeinde.name)
    if authority.kind == Authority.Kind.KREISFREIE_STADT:
        return gettext(
            "{name} ist eine kreisfreie Stadt und nimmt Gemeinde- und Kreisaufgaben selbst wahr; "
            "„{leistung}“ erledigt deshalb die Stadtverwaltung."
        ).format(name=name, leistung=leistung.name)
    if level == ExecutionLevel.KREIS:
        kreis = short_name(gemeinde.kreis.name) if gemeinde.kreis_id else gettext("dem Landkreis")
        return gettext(
            "„{leistung}“ wird von den Landkreisen vollzogen. {name} gehört zum Landkreis {kreis}; "
            "zuständig ist dessen Landratsamt."
        ).format(leistung=leistung.name, name=name, kreis=kreis)
    if authority.kind == Authority.Kind.VERWALTUNGSGEMEINSCHAFT and authority.territory_id == gemeinde.pk:
        return gettext(
            "„{leistung}“ wird von den Gemeinden vollzogen. {name} ist erfüllende Gemeinde einer "
            "Verwaltungsgemeinschaft und erledigt diese Aufgabe selbst, auch für die Mitgliedsgemeinden."
        ).format(leistung=leistung.name, name=name)
    if authority.kind == Authority.Kind.VERWALTUNGSGEMEINSCHAFT:
        return gettext(
            "„{leistung}“ wird von den Gemeinden vollzogen. {name} gehört zu einer "
            "Verwaltungsgemeinschaft; deren Aufgaben erledigt die erfüllende Gemeinde ({authority})."
        ).format(leistung=leistung.name, name=name, authority=authority.name)
    if authority.kind == Authority.Kind.VERWALTUNGSVERBAND:
        return gettext(
            "„{leistung}“ wird von den Gemeinden vollzogen. {name} gehört zum {authority}, "
            "der diese Aufgabe für seine Mitgliedsgemeinden wahrnimmt."
        ).format(leistung=leistung.name, name=name, authority=authority.name)
    return gettext("„{leistung}“ wird von den Gemeinden vollzogen; zuständig ist die Verwaltung von {name}.").format(
        leistung=leistung.name, name=name
    )


_NO_AUTHORITY = {
    ExecutionLevel.LAND: gettext_lazy(
        "„{name}“ wird vom Freistaat Sachsen (Landesebene) vollzogen, nicht von der Kommune."
    ),
    ExecutionLevel.BUND: gettext_lazy("„{name}“ wird von einer Bundesbehörde vollzogen, nicht von der Kommune."),
}


def _unknown_level(*, leistung: Leistung, gemeinde: Territory) -> Resolution:
    """Level not recorded: name both possible authorities instead of guessing one."""
    snap = snapshot()
    found = [snap.authority_for_gemeinde(gemeinde, level=lv) for lv in ("gemeinde", "kreis")]
    candidates: list[Authority] = []
    for authority in found:
        if authority is not None and all(authority.pk != c.pk for c in candidates):
            candidates.append(authority)
    name = short_name(gemeinde.name)
    text = gettext("Für „{leistung}“ ist noch nicht erfasst, ob die Gemeinde oder der Landkreis sie erledigt.").format(
        leistung=leistung.name
    )
    if len(candidates) == 1 and candidates[0].kind == Authority.Kind.KREISFREIE_STADT:
        text += " " + gettext(
            "{name} ist eine kreisfreie Stadt und nimmt Gemeinde- und Kreisaufgaben selbst wahr; fragen Sie bitte "
            "bei {authority} nach. Ist es eine Aufgabe des Landes oder des Bundes, nennt man Ihnen dort "
            "die zuständige Stelle."
        ).format(name=name, authority=candidates[0].name)
    elif candidates:
        text += " " + gettext(
            "In Frage kommen {candidates}. Bitte fragen Sie bei einer der beiden Stellen nach; "
            "sie nennt Ihnen die zuständige Stelle."
        ).format(candidates=(" " + gettext("und") + " ").join(c.name for c in candidates))
    else:
        text += " " + gettext("Für {name} ist keine Stelle erfasst, bei der Sie nachfragen könnten.").format(name=name)
    return Resolution(
        gemeinde=gemeinde,
        level=ExecutionLevel.UNBEKANNT,
        authority=None,
        explanation=text,
        status=Status.UNKNOWN_LEVEL,
        candidates=tuple(candidates),
    )


def gemeinde_by_ags(*, ags: str, snap: Snapshot | None = None) -> Territory | None:
    """Today's Gemeinde for an AGS, following successor links (from the snapshot; same rule as
    ``directory.selectors.gemeinde_by_ags``). ``snap``: one the caller checked in this request (saves the
    stamp statement when the same request resolves the Zuständigkeit next)."""
    ags = (ags or "").strip()
    if len(ags) != 8 or not ags.isdigit():
        return None
    snap = snap or snapshot()
    row = snap.by_ags.get(ags)
    return snap.current_of(row.pk) if row is not None else None


def responsible_authority(*, leistung: Leistung, gemeinde: Territory, snap: Snapshot | None = None) -> Resolution:
    """Resolve (Leistung, Gemeinde) to the responsible authority with an explanation.

    Reads territories, authorities and overrides from the process's snapshot (``snapshot.py``); ``snap``: one
    the caller checked in this request.
    """
    snap = snap or snapshot()
    if gemeinde.pk in snap.territories:
        gemeinde = snap.current_of(gemeinde.pk)
    level = leistung.execution_level
    for unit in _ancestors(gemeinde):
        override = snap.overrides.get((leistung.pk, unit.pk))
        if override is not None:
            explanation = gettext("Abweichend von der Regel ist für {name} {authority} zuständig: {reason}.").format(
                name=short_name(gemeinde.name), authority=override.authority.name, reason=override.get_reason_display()
            )
            if override.note:
                explanation += f" {override.note}"
            return Resolution(
                gemeinde=gemeinde,
                level=level,
                authority=override.authority,
                explanation=explanation,
                override=True,
                snap=snap,
            )

    if level in _NO_AUTHORITY:
        text = str(_NO_AUTHORITY[level]).format(name=leistung.name)
        return Resolution(gemeinde=gemeinde, level=level, authority=None, explanation=text, status=Status.NOT_MUNICIPAL)
    if level not in (ExecutionLevel.GEMEINDE, ExecutionLevel.KREIS):
        return _unknown_level(leistung=leistung, gemeinde=gemeinde)

    authority = snap.authority_for_gemeinde(gemeinde, level=level)
    if authority is None:
        return Resolution(
            gemeinde=gemeinde,
            level=level,
            authority=None,
            explanation=gettext("Für {name} ist keine zuständige Stelle erfasst.").format(
                name=short_name(gemeinde.name)
            ),
            status=Status.NO_AUTHORITY,
        )
    return Resolution(
        gemeinde=gemeinde,
        level=level,
        authority=authority,
        explanation=_default_explanation(leistung=leistung, gemeinde=gemeinde, authority=authority, level=level),
        snap=snap,
    )


def reference_snapshot() -> Snapshot:
    """The reference data as of now (one statement), to pass to several look-ups of one request."""
    return snapshot()


def reference_stamp():
    """A value that changes whenever the reference data a Zuständigkeit is read from changes (ADR 0018).

    For keys of things rendered from that data (the Leistung page's fragments, ADR 0027); checked now.
    """
    return snapshot_stamp()
