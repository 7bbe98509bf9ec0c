"""The delivery processor: claim, attempt (transform, validate, send), and batches of attempts.

Design (docs/adr/0007-integration-hub.md): every Delivery has its own django-tasks task
``delivery_attempt``; a run claims the row with a guarded status transition (queued|failed_retrying →
sending) in a short transaction, transforms + validates with the CURRENT active rule version, calls the
adapter with the delivery's stable idempotency key and records the outcome (``outcomes``). Transient
failures enqueue the task again with exponential backoff and full jitter; after
``AMTSWEG_HUB_MAX_ATTEMPTS`` or on a non-retryable error the delivery is "dead" with a readable reason
until an admin replays it.
"""

from __future__ import annotations

import logging
import time

from django.db import connection, transaction
from django.db.models import F, Q

from amtsweg.common import clock
from amtsweg.hub import crypto
from amtsweg.hub.adapters.base import DeliveryError
from amtsweg.hub.models import Delivery
from amtsweg.hub.services.outbound import _audit_entry, delivery_payload, rule_for
from amtsweg.hub.services.outcomes import _failed, _Outcome, _outcomes_record, _release
from amtsweg.hub.services.receipts import receipt_deadline, receipt_for
from amtsweg.hub.services.taskrows import _tasks_take
from amtsweg.hub.targets import target_config, target_send_problems
from amtsweg.hub.transform import TransformError

logger = logging.getLogger(__name__)

# Deliveries one task run may take on besides its own (their READY task rows are taken over, see
# ``deliveries_process``). Bounds the work lost to a kill -9 and the latency added to the first one.
BATCH_SIZE = 16
# A batch starts no further send after this long (slow or hanging receivers) and gives the rest back:
# the claim of an unsent delivery must never come near SENDING_TIMEOUT (``resume``), after which it is resumed.
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
            .select_related("message__authority", "message__vorgang", "target")
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


def _attempt(delivery: Delivery, rules: dict) -> _Outcome:
    """Transform, validate and send one claimed delivery; no database writes (see ``_outcomes_record``)."""
    ready, receipt_pdf = receipt_for(delivery=delivery)
    if not ready:
        # Give the claim back without counting an attempt; the receipt's hand-over releases it (or the deadline).
        next_at = receipt_deadline(message=delivery.message)
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
    return _send(delivery, payload=payload, rule=rule, audit=audit)


def _send(delivery: Delivery, *, payload, rule, audit: list) -> _Outcome:
    """Hand the payload to the target's adapter (after checking its configuration) and judge the result."""
    from amtsweg.hub.registry import adapter_registry

    target = delivery.target
    try:
        adapter = adapter_registry.get(target.type_key)
    except LookupError as error:
        return _failed(delivery, reason=str(error), retryable=False, rule=rule, audit=audit)
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


def delivery_process(*, delivery_id) -> str:
    """One attempt of a delivery. Returns delivered|retry|dead|waiting-receipt|skipped."""
    return deliveries_process(delivery_id=delivery_id)[str(delivery_id)]


def deliveries_process(*, delivery_id, worker_id: str | None = None, batch: int = 1) -> dict[str, str]:
    """One attempt of ``delivery_id`` and, with ``batch`` > 1, of up to ``batch − 1`` further due deliveries
    whose ``delivery_attempt`` tasks are waiting: their task rows are taken over (RUNNING under
    ``worker_id``) in the claim transaction and completed in the outcome transaction.

    Why: each task run costs the queue two commits of its own (take, complete) and each attempt two
    (claim, outcome); a batch shares all four. The task rows stay the durable record of the work: a
    worker killed mid-batch leaves the deliveries "sending" (claimed by it) and its task rows RUNNING; a live
    worker gives both back once the dead one's heartbeat lease expires (``deliveries_release_worker``,
    ``amtsweg.ops.workers``), with ``deliveries_resume`` as the safety net. A batch starts no new send
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
    outcomes: dict[str, _Outcome] = {}
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
