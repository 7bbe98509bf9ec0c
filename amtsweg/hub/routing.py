"""Writes for routings and for messages that wait for one.

A message whose authority has no route waits (status "unrouted") instead of being lost. Creating or
enabling a Routing (or enabling/repairing its target) routes the waiting messages it matches and
enqueues their deliveries in the same transaction. An operator may give a waiting message up with a
readable reason ("dead") and send it again later (replay).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db import transaction
from django.db.models import Q, QuerySet

from amtsweg.audit.services import audit_record
from amtsweg.common import clock
from amtsweg.hub.models import Message, Routing, TargetSystem
from amtsweg.hub.services.messages import message_route

if TYPE_CHECKING:
    from amtsweg.catalog.models import Leistung
    from amtsweg.directory.models import Authority

logger = logging.getLogger(__name__)

# Waiting messages older than this are given up by ``messages_unrouted_expire`` (scheduler).
UNROUTED_MAX_AGE = timedelta(days=7)


def _audit(event: str, *, message_id: UUID | str, detail: dict, actor: object = None) -> None:
    """Audit entry (amtsweg.audit); ``actor`` is a user or a short label, never personal data."""
    label = getattr(actor, "username", None) or str(actor or "system")
    audit_record(event=event, message_id=str(message_id), actor=label[:100], detail=detail)


def _waiting(*, authority: Authority, leistung: Leistung | None = None) -> QuerySet[Message]:
    messages = Message.objects.filter(status=Message.Status.UNROUTED, authority=authority)
    if leistung is not None:
        messages = messages.filter(Q(leistung_id=leistung.pk) | Q(leika_key=leistung.leika_key, leika_key__gt=""))
    return messages


def messages_waiting_route(*, authority: Authority, leistung: Leistung | None = None) -> int:
    """Route the waiting messages of ``authority`` (for ``leistung``, or all) that now have a target;
    their deliveries and tasks are written in the caller's transaction. Returns how many were routed."""
    routed = 0
    with transaction.atomic():
        for message in _waiting(authority=authority, leistung=leistung).select_for_update().order_by("received_at"):
            if message_route(message=message):
                Message.objects.filter(pk=message.pk).update(status_reason="")
                _audit("routed_late", message_id=message.pk, detail={"authority_key": authority.key})
                routed += 1
    if routed:
        logger.info("hub waiting messages routed authority=%s count=%s", authority.key, routed)
    return routed


def routing_create(
    *, authority: Authority, target: TargetSystem, leistung: Leistung | None = None, active: bool = True
) -> Routing:
    """Create a Routing and, if active, send the messages that waited for it (same transaction)."""
    with transaction.atomic():
        routing = Routing.objects.create(authority=authority, target=target, leistung=leistung, active=active)
        routing.released = messages_waiting_route(authority=authority, leistung=leistung) if active else 0
    return routing


def routing_set(*, routing: Routing, **fields: Any) -> Routing:
    """Change a Routing (``active``, ``target``, ``leistung``, ``authority``); an active one releases
    the waiting messages it matches (same transaction)."""
    for name, value in fields.items():
        setattr(routing, name, value)
    with transaction.atomic():
        routing.save()
        routing.released = (
            messages_waiting_route(authority=routing.authority, leistung=routing.leistung) if routing.active else 0
        )
    return routing


def routing_ensure(
    *, authority: Authority, target: TargetSystem, leistung: Leistung | None = None
) -> tuple[Routing, bool]:
    """Idempotent: an active Routing authority × leistung → target (demo setup). Returns (routing, created)."""
    routing = Routing.objects.filter(authority=authority, leistung=leistung, target=target).first()
    if routing is None:
        return routing_create(authority=authority, target=target, leistung=leistung), True
    if not routing.active:
        routing_set(routing=routing, active=True)
    return routing, False


def message_dead_letter(*, message: Message, reason: str, actor: object = None) -> bool:
    """Give a waiting message up with a readable reason (no personal data). False if it was not waiting."""
    reason = (reason or "ohne Angabe von Gründen").strip()[:500]
    with transaction.atomic():
        changed = Message.objects.filter(pk=message.pk, status=Message.Status.UNROUTED).update(
            status=Message.Status.DEAD, status_reason=reason
        )
        if changed:
            _audit("dead_lettered", message_id=message.pk, detail={"reason": reason}, actor=actor)
    if changed:
        message.status, message.status_reason = Message.Status.DEAD, reason
    return bool(changed)


def message_replay(*, message: Message, actor: object = None) -> int:
    """Route a given-up (or waiting) message again; returns the number of deliveries. Without a route it
    waits again (status "unrouted") and is sent once a route exists."""
    if message.status not in (Message.Status.DEAD, Message.Status.UNROUTED):
        raise ValueError(f"Nur wartende oder aufgegebene Nachrichten können erneut weitergeleitet werden ({message}).")
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(status=Message.Status.UNROUTED, status_reason="")
        message.status = Message.Status.UNROUTED
        deliveries = message_route(message=message)
        _audit("replayed", message_id=message.pk, detail={"deliveries": len(deliveries)}, actor=actor)
    return len(deliveries)


def messages_unrouted_expire(*, max_age: timedelta = UNROUTED_MAX_AGE) -> int:
    """Give up messages that waited longer than ``max_age`` for a route (readable reason, replayable).
    Meant for the scheduler; returns how many were given up."""
    cutoff = clock.now() - max_age
    count = 0
    for message in Message.objects.filter(status=Message.Status.UNROUTED, received_at__lte=cutoff):
        reason = (
            f"Seit mehr als {max_age.days} Tagen keine Weiterleitung für {message.authority_key} eingerichtet; "
            "nach Einrichtung bitte erneut weiterleiten."
        )
        count += int(message_dead_letter(message=message, reason=reason, actor="scheduler"))
    return count
