"""Shared service: hand a Leistung for one's territory to another authority, which accepts or declines.

Accepting writes the Zuständigkeit override through ``jurisdiction.services.override_set`` (which bumps the
reference version, so every process rebuilds its jurisdiction snapshot); ending removes it again. Each step
is audited. Reads and writes in one module: it is one small workflow beside the set-up's."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from amtsweg.audit.services import audit_record
from amtsweg.catalog.models import ExecutionLevel, Leistung
from amtsweg.common import clock
from amtsweg.directory.models import Authority, Territory
from amtsweg.jurisdiction.models import Override
from amtsweg.jurisdiction.services import override_delete, override_set
from amtsweg.konfig.models import Handover
from amtsweg.konfig.selectors import authorities_administered

Status = Handover.Status
_TERRITORY_KINDS = (Territory.Kind.GEMEINDE, Territory.Kind.GEMEINDEVERBAND, Territory.Kind.KREIS)


def _level_flag(leistung: Leistung) -> str | None:
    flags: dict[str, str] = {ExecutionLevel.GEMEINDE: "acts_for_gemeinde", ExecutionLevel.KREIS: "acts_for_kreis"}
    return flags.get(leistung.execution_level)


def handover_candidates(*, authority: Authority, leistung: Leistung) -> QuerySet[Authority]:
    """Authorities that could take the Leistung over: same execution level, for Gemeinde work in the same Kreis."""
    flag = _level_flag(leistung)
    if flag is None:
        return Authority.objects.none()
    candidates = Authority.objects.filter(**{flag: True}).exclude(pk=authority.pk).select_related("territory")
    if flag == "acts_for_gemeinde":
        candidates = candidates.filter(territory__ars__startswith=authority.territory.ars[:5])
    return candidates.order_by("name")


def handovers_of(*, authority: Authority) -> QuerySet[Handover]:
    return (
        Handover.objects.filter(Q(from_authority=authority) | Q(to_authority=authority))
        .select_related("leistung", "from_authority", "to_authority", "territory")
        .order_by("-offered_at")
    )


def handover_for_admin(*, user, pk: int) -> Handover | None:
    """A handover one of whose sides the user administers; None otherwise (the view: 404)."""
    mine = authorities_administered(user)
    return (
        Handover.objects.filter(pk=pk)
        .filter(Q(from_authority__in=mine) | Q(to_authority__in=mine))
        .select_related("leistung", "from_authority", "to_authority", "territory")
        .first()
    )


def _audit(handover: Handover, user) -> None:
    audit_record(
        event="konfig_uebertragung",
        actor=f"user:{user.pk}" if user is not None else "system",
        detail={
            "authority_key": handover.from_authority.key,
            "leika_key": handover.leistung.leika_key,
            "status": handover.status,
            "target": handover.to_authority.key,
        },
    )


@transaction.atomic
def handover_offer(*, authority: Authority, leistung: Leistung, to_authority: Authority, user=None) -> Handover:
    """Offer ``leistung`` for ``authority``'s territory to ``to_authority`` (German ``ValidationError``)."""
    territory = authority.territory
    if territory.kind not in _TERRITORY_KINDS or territory.valid_until is not None:
        raise ValidationError(f"Für das Gebiet von {authority.name} ist keine Übertragung möglich.")
    flag = _level_flag(leistung)
    if flag is None or not getattr(authority, flag):
        raise ValidationError(f"{authority.name} führt „{leistung.name}“ nicht selbst aus.")
    if not handover_candidates(authority=authority, leistung=leistung).filter(pk=to_authority.pk).exists():
        raise ValidationError(f"{to_authority.name} kann „{leistung.name}“ nicht übernehmen.")
    if Handover.objects.filter(
        leistung=leistung, territory=territory, status__in=[Status.OFFERED, Status.ACCEPTED]
    ).exists():
        raise ValidationError("Für diese Leistung besteht bereits ein Angebot oder eine Übertragung.")
    handover = Handover.objects.create(
        leistung=leistung,
        from_authority=authority,
        to_authority=to_authority,
        territory=territory,
        offered_by=user,
        offered_at=clock.now(),
    )
    _audit(handover, user)
    return handover


def _decide(handover: Handover, *, status: str, user) -> Handover:
    handover.status, handover.decided_by, handover.decided_at = status, user, clock.now()
    handover.save(update_fields=["status", "decided_by", "decided_at"])
    _audit(handover, user)
    return handover


@transaction.atomic
def handover_accept(*, handover: Handover, user=None) -> Handover:
    """The receiving authority takes the Leistung over: Zuständigkeit follows (override, shared service)."""
    if handover.status != Status.OFFERED:
        raise ValidationError("Dieses Angebot ist nicht mehr offen.")
    override_set(
        leistung=handover.leistung,
        territory=handover.territory,
        authority=handover.to_authority,
        reason=Override.Reason.SHARED_SERVICE,
        note=f"Übertragen von {handover.from_authority.name} über das Konfigurationsportal.",
    )
    return _decide(handover, status=Status.ACCEPTED, user=user)


@transaction.atomic
def handover_decline(*, handover: Handover, user=None) -> Handover:
    if handover.status != Status.OFFERED:
        raise ValidationError("Dieses Angebot ist nicht mehr offen.")
    return _decide(handover, status=Status.DECLINED, user=user)


@transaction.atomic
def handover_end(*, handover: Handover, user=None) -> Handover:
    """Withdraw an offer or end a transfer (either side); the Zuständigkeit returns to the default."""
    if handover.status not in (Status.OFFERED, Status.ACCEPTED):
        raise ValidationError("Diese Übertragung ist bereits beendet.")
    if handover.status == Status.ACCEPTED:
        override = Override.objects.filter(
            leistung=handover.leistung, territory=handover.territory, authority=handover.to_authority
        ).first()
        if override is not None:
            override_delete(override=override)
    return _decide(handover, status=Status.ENDED, user=user)
