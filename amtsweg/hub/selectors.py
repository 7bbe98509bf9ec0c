"""Reads of the Integrationsdienst for the layers above it (assistant, submissions): routes, and the
forwarding state and the message of a Vorgang. Data flows assistant → submissions → hub, so these are
downward calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from amtsweg.cases.models import Vorgang
from amtsweg.hub.models import Delivery, Message, Routing

# A delivery still retrying after this many attempts is reported to the citizen as disturbed: the
# target has been failing for minutes, not seconds, and the operators see it in the admin.
DISTURBED_AFTER_ATTEMPTS = 3


def _leistung_match(leistung) -> Q:
    match = Q(leistung__isnull=True)
    if leistung is not None:
        match |= Q(leistung_id=leistung.pk)
        if getattr(leistung, "leika_key", ""):
            match |= Q(leistung__leika_key=leistung.leika_key)
    return match


def routes_for(*, authority, leistung=None) -> list[Routing]:
    """Active routings of ``authority`` that apply to ``leistung`` (or to every Leistung), target loaded."""
    return list(
        Routing.objects.filter(authority=authority, active=True)
        .filter(_leistung_match(leistung))
        .select_related("target")
        .order_by("target__pk")
    )


def route_problems(*, authority, leistung=None) -> list[str]:
    """Why applications of ``authority`` for ``leistung`` could not be forwarded (German); empty = at least
    one valid route: an active Routing to an active target whose configuration fits its adapter's schema."""
    from amtsweg.hub.targets import target_send_problems

    routings = routes_for(authority=authority, leistung=leistung)
    if not routings:
        return [
            f"Für {authority.name} ist keine Weiterleitung an ein Zielsystem eingerichtet"
            + (f" (Leistung „{leistung.name}“ oder alle Leistungen)" if leistung is not None else "")
            + ". Bitte zuerst unter „Integrationsdienst › Weiterleitungen“ ein Zielsystem zuordnen."
        ]
    problems = []
    for routing in routings:
        target = routing.target
        if not target.active:
            problems.append(f"Das Zielsystem „{target.name}“ ist nicht aktiv.")
            continue
        try:
            target_problems = target_send_problems(target=target)
        except Exception:  # noqa: BLE001 - e.g. secrets not decryptable with the current key
            target_problems = ["Die Geheimnisse lassen sich nicht entschlüsseln."]
        if not target_problems:
            from amtsweg.hub.services import rule_for

            leika_key = getattr(leistung, "leika_key", "") or ""
            if rule_for(leika_key=leika_key, type_key=target.type_key) is not None:
                return []  # one working route is enough
            target_problems = [f"Keine aktive Integrationsregel für den Zielsystem-Typ „{target.type_key}“."]
        problems.append(f"Das Zielsystem „{target.name}“ ist nicht gültig eingerichtet: " + " ".join(target_problems))
    return problems


@dataclass(frozen=True)
class Forwarding:
    """Forwarding state of a submission for the citizen: pending | delivered | disturbed."""

    state: str
    delivered_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.state == "pending"


def vorgang_forwarding(*, vorgang: Vorgang) -> Forwarding:
    """The forwarding state of a Vorgang (a portal submission), from its hub message and deliveries.

    delivered: at least one target of the authority has received it (the earliest time is shown);
    disturbed: nothing delivered and the message has no route, was given up, or a delivery is dead or
    keeps failing; pending otherwise (queued, sending, first retries).
    """
    message = Message.objects.filter(vorgang=vorgang).order_by("received_at").only("pk", "status").first()
    if message is None:
        return Forwarding("pending")
    rows = list(Delivery.objects.filter(message=message).values_list("status", "attempts", "delivered_at"))
    delivered = [at for status, _attempts, at in rows if status == Delivery.Status.DELIVERED and at is not None]
    if delivered:
        return Forwarding("delivered", min(delivered))
    if message.status in (Message.Status.UNROUTED, Message.Status.DEAD):
        return Forwarding("disturbed")
    for status, attempts, _at in rows:
        if status == Delivery.Status.DEAD or (
            status == Delivery.Status.FAILED_RETRYING and attempts >= DISTURBED_AFTER_ATTEMPTS
        ):
            return Forwarding("disturbed")
    return Forwarding("pending")


def api_message_for_client(*, client, message_id) -> Message | None:
    """The message if the API client submitted it or it belongs to the client's authority, else None."""
    message = Message.objects.filter(pk=message_id).first()
    allowed = message is not None and (
        message.client_ref == str(client.pk)
        or (client.authority_id is not None and message.authority_id == client.authority_id)
    )
    return message if allowed else None


def message_for_vorgang(*, vorgang: Vorgang) -> Message | None:
    """The hub message that carries ``vorgang`` (the first one, should there be several), or None."""
    return Message.objects.filter(vorgang=vorgang).order_by("received_at").first()
