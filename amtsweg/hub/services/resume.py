"""Deliveries picked up again: resumed after a dead worker (the scheduler's safety net and the takeover
of a dead worker's claims), replayed by an operator, and the list of due ones."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from amtsweg.common import clock
from amtsweg.hub.models import Delivery
from amtsweg.hub.services.messages import _audit
from amtsweg.hub.services.taskrows import delivery_ids_of_tasks, delivery_task_enqueue, delivery_tasks_busy

# A delivery in "sending" whose worker has not finished after this long is assumed dead (kill -9).
SENDING_TIMEOUT = timedelta(minutes=10)
_ABORTED = "Zustellversuch abgebrochen (Worker beendet); wird fortgesetzt."


def deliveries_resume(*, timeout: timedelta = SENDING_TIMEOUT) -> int:
    """Re-enqueue deliveries whose worker died ("sending" longer than ``timeout``) and due deliveries
    without a waiting task (a lost task row). Returns how many were enqueued. Safe any time."""
    now = clock.now()
    count = 0
    stuck = Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - timeout)
    for pk in stuck.values_list("pk", flat=True):
        with transaction.atomic():
            if Delivery.objects.filter(pk=pk, status=Delivery.Status.SENDING, claimed_at__lt=now - timeout).update(
                status=Delivery.Status.FAILED_RETRYING,
                claimed_at=None,
                next_attempt_at=now,
                last_error=_ABORTED,
                updated_at=now,
            ):
                delivery_task_enqueue(pk)
                _audit("resumed", message_id=Delivery.objects.get(pk=pk).message_id, delivery_id=pk)
                count += 1
    busy = delivery_tasks_busy(timeout=timeout)
    due = Delivery.objects.filter(
        status__in=[Delivery.Status.QUEUED, Delivery.Status.FAILED_RETRYING], next_attempt_at__lte=now - timeout
    )
    for pk in due.values_list("pk", flat=True):
        if str(pk) not in busy:
            with transaction.atomic():
                delivery_task_enqueue(pk)
            count += 1
    return count


def deliveries_release_worker(*, worker_id: str, tasks: list[tuple[str, list]]) -> int:
    """Give back the deliveries a dead worker had claimed ("sending" with ``claimed_by`` = ``worker_id``):
    failed_retrying, due now. ``tasks`` are the (task path, args) of the dead worker's task rows that the
    caller has just put back to READY in the same transaction: a delivery among them is picked up by that
    row, any other gets a new task. Guarded on status and claim, so a second recoverer changes nothing.
    Returns how many deliveries were given back."""
    requeued = delivery_ids_of_tasks(tasks)
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
        last_error=_ABORTED,
        updated_at=now,
    )
    for pk, message_id in released:
        if str(pk) not in requeued:
            delivery_task_enqueue(pk)
        _audit("resumed", message_id=message_id, delivery_id=pk, detail={"reason": "Worker beendet, übernommen"})
    return count


def deliveries_due() -> list:
    """Ids of deliveries whose next attempt is due by the hub clock (used by tests and the simulator)."""
    return list(
        Delivery.objects.filter(
            status__in=[Delivery.Status.QUEUED, Delivery.Status.FAILED_RETRYING], next_attempt_at__lte=clock.now()
        ).values_list("pk", flat=True)
    )


def delivery_replay(*, delivery: Delivery, actor: object) -> Delivery:
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
        delivery_task_enqueue(delivery.pk)
        _audit(
            "replayed",
            message_id=delivery.message_id,
            delivery_id=delivery.pk,
            detail={"actor": getattr(actor, "pk", None) or str(actor or ""), "previous_error": delivery.last_error},
        )
    delivery.refresh_from_db()
    return delivery
