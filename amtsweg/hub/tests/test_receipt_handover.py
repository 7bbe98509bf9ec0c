"""The receipt is handed over by submissions when it is rendered (no polling by the hub): waiting
deliveries are released at once, also when the hand-over falls into a running attempt; existing
messages are migrated."""

from __future__ import annotations

import importlib

from django.apps import apps
from django_tasks_db.models import DBTaskResult

from amtsweg.common import clock
from amtsweg.hub.models import Delivery, Message
from amtsweg.hub.services import delivery_process, message_receipt_attach
from amtsweg.hub.services.outcomes import _outcomes_record
from amtsweg.hub.services.processor import _attempt, _claim_many
from amtsweg.hub.services.receipts import RECEIPT_WAIT_MAX
from amtsweg.hub.tasks import delivery_attempt


def _waiting_delivery(submit, target_factory, authority) -> Delivery:
    target_factory(authority=authority, type_key="http", wants_receipt=True)
    delivery = Delivery.objects.get(message__vorgang__submission=submit())
    assert delivery.message.receipt_expected
    assert delivery_process(delivery_id=delivery.pk) == "waiting-receipt"
    delivery.refresh_from_db()
    return delivery


def test_waiting_delivery_sleeps_until_the_deadline_and_the_hand_over_wakes_it(
    submit, target_factory, dresden_authority, rules, receiver, sim_clock
):
    from amtsweg.submissions.services import receipt_store

    delivery = _waiting_delivery(submit, target_factory, dresden_authority)
    # No polling: the next look is the deadline, after which it would go without the receipt.
    assert delivery.status == "queued" and delivery.attempts == 0
    assert delivery.next_attempt_at == delivery.message.submitted_at + RECEIPT_WAIT_MAX

    receipt_store(submission=delivery.message.vorgang.submission)  # the receipt task hands the PDF over

    delivery.refresh_from_db()
    assert delivery.next_attempt_at <= clock.now()  # due at once, without advancing the clock
    assert delivery_process(delivery_id=delivery.pk) == "delivered"
    assert receiver.calls[0][1].receipt_pdf.startswith(b"%PDF")
    message = Message.objects.get(pk=delivery.message_id)
    assert message.receipt_attached_at is not None and message.receipt_encrypted
    assert b"%PDF" not in message.receipt_encrypted.encode()  # stored encrypted


def test_second_hand_over_changes_nothing(submit, target_factory, dresden_authority, rules, receiver, sim_clock):
    delivery = _waiting_delivery(submit, target_factory, dresden_authority)
    assert message_receipt_attach(message_id=delivery.message_id, pdf=b"%PDF-1.7 first\n%%EOF") == 1
    stored = Message.objects.get(pk=delivery.message_id).receipt_encrypted
    assert message_receipt_attach(message_id=delivery.message_id, pdf=b"%PDF-1.7 second\n%%EOF") == 0
    assert Message.objects.get(pk=delivery.message_id).receipt_encrypted == stored
    assert delivery_process(delivery_id=delivery.pk) == "delivered"
    assert receiver.calls[0][1].receipt_pdf == b"%PDF-1.7 first\n%%EOF"


def test_hand_over_during_an_attempt_is_not_lost(submit, target_factory, dresden_authority, rules, receiver, sim_clock):
    delivery = _waiting_delivery(submit, target_factory, dresden_authority)
    sim_clock.advance(seconds=RECEIPT_WAIT_MAX.total_seconds() - 60)  # still waiting, but due for this test
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=clock.now())
    (claimed,) = _claim_many([delivery.pk], worker_id="w-race")  # the attempt has loaded the message …
    message_receipt_attach(message_id=delivery.message_id, pdf=b"%PDF-1.7 late\n%%EOF")  # … then it arrives
    outcome = _attempt(claimed, {})
    assert outcome.outcome == "waiting-receipt"  # the attempt did not see it

    tasks_before = DBTaskResult.objects.filter(task_path=delivery_attempt.module_path).count()
    _outcomes_record([outcome])

    delivery.refresh_from_db()
    assert delivery.status == "queued" and delivery.next_attempt_at <= clock.now()
    assert DBTaskResult.objects.filter(task_path=delivery_attempt.module_path).count() == tasks_before + 1
    assert delivery_process(delivery_id=delivery.pk) == "delivered"
    assert receiver.calls[0][1].receipt_pdf == b"%PDF-1.7 late\n%%EOF"


def test_migration_hands_existing_receipts_over(submit, target_factory, dresden_authority, rules, receiver):
    from amtsweg.submissions.services import receipt_store

    target_factory(authority=dresden_authority, type_key="http", wants_receipt=True)
    rendered, pending = submit(), submit()
    receipt_store(submission=rendered)
    # The state before the hand-over existed: no message knows of a receipt.
    Message.objects.update(receipt_expected=False, receipt_attached_at=None, receipt_encrypted="")

    migration = importlib.import_module("amtsweg.hub.migrations.0004_message_receipt_handover")
    migration.receipts_hand_over(apps, None)

    done, waiting = Message.objects.get(vorgang__submission=rendered), Message.objects.get(vorgang__submission=pending)
    assert done.receipt_expected and done.receipt_attached_at == rendered.receipt_ready_at
    assert waiting.receipt_expected and waiting.receipt_attached_at is None and not waiting.receipt_encrypted
    delivery = Delivery.objects.get(message=done)
    assert delivery_process(delivery_id=delivery.pk) == "delivered"
    with rendered.receipt_pdf.open("rb") as handle:
        assert receiver.calls[0][1].receipt_pdf == handle.read()


def test_admin_never_shows_the_encrypted_receipt(admin_client, submit, target_factory, dresden_authority, rules):
    from django.urls import reverse

    target_factory(authority=dresden_authority, type_key="http", wants_receipt=True)
    message = Message.objects.get(vorgang__submission=submit())
    message_receipt_attach(message_id=message.pk, pdf=b"%PDF-1.7 admin\n%%EOF")
    token = Message.objects.get(pk=message.pk).receipt_encrypted
    page = admin_client.get(reverse("admin:hub_message_change", args=[message.pk]))
    assert page.status_code == 200 and "Eingangsbestätigung übergeben am" in page.content.decode()
    assert token[:40] not in page.content.decode()
