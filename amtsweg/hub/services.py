"""Writes of the Integrationsdienst: messages, routing, the delivery processor, replay and dry run.

Processor design (docs/adr/0007-integration-hub.md): every Delivery has its own django-tasks task
``delivery_attempt``; a run claims the row with a guarded status transition (queued|failed_retrying →
sending) in a short transaction, transforms + validates with the CURRENT active rule version, calls the
adapter with the delivery's stable idempotency key and records the outcome. Transient failures enqueue
the task again with exponential backoff and full jitter; after ``AMTSWEG_HUB_MAX_ATTEMPTS`` or on a
non-retryable error the delivery is "dead" with a readable reason until an admin replays it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from amtsweg.hub import clock, crypto
from amtsweg.hub.adapters.base import Attachment, DeliveryError, OutboundPayload
from amtsweg.hub.models import Delivery, IntegrationRule, Message, MessageAttachment, Routing, TargetSystem
from amtsweg.hub.transform import TransformError, jsonmap_apply, output_validate, xslt_apply

logger = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_FACTOR = 2
BACKOFF_CAP = timedelta(hours=6)
# A delivery in "sending" whose worker has not finished after this long is assumed dead (kill -9).
SENDING_TIMEOUT = timedelta(minutes=10)
# While the receipt PDF is not rendered yet, deliveries that carry it look again after this delay …
RECEIPT_POLL = timedelta(seconds=15)
# … and go without it once the submission is this old (the receipt task is then considered stuck).
RECEIPT_WAIT_MAX = timedelta(hours=1)
DEFAULT_MAX_ATTEMPTS = 20


def max_attempts() -> int:
    return int(getattr(settings, "AMTSWEG_HUB_MAX_ATTEMPTS", 0) or DEFAULT_MAX_ATTEMPTS)


def _audit(event: str, *, message_id, delivery_id=None, detail: dict | None = None) -> None:
    """Write an audit event (amtsweg.audit, built separately); absent app → no-op. Never personal data."""
    try:
        from amtsweg.audit.services import audit_record
    except ImportError:
        return
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
        from amtsweg.audit.services import audit_record_many

        audit_record_many(entries=entries)


def sha512(data: bytes) -> str:
    return hashlib.sha512(data).hexdigest()


def canonical_json_bytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


# --- messages -----------------------------------------------------------------------------------


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


def message_create_from_submission(*, submission) -> Message:
    """The hub message of a portal submission, created and routed in the caller's transaction.

    Called from ``submissions.services.submission_submit`` inside its ``transaction.atomic()``, so the
    submission, its message, its deliveries and their tasks commit together or not at all.
    Idempotent: a second call returns the existing message.
    """
    existing = Message.objects.filter(submission=submission).first()
    if existing is not None:
        return existing
    data = canonical_json_bytes(submission.answers)
    xml = submission.data_xml.encode("utf-8")
    files = []
    for attachment in submission.attachments.order_by("position"):
        with attachment.file.open("rb") as handle:
            files.append((attachment.name, attachment.content_type, handle.read()))
    version = submission.form_version
    with transaction.atomic():
        message = Message.objects.create(
            idempotency_key=f"portal:{submission.idempotency_key}",
            source=Message.Source.PORTAL,
            submission=submission,
            vorgangsnummer=submission.vorgangsnummer,
            leistung=submission.leistung,
            leika_key=submission.leika_key,
            leistung_name=submission.leistung_name,
            gemeinde=submission.gemeinde,
            ags=submission.gemeinde_ags,
            ars=submission.gemeinde_ars,
            gemeinde_name=submission.gemeinde_name,
            authority=submission.authority,
            authority_key=submission.authority_key,
            form_key=version.definition.key,
            form_version=str(version.number),
            submitted_at=submission.submitted_at,
            received_at=clock.now(),
            data_sha512=sha512(data),
            data_xml_sha512=sha512(xml),
            data_json_encrypted=crypto.encrypt(data),
            data_xml_encrypted=crypto.encrypt(xml),
        )
        _attachments_store(message=message, files=files)
        audit = [
            {
                "event": "received",
                "message_id": str(message.id),
                "detail": {"source": "portal", "vorgangsnummer": message.vorgangsnummer},
            }
        ]
        message_route(message=message, audit=audit)
        _audit_write(audit)
    return message


def message_create(
    *,
    idempotency_key: str,
    source: str,
    vorgangsnummer: str,
    authority,
    data: dict,
    data_xml: bytes | str = b"",
    leistung=None,
    leika_key: str = "",
    gemeinde=None,
    form_key: str = "",
    form_version: str = "",
    submitted_at=None,
    attachments: list[tuple[str, str, bytes]] = (),
    client_ref: str = "",
) -> tuple[Message, bool]:
    """Generic message creation (used by the inbound API): returns (message, created) and routes it.

    Idempotent on ``idempotency_key``: a repeat returns the first message with ``created=False``.
    Must be called inside ``transaction.atomic()`` by callers that need it atomic with their own writes.
    """
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
            vorgangsnummer=vorgangsnummer,
            leistung=leistung,
            leika_key=leika_key or (leistung.leika_key if leistung is not None else ""),
            leistung_name=leistung.name if leistung is not None else "",
            gemeinde=gemeinde,
            ags=gemeinde.ags if gemeinde is not None else "",
            ars=gemeinde.ars if gemeinde is not None else "",
            gemeinde_name=gemeinde.name if gemeinde is not None else "",
            authority=authority,
            authority_key=authority.key,
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
        audit = [
            {
                "event": "received",
                "message_id": str(message.id),
                "detail": {"source": source, "vorgangsnummer": vorgangsnummer},
            }
        ]
        message_route(message=message, audit=audit)
        _audit_write(audit)
    return message, True


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
    from amtsweg.hub.tasks import delivery_attempt

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
                delivery_attempt.enqueue(str(delivery.pk))
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


# --- rules and transformation --------------------------------------------------------------------


def rule_for(*, leika_key: str, type_key: str) -> IntegrationRule | None:
    """The active rule for (Leistung, system type): a Leistung-specific one wins over "*"."""
    candidates = [
        r
        for r in IntegrationRule.objects.filter(status=IntegrationRule.Status.ACTIVE, leika_key__in=[leika_key, "*"])
        if type_key in (r.system_types or [])
    ]
    candidates.sort(key=lambda r: (r.leika_key == "*", r.key))
    return candidates[0] if candidates else None


def transform_context(*, message: Message | None = None, sample: dict | None = None) -> dict:
    """{"meta": …, "data": …, "xml": bytes} for a real message or a depot sample."""
    if message is not None:
        return {
            "meta": message_metadata(message=message),
            "data": message_data(message=message),
            "xml": message_xml(message=message),
        }
    sample = sample or {}
    xml = sample.get("xml", b"")
    return {
        "meta": dict(sample.get("meta", {})),
        "data": sample.get("data", {}),
        "xml": xml.encode("utf-8") if isinstance(xml, str) else xml,
    }


def _xslt_params(meta: dict, created_at: str) -> dict[str, str]:
    keys = (
        "nachricht_id",
        "vorgangsnummer",
        "leika",
        "leistung",
        "ags",
        "ars",
        "gemeinde",
        "behoerde",
        "behoerde_name",
        "formular",
        "formularversion",
        "eingereicht_am",
        "empfangen_am",
    )
    params = {k: str(meta.get(k, "")) for k in keys}
    params["erstellt_am"] = created_at
    return params


def rule_apply(*, rule: IntegrationRule, context: dict) -> bytes:
    """Transform the context by the rule (raises TransformError)."""
    meta = context["meta"]
    created_at = meta.get("erstellt_am") or clock.now().isoformat(timespec="seconds")
    if rule.transform_kind == IntegrationRule.TransformKind.XSLT:
        if not context.get("xml"):
            raise TransformError("Die Nachricht enthält keine XML-Daten; die XSLT-Regel ist nicht anwendbar.")
        return xslt_apply(
            stylesheet=rule.transform_text, document=context["xml"], params=_xslt_params(meta, created_at)
        )
    return jsonmap_apply(
        mapping_text=rule.transform_text, context={"meta": {**meta, "erstellt_am": created_at}, "data": context["data"]}
    )


@dataclass
class DryRunResult:
    output: bytes
    content_type: str
    valid: bool
    errors: list[str] = field(default_factory=list)


def delivery_dry_run(
    *, rule: IntegrationRule, message: Message | None = None, sample: dict | None = None
) -> DryRunResult:
    """Transform and validate a message or depot sample by ``rule`` without delivering anything."""
    if (message is None) == (sample is None):
        raise ValueError("pass exactly one of message or sample")
    context = transform_context(message=message, sample=sample)
    try:
        output = rule_apply(rule=rule, context=context)
        outcome = output_validate(schema_kind=rule.schema_kind, schema_text=rule.schema_text, output=output)
    except TransformError as error:
        return DryRunResult(output=b"", content_type=rule.content_type, valid=False, errors=error.errors)
    if message is not None:
        _audit(
            "dry_run", message_id=message.id, detail={"rule": rule.key, "version": rule.version, "valid": outcome.valid}
        )
    return DryRunResult(output=output, content_type=rule.content_type, valid=outcome.valid, errors=outcome.errors)


# --- target systems -------------------------------------------------------------------------------


def target_secrets_set(*, target: TargetSystem, secrets: dict) -> TargetSystem:
    """Replace the target's secrets (stored encrypted; never shown again)."""
    target.secrets_encrypted = crypto.encrypt_json(secrets) if secrets else ""
    TargetSystem.objects.filter(pk=target.pk).update(secrets_encrypted=target.secrets_encrypted)
    return target


def target_config(*, target: TargetSystem) -> dict:
    """Config for the adapter: settings plus decrypted secrets (only in memory, only while delivering)."""
    from amtsweg.hub.targets import config_merge

    # Nested merge: a secret may live inside an object of the settings (e.g. xdomea's ``sftp.password``).
    return config_merge(target.config or {}, _secrets(target.secrets_encrypted, crypto.fernet()))


@lru_cache(maxsize=256)
def _secrets(token: str, _keys) -> dict:
    """Decrypted target secrets, per process. Keyed by the ciphertext (changed secrets → new token) and
    the key set (a rotated or removed key is honoured at once); callers get a merged copy."""
    return crypto.decrypt_json(token, default={})


# --- processor ------------------------------------------------------------------------------------


def retry_delay(*, attempt: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter: uniform(0, min(cap, base · factor^(attempt-1)))."""
    ceiling = min(BACKOFF_CAP.total_seconds(), BACKOFF_BASE.total_seconds() * BACKOFF_FACTOR ** max(attempt - 1, 0))
    return timedelta(seconds=(rng or random).uniform(0, ceiling))


def _enqueue(delivery_id, *, at=None) -> None:
    from django.utils import timezone

    from amtsweg.hub.tasks import delivery_attempt

    if at is None:
        delivery_attempt.enqueue(str(delivery_id))
    else:
        # django-tasks' run_after is real time; with a simulated clock we translate the delay.
        real_at = timezone.now() + max(at - clock.now(), timedelta(0))
        delivery_attempt.using(run_after=real_at).enqueue(str(delivery_id))


# Deliveries one task run may take on besides its own (their READY task rows are taken over, see
# ``deliveries_process``). Bounds the work lost to a kill -9 and the latency added to the first one.
BATCH_SIZE = 16
# A batch starts no further send after this long (slow or hanging receivers) and gives the rest back:
# the claim of an unsent delivery must never come near SENDING_TIMEOUT, after which it is resumed.
BATCH_BUDGET_SECONDS = 30.0
_CLAIMABLE = (Delivery.Status.QUEUED, Delivery.Status.FAILED_RETRYING)


def _claim_many(delivery_ids, *, worker_id: str | None = None) -> list[Delivery]:
    """queued|failed_retrying → sending (attempt counted), atomically, for those of ``delivery_ids`` that
    are due and not taken by someone else; returns them loaded for processing (one transaction). The
    claim records ``worker_id`` (``claimed_by``), so a live worker can give it back when this one dies.

    PostgreSQL: the guarded rows are locked with SKIP LOCKED, so a second worker skips them instead of
    waiting; SQLite: the platform's BEGIN IMMEDIATE makes the transaction the only writer.
    """
    if not delivery_ids:
        return []
    now = clock.now()
    with transaction.atomic():
        rows = (
            Delivery.objects.filter(pk__in=list(delivery_ids), status__in=_CLAIMABLE)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .select_related("message__authority", "message__submission", "target")
            .prefetch_related("message__attachments")
        )
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        claimed = list(rows)
        if claimed:
            # The guard again in the UPDATE: the claim proper (rows are ours or, on SQLite, the DB is).
            Delivery.objects.filter(pk__in=[d.pk for d in claimed], status__in=_CLAIMABLE).update(
                status=Delivery.Status.SENDING,
                claimed_at=now,
                claimed_by=worker_id or "",
                updated_at=now,
                attempts=F("attempts") + 1,
            )
    for delivery in claimed:
        delivery.claimed_from = delivery.status  # to give the claim back unsent (``_release``)
        delivery.status, delivery.claimed_at, delivery.updated_at = Delivery.Status.SENDING, now, now
        delivery.claimed_by = worker_id or ""
        delivery.attempts += 1
    return claimed


def _claim(delivery_id) -> Delivery | None:
    """Claim one delivery (see ``_claim_many``); None when someone else has it or it is not due."""
    claimed = _claim_many([delivery_id])
    return claimed[0] if claimed else None


def _finish(delivery: Delivery, **values) -> bool:
    """Record the outcome, only if the row is still ours (status sending with our claim)."""
    values["updated_at"] = clock.now()
    return bool(
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING, claimed_at=delivery.claimed_at).update(
            **values
        )
    )


@dataclass
class _Outcome:
    """What one attempt ends in; written for the whole batch in one transaction (``_outcomes_record``)."""

    delivery: Delivery
    outcome: str  # delivered|retry|dead|waiting-receipt
    values: dict
    enqueue_at: object = None  # when to run the task again (retry / waiting for the receipt)
    audit: list = field(default_factory=list)
    metric: str = ""


def _audit_entry(event: str, delivery: Delivery, detail: dict) -> dict:
    return {"event": event, "message_id": str(delivery.message_id), "delivery_id": str(delivery.pk), "detail": detail}


def _failed(delivery: Delivery, *, reason: str, retryable: bool, rule=None, audit: list | None = None) -> _Outcome:
    reason = reason[:500]
    attempts = delivery.attempts
    values = {"claimed_at": None, "rule": rule} if rule is not None else {"claimed_at": None}
    if retryable and attempts < max_attempts():
        next_at = clock.now() + retry_delay(attempt=attempts)
        values.update(status=Delivery.Status.FAILED_RETRYING, last_error=reason, next_attempt_at=next_at)
        outcome, enqueue_at = "retry", next_at
    else:
        final = (
            f"{reason} (nicht wiederholbar)" if not retryable else f"{reason} (nach {attempts} Versuchen aufgegeben)"
        )
        values.update(status=Delivery.Status.DEAD, last_error=final[:500], next_attempt_at=None)
        outcome, enqueue_at = "dead", None
    entries = [
        *(audit or []),
        _audit_entry("failed", delivery, {"attempt": attempts, "reason": reason, "outcome": outcome}),
    ]
    logger.warning("hub delivery failed delivery=%s attempt=%s outcome=%s", delivery.pk, attempts, outcome)
    return _Outcome(delivery, outcome, values, enqueue_at, entries, "dead" if outcome == "dead" else "failed")


def _receipt(delivery: Delivery) -> tuple[bool, bytes | None]:
    """(ready, pdf): whether the delivery may go now and the receipt to carry."""
    submission = delivery.message.submission
    if not delivery.target.wants_receipt or submission is None:
        return True, None
    if submission.receipt_ready_at is None:
        if clock.now() - submission.submitted_at > RECEIPT_WAIT_MAX:
            return True, None
        return False, None
    with submission.receipt_pdf.open("rb") as handle:
        return True, handle.read()


def delivery_payload(
    *, delivery: Delivery, rule: IntegrationRule, receipt_pdf: bytes | None, audit: list | None = None
) -> OutboundPayload:
    """Transform + validate the message by ``rule`` and build the adapter's payload. The audit entries
    ("transformed", "validated") are appended to ``audit`` (written with the outcome) or, without it,
    recorded at once."""
    message = delivery.message
    context = transform_context(message=message)
    document = rule_apply(rule=rule, context=context)
    outcome = output_validate(schema_kind=rule.schema_kind, schema_text=rule.schema_text, output=document)
    if not outcome.valid:
        raise TransformError(
            f"Ausgabe der Regel {rule.key} v{rule.version} ist ungültig: " + "; ".join(outcome.errors[:3]),
            errors=outcome.errors,
        )
    entries = [
        _audit_entry("transformed", delivery, {"rule": rule.key, "version": rule.version, "sha512": sha512(document)}),
        _audit_entry("validated", delivery, {"schema_kind": rule.schema_kind, "valid": True}),
    ]
    if audit is None:
        for entry in entries:
            _audit(entry["event"], message_id=message.id, delivery_id=delivery.pk, detail=entry["detail"])
    else:
        audit.extend(entries)
    return OutboundPayload(
        message_id=str(message.id),
        delivery_id=str(delivery.pk),
        idempotency_key=delivery.idempotency_key,
        vorgangsnummer=message.vorgangsnummer,
        leika_key=message.leika_key,
        ags=message.ags,
        ars=message.ars,
        authority_key=message.authority_key,
        document=document,
        document_content_type=rule.content_type,
        document_name=rule.document_name,
        receipt_pdf=receipt_pdf,
        attachments=tuple(
            Attachment(
                name=a.name, content_type=a.content_type, content=attachment_content(attachment=a), sha512=a.sha512
            )
            for a in message.attachments.all()
        ),
        metadata=context["meta"],
    )


def _release(delivery: Delivery) -> _Outcome:
    """Give an unsent claim back (no attempt counted) and enqueue its task again at once."""
    now = clock.now()
    values = {
        "status": getattr(delivery, "claimed_from", Delivery.Status.QUEUED),
        "claimed_at": None,
        "next_attempt_at": now,
        "attempts": delivery.attempts - 1,
    }
    return _Outcome(delivery, "released", values, now)


def _attempt(delivery: Delivery, rules: dict) -> _Outcome:
    """Transform, validate and send one claimed delivery; no database writes (see ``_outcomes_record``)."""
    from amtsweg.hub.registry import adapter_registry

    ready, receipt_pdf = _receipt(delivery)
    if not ready:
        # Give the claim back without counting an attempt; look again shortly.
        next_at = clock.now() + RECEIPT_POLL
        values = {
            "status": Delivery.Status.QUEUED,
            "claimed_at": None,
            "next_attempt_at": next_at,
            "attempts": delivery.attempts - 1,
        }
        return _Outcome(delivery, "waiting-receipt", values, next_at)
    target = delivery.target
    leika_key = delivery.message.leika_key
    if (leika_key, target.type_key) not in rules:
        rules[leika_key, target.type_key] = rule_for(leika_key=leika_key, type_key=target.type_key)
    rule = rules[leika_key, target.type_key]
    if rule is None:
        return _failed(
            delivery,
            reason=f"Keine aktive Integrationsregel für Leistung {leika_key or '?'} "
            f"und Zielsystem-Typ {target.type_key}.",
            retryable=False,
        )
    audit: list = []
    try:
        payload = delivery_payload(delivery=delivery, rule=rule, receipt_pdf=receipt_pdf, audit=audit)
    except TransformError as error:
        return _failed(delivery, reason=error.reason, retryable=False, rule=rule, audit=audit)
    except crypto.DecryptionFailed as error:
        return _failed(delivery, reason=str(error), retryable=False, rule=rule, audit=audit)
    try:
        adapter = adapter_registry.get(target.type_key)
    except LookupError as error:
        return _failed(delivery, reason=str(error), retryable=False, rule=rule, audit=audit)
    from amtsweg.hub.targets import target_send_problems

    try:
        problems = target_send_problems(target=target)
    except crypto.DecryptionFailed as error:
        return _failed(delivery, reason=str(error), retryable=False, rule=rule, audit=audit)
    if problems:
        # A configuration error repeats on every attempt: dead-letter at once, readable for the operator.
        reason = f"Konfiguration des Zielsystems „{target.name}“ ungültig: " + " ".join(problems)
        return _failed(delivery, reason=reason, retryable=False, rule=rule, audit=audit)
    try:
        result = adapter.deliver(payload=payload, config=target_config(target=target))
    except DeliveryError as error:
        return _failed(delivery, reason=error.reason, retryable=error.retryable, rule=rule, audit=audit)
    except KeyError as error:
        # An adapter reading a setting the configuration lacks: a configuration (or adapter) error, not transient.
        name = error.args[0] if error.args and isinstance(error.args[0], str) else "?"
        reason = f"Konfiguration des Zielsystems „{target.name}“ unvollständig: Angabe „{name[:60]}“ fehlt."
        return _failed(delivery, reason=reason, retryable=False, rule=rule, audit=audit)
    except Exception as error:  # noqa: BLE001 - an adapter bug must not lose the delivery
        # Only the class name: exception texts may carry personal data or secrets.
        return _failed(
            delivery,
            reason=f"Unerwarteter Fehler im Adapter: {type(error).__name__}",
            retryable=True,
            rule=rule,
            audit=audit,
        )
    reference = (result.remote_reference or "")[:200]
    values = {
        "status": Delivery.Status.DELIVERED,
        "delivered_at": clock.now(),
        "remote_reference": reference,
        "last_error": "",
        "claimed_at": None,
        "next_attempt_at": None,
        "rule": rule,
    }
    audit.append(
        _audit_entry(
            "sent", delivery, {"target": target.pk, "attempt": delivery.attempts, "remote_reference": reference}
        )
    )
    logger.info("hub delivery delivered delivery=%s attempt=%s", delivery.pk, delivery.attempts)
    return _Outcome(delivery, "delivered", values, None, audit, "delivered")


def _outcomes_record(outcomes: list[_Outcome], *, tasks_done: dict | None = None) -> None:
    """Write the outcomes of a batch in ONE transaction: the guarded status updates, follow-up tasks,
    the taken-over task rows (``tasks_done``: task id → return value) and, as the last statement, all
    audit entries (the chain lock is held to commit, so it is taken as late as possible)."""
    entries = [entry for item in outcomes for entry in item.audit]
    delivered = [item for item in outcomes if item.outcome == "delivered"]
    with transaction.atomic():
        if len(delivered) > 1:
            _finish_delivered(delivered)
        for item in outcomes:
            if len(delivered) > 1 and item.outcome == "delivered":
                continue
            if _finish(item.delivery, **item.values) and item.enqueue_at is not None:
                _enqueue(item.delivery.pk, at=item.enqueue_at)
        if tasks_done:
            _tasks_complete(tasks_done)
        if entries:
            try:
                from amtsweg.audit.services import audit_record_many
            except ImportError:
                pass
            else:
                audit_record_many(entries=entries)
    for item in outcomes:
        if item.metric:
            _observe(item.delivery, item.metric)


def _finish_delivered(items: list[_Outcome]) -> None:
    """The common outcome of a batch, "delivered", with the same guard as ``_finish`` but as one
    ``executemany`` (pipelined by psycopg) instead of one ORM UPDATE per row: building those costs more
    CPU than the delivery itself."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    now = clock.now()
    # Only the quoted table name is interpolated; every value is a parameter.
    sql = (
        f"UPDATE {table} SET status = %s, delivered_at = %s, remote_reference = %s, last_error = '', "  # noqa: S608
        "claimed_at = NULL, next_attempt_at = NULL, rule_id = %s, updated_at = %s "
        "WHERE id = %s AND status = %s AND claimed_at = %s"
    )
    field = Delivery._meta.get_field("claimed_at")
    params = [
        (
            Delivery.Status.DELIVERED,
            field.get_db_prep_value(now, connection),
            i.values["remote_reference"],
            i.values["rule"].pk,
            field.get_db_prep_value(now, connection),
            Delivery._meta.pk.get_db_prep_value(i.delivery.pk, connection),
            Delivery.Status.SENDING,
            field.get_db_prep_value(i.delivery.claimed_at, connection),
        )
        for i in items
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def delivery_process(*, delivery_id) -> str:
    """One attempt of a delivery. Returns delivered|retry|dead|waiting-receipt|skipped."""
    return deliveries_process(delivery_id=delivery_id)[str(delivery_id)]


# --- batches: one task run takes over further due delivery tasks ----------------------------------------


def _tasks_take(*, limit: int, worker_id: str) -> dict[str, list]:
    """Take over up to ``limit`` READY ``delivery_attempt`` task rows (SKIP LOCKED on PostgreSQL): they
    become RUNNING under ``worker_id``, exactly as if a worker had picked each one. Returns delivery id →
    task ids. Runs inside the caller's claim transaction."""
    from django_tasks_db.models import DBTaskResult

    from amtsweg.hub.tasks import delivery_attempt

    rows = DBTaskResult.objects.ready().filter(
        task_path=delivery_attempt.module_path, backend_name=delivery_attempt.backend
    )
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    taken: dict[str, list] = {}
    fresh = []  # rows never run before (the normal case): taken over with one UPDATE
    started = timezone.now()
    for row in rows.only("id", "args_kwargs", "worker_ids")[:limit]:
        args = (row.args_kwargs or {}).get("args") or []
        if len(args) != 1:
            continue
        if row.worker_ids:
            DBTaskResult.objects.filter(pk=row.pk, status="READY").update(
                status="RUNNING", started_at=started, worker_ids=[*row.worker_ids, worker_id]
            )
        else:
            fresh.append(row.pk)
        taken.setdefault(str(args[0]), []).append(row.pk)
    if fresh:
        DBTaskResult.objects.filter(pk__in=fresh, status="READY").update(
            status="RUNNING", started_at=started, worker_ids=[worker_id]
        )
    return taken


def _tasks_complete(done: dict) -> None:
    """Mark taken-over task rows SUCCESSFUL (as the worker would), one UPDATE per distinct return value."""
    from django_tasks_db.models import DBTaskResult

    finished = timezone.now()
    by_value: dict[str, list] = {}
    for task_id, value in done.items():
        by_value.setdefault(json.dumps(value, sort_keys=True), []).append(task_id)
    for value, task_ids in by_value.items():
        DBTaskResult.objects.filter(pk__in=task_ids, status="RUNNING").update(
            status="SUCCESSFUL",
            finished_at=finished,
            return_value=json.loads(value),
            exception_class_path="",
            traceback="",
        )


def deliveries_process(*, delivery_id, worker_id: str | None = None, batch: int = 1) -> dict[str, str]:
    """One attempt of ``delivery_id`` and, with ``batch`` > 1, of up to ``batch − 1`` further due deliveries
    whose ``delivery_attempt`` tasks are waiting: their task rows are taken over (RUNNING under
    ``worker_id``) in the claim transaction and completed in the outcome transaction.

    Why: each task run costs the queue two commits of its own (take, complete) and each attempt two
    (claim, outcome); a batch shares all four. The task rows stay the durable record of the work: a
    worker killed mid-batch leaves the deliveries "sending" (claimed by it) and its task rows RUNNING; a live
    worker gives both back once the dead one's heartbeat lease expires (``deliveries_release_worker``,
    ``amtsweg.core.workers``), with ``deliveries_resume`` as the safety net. A batch starts no new send
    after ``BATCH_BUDGET_SECONDS`` and gives the remaining claims back ("released", task enqueued again).
    Returns delivery id → outcome (delivered|retry|dead|waiting-receipt|released|skipped).
    """
    own = str(delivery_id)
    taken: dict[str, list] = {}
    if batch > 1 and worker_id:
        with transaction.atomic():
            taken = _tasks_take(limit=batch - 1, worker_id=worker_id)
            claimed = _claim_many({own, *taken}, worker_id=worker_id)
    else:
        claimed = _claim_many([own], worker_id=worker_id)
    claimed.sort(key=lambda d: str(d.pk) != own)  # the run's own delivery first
    rules: dict = {}
    outcomes = {}
    # Real elapsed time (the hub clock may be simulated).
    deadline = time.monotonic() + BATCH_BUDGET_SECONDS
    for delivery in claimed:
        if outcomes and time.monotonic() > deadline:
            outcomes[str(delivery.pk)] = _release(delivery)
        else:
            outcomes[str(delivery.pk)] = _attempt(delivery, rules)
    results = {key: outcomes[key].outcome if key in outcomes else "skipped" for key in {own, *taken}}
    # Without the delivery id (it is in the row's args), so equal outcomes complete with one UPDATE.
    tasks_done = {
        task_id: {"outcome": results[key], "taken_over_by": own}
        for key, task_ids in taken.items()
        for task_id in task_ids
    }
    _outcomes_record(list(outcomes.values()), tasks_done=tasks_done)
    return results


def _observe(delivery: Delivery, status: str) -> None:
    """Latency from routing to this outcome, for the Prometheus histogram (per process)."""
    from amtsweg.core.metrics import delivery_observed

    delivery_observed(seconds=(clock.now() - delivery.created_at).total_seconds(), status=status)


def deliveries_resume(*, timeout: timedelta = SENDING_TIMEOUT) -> int:
    """Re-enqueue deliveries whose worker died ("sending" longer than ``timeout``) and due deliveries
    without a waiting task (a lost task row). Returns how many were enqueued. Safe any time."""
    from django_tasks_db.models import DBTaskResult

    from amtsweg.hub.tasks import delivery_attempt

    now = clock.now()
    count = 0
    stuck = Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - timeout)
    for pk in stuck.values_list("pk", flat=True):
        with transaction.atomic():
            if Delivery.objects.filter(pk=pk, status=Delivery.Status.SENDING, claimed_at__lt=now - timeout).update(
                status=Delivery.Status.FAILED_RETRYING,
                claimed_at=None,
                next_attempt_at=now,
                last_error="Zustellversuch abgebrochen (Worker beendet); wird fortgesetzt.",
                updated_at=now,
            ):
                _enqueue(pk)
                _audit("resumed", message_id=Delivery.objects.get(pk=pk).message_id, delivery_id=pk)
                count += 1
    from django.utils import timezone

    # A RUNNING row whose worker was killed stays RUNNING forever: only a recently started one counts
    # as busy (task rows use real time, not the hub clock).
    waiting = DBTaskResult.objects.filter(task_path=delivery_attempt.module_path).filter(
        Q(status="READY") | Q(status="RUNNING", started_at__gte=timezone.now() - timeout)
    )
    busy = {row["args"][0] for row in waiting.values_list("args_kwargs", flat=True) if row.get("args")}
    due = Delivery.objects.filter(
        status__in=[Delivery.Status.QUEUED, Delivery.Status.FAILED_RETRYING], next_attempt_at__lte=now - timeout
    )
    for pk in due.values_list("pk", flat=True):
        if str(pk) not in busy:
            with transaction.atomic():
                _enqueue(pk)
            count += 1
    return count


def deliveries_release_worker(*, worker_id: str, tasks: list[tuple[str, list]]) -> int:
    """Give back the deliveries a dead worker had claimed ("sending" with ``claimed_by`` = ``worker_id``):
    failed_retrying, due now. ``tasks`` are the (task path, args) of the dead worker's task rows that the
    caller has just put back to READY in the same transaction: a delivery among them is picked up by that
    row, any other gets a new task. Guarded on status and claim, so a second recoverer changes nothing.
    Returns how many deliveries were given back."""
    from amtsweg.hub.tasks import delivery_attempt

    requeued = {str(args[0]) for path, args in tasks if path == delivery_attempt.module_path and len(args) == 1}
    now = clock.now()
    stranded = Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_by=worker_id)
    released = list(stranded.values_list("pk", "message_id"))
    if not released:
        return 0
    count = stranded.filter(pk__in=[pk for pk, _ in released]).update(
        status=Delivery.Status.FAILED_RETRYING,
        claimed_at=None,
        claimed_by="",
        next_attempt_at=now,
        last_error="Zustellversuch abgebrochen (Worker beendet); wird fortgesetzt.",
        updated_at=now,
    )
    for pk, message_id in released:
        if str(pk) not in requeued:
            _enqueue(pk)
        _audit("resumed", message_id=message_id, delivery_id=pk, detail={"reason": "Worker beendet, übernommen"})
    return count


def deliveries_due() -> list:
    """Ids of deliveries whose next attempt is due by the hub clock (used by tests and the simulator)."""
    return list(
        Delivery.objects.filter(
            status__in=[Delivery.Status.QUEUED, Delivery.Status.FAILED_RETRYING], next_attempt_at__lte=clock.now()
        ).values_list("pk", flat=True)
    )


def delivery_replay(*, delivery: Delivery, actor) -> Delivery:
    """Queue a dead (or waiting) delivery again; the next attempt uses the CURRENT active rule version."""
    if delivery.status not in (Delivery.Status.DEAD, Delivery.Status.FAILED_RETRYING):
        raise ValueError(
            "Nur aufgegebene oder wartende Zustellungen können wiederholt werden "
            f"(Status: {delivery.get_status_display()})."
        )
    now = clock.now()
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk, status=delivery.status).update(
            status=Delivery.Status.QUEUED, attempts=0, next_attempt_at=now, claimed_at=None, rule=None, updated_at=now
        )
        _enqueue(delivery.pk)
        _audit(
            "replayed",
            message_id=delivery.message_id,
            delivery_id=delivery.pk,
            detail={"actor": getattr(actor, "pk", None) or str(actor or ""), "previous_error": delivery.last_error},
        )
    delivery.refresh_from_db()
    return delivery
