"""Messages: creation (portal and generic), routing to their target systems, reads of their content, and the
audit helpers every hub write records its events with."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q

from amtsweg.audit.services import audit_record, audit_record_many
from amtsweg.cases.models import Vorgang
from amtsweg.common import clock
from amtsweg.common.canonical import canonical_json_bytes
from amtsweg.common.hashing import sha512_hex as sha512
from amtsweg.hub import crypto
from amtsweg.hub.models import Delivery, Message, MessageAttachment, Routing, TargetSystem
from amtsweg.hub.services.taskrows import delivery_task_enqueue

logger = logging.getLogger(__name__)


def _audit(event: str, *, message_id, delivery_id=None, detail: dict | None = None) -> None:
    """Write an audit event (amtsweg.audit). Never personal data."""
    audit_record(
        event=event,
        message_id=str(message_id),
        delivery_id=str(delivery_id) if delivery_id else None,
        detail=detail or {},
    )


def _audit_write(entries: list[dict]) -> None:
    """Write collected audit entries with one chain lock. Call it LAST in a transaction: on PostgreSQL the
    chain lock is held until commit, so writes after it would serialise every concurrent intake."""
    if entries:
        audit_record_many(entries=entries)


# --- reads ---------------------------------------------------------------------------------------------


def message_data(*, message: Message) -> dict:
    """Decrypted answers (JSON) of a message."""
    return crypto.decrypt_json(message.data_json_encrypted, default={})


def message_xml(*, message: Message) -> bytes:
    return crypto.decrypt(message.data_xml_encrypted)


def attachment_content(*, attachment: MessageAttachment) -> bytes:
    return crypto.decrypt(attachment.content_encrypted)


def message_metadata(*, message: Message) -> dict:
    """The message's metadata as documented in docs/hub/message.md (no personal data)."""
    return {
        "nachricht_id": str(message.id),
        "idempotenzschluessel": message.idempotency_key,
        "quelle": message.source,
        "vorgangsnummer": message.vorgangsnummer,
        "leika": message.leika_key,
        "leistung": message.leistung_name,
        "ags": message.ags,
        "ars": message.ars,
        "gemeinde": message.gemeinde_name,
        "behoerde": message.authority_key,
        "behoerde_name": message.authority.name if message.authority_id else "",
        "formular": message.form_key,
        "formularversion": message.form_version,
        "eingereicht_am": message.submitted_at.isoformat(),
        "empfangen_am": message.received_at.isoformat(),
        "sha512_daten": message.data_sha512,
        "sha512_daten_xml": message.data_xml_sha512,
        "anlagen": [
            {"nr": a.position, "name": a.name, "typ": a.content_type, "groesse": a.size, "sha512": a.sha512}
            for a in message.attachments.all()
        ],
    }


# --- creation ------------------------------------------------------------------------------------------


def _attachments_store(*, message: Message, files: list[tuple[str, str, bytes]]) -> None:
    MessageAttachment.objects.bulk_create(
        MessageAttachment(
            message=message,
            position=position,
            name=name[:255],
            content_type=content_type,
            size=len(content),
            sha512=sha512(content),
            content_encrypted=crypto.encrypt(content),
        )
        for position, (name, content_type, content) in enumerate(files, start=1)
    )


def _received_route(*, message: Message, source: str) -> None:
    """Write the "received" entry, route the message and write all its audit entries last."""
    audit = [
        {
            "event": "received",
            "message_id": str(message.id),
            "detail": {"source": source, "vorgangsnummer": message.vorgangsnummer},
        }
    ]
    message_route(message=message, audit=audit)
    _audit_write(audit)


def message_create(
    *,
    idempotency_key: str,
    source: str,
    vorgang: Vorgang,
    authority,
    data: dict,
    data_xml: bytes | str = b"",
    leistung=None,
    leika_key: str = "",
    gemeinde=None,
    form_key: str = "",
    form_version: str = "",
    submitted_at=None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    client_ref: str = "",
    authority_key: str | None = None,
    leistung_name: str | None = None,
    ags: str | None = None,
    ars: str | None = None,
    gemeinde_name: str | None = None,
    receipt_expected: bool = False,
) -> tuple[Message, bool]:
    """Generic message creation (the inbound API, the portal's hand-over ``submissions.handover``): returns
    (message, created) and routes it. ``receipt_expected``: a receipt PDF follows (``message_receipt_attach``)
    and deliveries that want it wait for it. The names default to those of ``leistung``, ``gemeinde`` and
    ``authority``; a caller with its own snapshot of them (a submission) passes it. ``vorgang``: the case the
    message carries, created by the caller through ``cases.services.vorgang_create`` (its number goes out).

    Idempotent on ``idempotency_key``: a repeat returns the first message with ``created=False``.
    Must be called inside ``transaction.atomic()`` by callers that need it atomic with their own writes.
    """
    # Over 60 lines for one flat list of the message's fields: split up, it would hide where each comes from.
    existing = Message.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, False
    data_bytes = canonical_json_bytes(data)
    xml = data_xml.encode("utf-8") if isinstance(data_xml, str) else bytes(data_xml)
    now = clock.now()
    with transaction.atomic():
        message = Message.objects.create(
            idempotency_key=idempotency_key,
            source=source,
            client_ref=client_ref,
            receipt_expected=receipt_expected,
            vorgang=vorgang,
            leistung=leistung,
            leika_key=leika_key or (leistung.leika_key if leistung is not None else ""),
            leistung_name=_given(leistung_name, leistung, "name"),
            gemeinde=gemeinde,
            ags=_given(ags, gemeinde, "ags"),
            ars=_given(ars, gemeinde, "ars"),
            gemeinde_name=_given(gemeinde_name, gemeinde, "name"),
            authority=authority,
            authority_key=authority.key if authority_key is None else authority_key,
            form_key=form_key,
            form_version=form_version,
            submitted_at=submitted_at or now,
            received_at=now,
            data_sha512=sha512(data_bytes),
            data_xml_sha512=sha512(xml) if xml else "",
            data_json_encrypted=crypto.encrypt(data_bytes),
            data_xml_encrypted=crypto.encrypt(xml) if xml else "",
        )
        _attachments_store(message=message, files=list(attachments))
        _received_route(message=message, source=source)
    return message, True


def _given(value: str | None, source, attribute: str) -> str:
    """``value`` if the caller gave one, else the attribute of ``source`` (or "" without a source)."""
    if value is not None:
        return value
    return getattr(source, attribute) if source is not None else ""


# --- routing -------------------------------------------------------------------------------------------


def routing_targets(*, message: Message) -> list[TargetSystem]:
    """Active target systems configured for the message's authority and Leistung (or all Leistungen)."""
    leistung_match = Q(leistung__isnull=True)
    if message.leistung_id:
        leistung_match |= Q(leistung_id=message.leistung_id)
    if message.leika_key:
        leistung_match |= Q(leistung__leika_key=message.leika_key)
    routings = (
        Routing.objects.filter(authority_id=message.authority_id, active=True, target__active=True)
        .filter(leistung_match)
        .select_related("target")
        .order_by("target__pk")
    )
    return list({r.target_id: r.target for r in routings}.values())


def message_route(*, message: Message, audit: list | None = None) -> list[Delivery]:
    """Create one Delivery per configured target and enqueue its task, in the caller's transaction.

    The "queued" audit entries are appended to ``audit`` when given (the caller writes them last, see
    ``_audit_write``), otherwise written at the end of this function."""
    targets = routing_targets(message=message)
    deliveries = []
    entries: list[dict] = []
    now = clock.now()
    with transaction.atomic():
        for target in targets:
            delivery, created = Delivery.objects.get_or_create(
                message=message,
                target=target,
                defaults={
                    "idempotency_key": f"amtsweg-{message.id}-{target.pk}",
                    "next_attempt_at": now,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            if created:
                delivery_task_enqueue(delivery.pk)
                entries.append(
                    {
                        "event": "queued",
                        "message_id": str(message.id),
                        "delivery_id": str(delivery.pk),
                        "detail": {"target": target.pk},
                    }
                )
            deliveries.append(delivery)
        status = Message.Status.ROUTED if targets else Message.Status.UNROUTED
        # Without a route the message waits (amtsweg.hub.routing releases it when a route is created).
        reason = "" if targets else f"Keine Weiterleitung für {message.authority_key} eingerichtet; wartet."
        Message.objects.filter(pk=message.pk).update(status=status, status_reason=reason)
        message.status, message.status_reason = status, reason
        if audit is None:
            _audit_write(entries)
        else:
            audit.extend(entries)
    if not targets:
        logger.warning("hub message without target message=%s authority=%s", message.id, message.authority_key)
    return deliveries
