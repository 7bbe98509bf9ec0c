"""The receipt PDF of a portal submission, handed over to the hub once it is rendered.

Deliveries to targets that want the receipt wait for it ("waiting-receipt", no polling): the hand-over
(``message_receipt_attach``) makes them due and enqueues their tasks. A receipt that does not come within
``RECEIPT_WAIT_MAX`` of the submission is not waited for any longer (the delivery goes without it).

Lost wake-ups are excluded by the message row: the hand-over updates it before it looks for waiting
deliveries, and a worker recording "waiting-receipt" locks it before it looks at ``receipt_attached_at``
(``receipt_arrived``), so one of the two always sees the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from uuid import UUID

from django.db import transaction

from amtsweg.common import clock
from amtsweg.hub import crypto
from amtsweg.hub.models import Delivery, Message
from amtsweg.hub.services.taskrows import delivery_task_enqueue

# A receipt is not waited for longer than this after the submission (its rendering is then considered stuck).
RECEIPT_WAIT_MAX = timedelta(hours=1)


def message_receipt_attach(*, message_id: UUID | str, pdf: bytes) -> int:
    """Store the receipt of a message (encrypted; the first one counts) and release the deliveries that
    wait for it, in the caller's transaction. Returns how many deliveries were released."""
    now = clock.now()
    with transaction.atomic():
        attached = Message.objects.filter(pk=message_id, receipt_attached_at__isnull=True).update(
            receipt_expected=True, receipt_encrypted=crypto.encrypt(pdf), receipt_attached_at=now
        )
        if not attached:
            return 0
        waiting = Delivery.objects.filter(
            message_id=message_id, status=Delivery.Status.QUEUED, target__wants_receipt=True, next_attempt_at__gt=now
        )
        released = list(waiting.values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=released, status=Delivery.Status.QUEUED).update(
            next_attempt_at=now, updated_at=now
        )
        for pk in released:
            delivery_task_enqueue(pk)
    return len(released)


def receipt_for(*, delivery: Delivery) -> tuple[bool, bytes | None]:
    """(ready, pdf): whether the delivery may go now and the receipt to carry."""
    message = delivery.message
    if not delivery.target.wants_receipt or not message.receipt_expected:
        return True, None
    if message.receipt_attached_at is None:
        return (True, None) if clock.now() > receipt_deadline(message=message) else (False, None)
    return True, crypto.decrypt(message.receipt_encrypted)


def receipt_deadline(*, message: Message) -> datetime:
    """When a delivery stops waiting for the receipt (hub clock)."""
    return message.submitted_at + RECEIPT_WAIT_MAX


def receipts_arrived(*, message_ids: Iterable[UUID | str]) -> set[UUID]:
    """Which of the messages have their receipt handed over, with their rows locked (in pk order) to the end
    of the caller's transaction, attached or not (see the module doc)."""
    rows = Message.objects.select_for_update().filter(pk__in=list(message_ids)).order_by("pk")
    return {pk for pk, attached_at in rows.values_list("pk", "receipt_attached_at") if attached_at is not None}
