"""Reifegrad (OZG maturity) per Leistung and offering authority: model 1.1 (levels 0–4) and 2.0 (0–7).

Each criterion is a yes/no fact. Where the platform knows the fact it is *derived* (an assistant live on the
platform, login with the Servicekonto, Bescheid and status in the Postfach, structured handover through the
Integrationsdienst, uploads in the form, an xdomea route to a DMS/E-Akte); otherwise it is *declared*
(``ReifegradDeclaration``, per authority or for all) — for offers outside the platform everything except
"online application" and the Leistungsbeschreibung is declared. Unknown counts as not fulfilled.

Levels: every criterion is required from a level on (``REQUIRED_11`` / ``REQUIRED_20``). A criterion that
is fulfilled allows the top level, one that is not allows the level below the one that requires it; the
overall level is the lowest of them ("das Kriterium mit der niedrigsten Stufe bestimmt die Gesamtbewertung").
Our reading of the criteria is documented in docs/standards/rollout.md; 2.0's levels 4–7 (process and data
orientation, end to end) are mapped onto the facts the platform has and otherwise declared.

Figures per Leistung: *online verfügbar* (1.1 ≥ 2), *OZG-konform* (1.1 ≥ 3), *Ende-zu-Ende digital*
(2.0 = 7), counted over the authorities offering it on the date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from amtsweg.catalog.models import Leistung
from amtsweg.hub.selectors import routes_for

from . import coverage
from .models import REIFEGRAD_CRITERIA, ReifegradDeclaration

CRITERIA = REIFEGRAD_CRITERIA
REQUIRED_11 = {
    "information": 1,
    "online_antrag": 2,
    "nutzerkonto": 3,
    "nachweise_digital": 3,
    "bezahlung_online": 3,
    "bescheid_digital": 3,
    "once_only": 4,
}
REQUIRED_20 = {
    "information": 1,
    "online_antrag": 2,
    "nutzerkonto": 3,
    "nachweise_digital": 3,
    "bezahlung_online": 3,
    "bescheid_digital": 3,
    "datenuebergabe": 4,
    "statusinformation": 5,
    "once_only": 6,
    "e_akte": 7,
    "ende_zu_ende": 7,
}


def level(facts: dict[str, bool], required: dict[str, int]) -> int:
    top = max(required.values())
    return min((top if facts.get(key) else need - 1) for key, need in required.items())


@dataclass(frozen=True)
class Assessment:
    authority_id: int
    authority_name: str
    platform: bool
    facts: dict[str, bool]
    derived: frozenset[str]  # criteria the platform knows itself
    level_11: int
    level_20: int

    @property
    def online(self) -> bool:
        return self.level_11 >= 2

    @property
    def ozg_konform(self) -> bool:
        return self.level_11 >= 3

    @property
    def ende_zu_ende(self) -> bool:
        return self.level_20 == 7


@dataclass(frozen=True)
class Summary:
    leistung_id: int
    stichtag: date
    behoerden: int
    online: int
    ozg_konform: int
    ende_zu_ende: int
    assessments: list[Assessment]


def _platform_facts(leistung: Leistung, authority) -> dict[str, bool]:
    types = {route.target.type_key for route in routes_for(authority=authority, leistung=leistung)}
    return {
        "online_antrag": True,
        "nutzerkonto": True,  # every assistant offers the Servicekonto login (and prefill)
        # The assistant takes every evidence it asks for as an upload (checked by content).
        "nachweise_digital": True,
        "bescheid_digital": True,  # the Bescheid (inbox or return channel) lands in the Postfach
        "datenuebergabe": True,  # the Integrationsdienst hands over structured data (XML/JSON)
        "statusinformation": True,  # status events of the Vorgang in "Meine Anträge"
        "e_akte": "xdomea" in types,  # routed to a DMS/E-Akte as xdomea
    }


def assess(*, leistung: Leistung, stichtag: date) -> Summary:
    """Assessment of every authority offering ``leistung`` on ``stichtag``."""
    index = coverage.current()
    result = coverage.coverage_for(leistung=leistung, stichtag=stichtag, index=index)
    events = coverage.live_events(leistung_id=leistung.pk, stichtag=stichtag, index=index)
    platform = {e.authority_id: e.definition_id for e in events if e.definition_id is not None}
    declared_all: dict[str, bool] = {}
    declared: dict[int, dict[str, bool]] = {}
    for d in ReifegradDeclaration.objects.filter(leistung=leistung):
        if d.authority_id is None:
            declared_all[d.criterion] = d.fulfilled
        else:
            declared.setdefault(d.authority_id, {})[d.criterion] = d.fulfilled
    snap = index.snap
    has_description = bool((leistung.description or "").strip())
    assessments = []
    for authority_id in sorted(result.offering, key=lambda pk: snap.authorities[pk].name):
        derived = {"information": has_description, "online_antrag": True}
        if authority_id in platform:
            derived.update(_platform_facts(leistung, snap.authorities[authority_id]))
        facts = {**declared_all, **declared.get(authority_id, {})}
        # Derived facts win over declarations where they are positive; a missing derivation leaves the
        # declaration (e.g. an E-Akte the platform does not see).
        for key, value in derived.items():
            if value or key not in facts:
                facts[key] = value
        assessments.append(
            Assessment(
                authority_id=authority_id,
                authority_name=snap.authorities[authority_id].name,
                platform=authority_id in platform,
                facts=facts,
                derived=frozenset(k for k, v in derived.items() if v),
                level_11=level(facts, REQUIRED_11),
                level_20=level(facts, REQUIRED_20),
            )
        )
    return Summary(
        leistung_id=leistung.pk,
        stichtag=stichtag,
        behoerden=len(assessments),
        online=sum(a.online for a in assessments),
        ozg_konform=sum(a.ozg_konform for a in assessments),
        ende_zu_ende=sum(a.ende_zu_ende for a in assessments),
        assessments=assessments,
    )
