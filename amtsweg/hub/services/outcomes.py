"""What a delivery attempt ends in (delivered, retry with backoff, dead, released, waiting for the
receipt) and how the outcomes of a batch are written: in ONE transaction, guarded on the claim."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from amtsweg.audit.services import audit_record_many
from amtsweg.common import clock
from amtsweg.hub.models import Delivery
from amtsweg.hub.services.outbound import _audit_entry
from amtsweg.hub.services.receipts import receipts_arrived
from amtsweg.hub.services.taskrows import _tasks_complete, delivery_task_enqueue

logger = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_FACTOR = 2
BACKOFF_CAP = timedelta(hours=6)
DEFAULT_MAX_ATTEMPTS = 20


def max_attempts() -> int:
    return int(getattr(settings, "AMTSWEG_HUB_MAX_ATTEMPTS", 0) or DEFAULT_MAX_ATTEMPTS)


def retry_delay(*, attempt: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter: uniform(0, min(cap, base · factor^(attempt-1)))."""
    ceiling = min(BACKOFF_CAP.total_seconds(), BACKOFF_BASE.total_seconds() * BACKOFF_FACTOR ** max(attempt - 1, 0))
    return timedelta(seconds=(rng or random).uniform(0, ceiling))


@dataclass
class _Outcome:
    """What one attempt ends in; written for the whole batch in one transaction (``_outcomes_record``)."""

    delivery: Delivery
    outcome: str  # delivered|retry|dead|waiting-receipt|released
    values: dict
    enqueue_at: object = None  # when to run the task again (retry / waiting for the receipt)
    audit: list = field(default_factory=list)
    metric: str = ""


def _failed(delivery: Delivery, *, reason: str, retryable: bool, rule=None, audit: list | None = None) -> _Outcome:
    reason = reason[:500]
    attempts = delivery.attempts
    values: dict[str, Any] = {"claimed_at": None, "rule": rule} if rule is not None else {"claimed_at": None}
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


def _finish(delivery: Delivery, **values) -> bool:
    """Record the outcome, only if the row is still ours (status sending with our claim)."""
    values["updated_at"] = clock.now()
    return bool(
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING, claimed_at=delivery.claimed_at).update(
            **values
        )
    )


def _outcomes_record(outcomes: list[_Outcome], *, tasks_done: dict | None = None) -> None:
    """Write the outcomes of a batch in ONE transaction: the guarded status updates, follow-up tasks,
    the taken-over task rows (``tasks_done``: task id → return value) and, as the last statement, all
    audit entries (the chain lock is held to commit, so it is taken as late as possible)."""
    entries = [entry for item in outcomes for entry in item.audit]
    delivered = [item for item in outcomes if item.outcome == "delivered"]
    with transaction.atomic():
        _receipts_recheck([item for item in outcomes if item.outcome == "waiting-receipt"])
        if len(delivered) > 1:
            _finish_delivered(delivered)
        for item in outcomes:
            if len(delivered) > 1 and item.outcome == "delivered":
                continue
            if _finish(item.delivery, **item.values) and item.enqueue_at is not None:
                delivery_task_enqueue(item.delivery.pk, at=item.enqueue_at)
        if tasks_done:
            _tasks_complete(tasks_done)
        if entries:
            audit_record_many(entries=entries)
    for item in outcomes:
        if item.metric:
            _observe(item.delivery, item.metric)


def _receipts_recheck(waiting: list[_Outcome]) -> None:
    """A receipt handed over while these attempts ran: due at once instead of waiting (see ``receipts``)."""
    if not waiting:
        return
    arrived = receipts_arrived(message_ids={item.delivery.message_id for item in waiting})
    now = clock.now()
    for item in waiting:
        if item.delivery.message_id in arrived:
            item.values["next_attempt_at"] = item.enqueue_at = now


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


def _observe(delivery: Delivery, status: str) -> None:
    """Latency from routing to this outcome, for the Prometheus histogram (per process)."""
    from amtsweg.hub.metrics import delivery_observed

    delivery_observed(seconds=(clock.now() - delivery.created_at).total_seconds(), status=status)
