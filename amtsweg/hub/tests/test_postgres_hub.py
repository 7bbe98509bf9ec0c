"""The hub on PostgreSQL with real ``db_worker`` processes and real local receivers: the end-to-end
flow of test_e2e_hub (two Leistungen, two Kommunen, five system types), two workers draining a hundred
deliveries exactly once, and a ``manage.py worker`` killed with SIGKILL in the middle of a delivery whose
work the next worker takes over by itself, without a second effect at the receiver (the burst version:
test_postgres_recovery.py).

Run by the second pass of ``./dev test`` (``DATABASE_URL=postgres://… pytest -m postgres``). The tests
commit (workers are other processes), so pytest-django flushes the tables afterwards; they therefore
create the little reference data they need themselves (``minimal_world``) and do not depend on order.
"""

from __future__ import annotations

import os
import signal
from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from amtsweg.audit.models import AuditEntry
from amtsweg.audit.services import audit_verify
from amtsweg.hub.models import Delivery
from amtsweg.hub.services import deliveries_resume
from amtsweg.hub.tasks import delivery_attempt
from amtsweg.hub.tests.test_e2e_hub_support import api_message, routed_world, wait_for, worker_start

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DELIVERIES = 100


@pytest.fixture
def world(fachverfahren_receiver):
    from amtsweg.hub.rules import rules_load

    rules_load()
    gemeinde, authority = routed_world(receiver=fachverfahren_receiver, timeout=30)
    return gemeinde, authority


def test_two_workers_deliver_each_of_a_hundred_exactly_once(world, fachverfahren_receiver, tmp_path):
    gemeinde, authority = world
    for index in range(DELIVERIES):
        api_message(index=index, authority=authority, gemeinde=gemeinde, prefix="pg")
    deliveries = Delivery.objects.all()
    assert deliveries.count() == DELIVERIES
    # A little latency per request so both workers are busy at once (a lone fast worker proves nothing).
    fachverfahren_receiver.hang_next(DELIVERIES, seconds=0.02)

    with open(tmp_path / "workers.log", "wb") as log:
        workers = [worker_start(log=log) for _ in range(2)]
        for worker in workers:
            assert worker.wait(timeout=300) == 0, (tmp_path / "workers.log").read_text()[-3000:]

    assert set(deliveries.values_list("status", flat=True)) == {"delivered"}
    assert set(deliveries.values_list("attempts", flat=True)) == {1}  # nobody claimed a delivery twice
    keys = set(deliveries.values_list("idempotency_key", flat=True))
    accepted = fachverfahren_receiver.accepted()
    assert len(accepted) == DELIVERIES and {a["idempotency_key"] for a in accepted} == keys
    assert fachverfahren_receiver.requests == DELIVERIES  # not even a deduplicated second send
    assert fachverfahren_receiver.rejected_signatures == 0
    sent = AuditEntry.objects.filter(event="sent").values_list("delivery_id", flat=True)
    assert sorted(sent) == sorted(str(pk) for pk in deliveries.values_list("pk", flat=True))
    tasks = DBTaskResult.objects.filter(task_path=delivery_attempt.module_path)
    assert tasks.successful().count() == DELIVERIES
    worker_ids = {wid for ids in tasks.values_list("worker_ids", flat=True) for wid in ids}
    assert len(worker_ids) == 2
    # The audit chain stayed consistent under two concurrent writers.
    assert audit_verify().ok


def test_worker_killed_mid_delivery_is_resumed_and_the_receiver_sees_one_effect(
    world, fachverfahren_receiver, tmp_path
):
    """kill -9 mid-send; a worker started afterwards takes the work over by itself (the dead worker's
    registration, amtsweg.ops.workers) — no ``deliveries_resume`` run by hand."""
    gemeinde, authority = world
    delivery = Delivery.objects.get(message=api_message(index=1, authority=authority, gemeinde=gemeinde, prefix="k9"))
    # The receiver holds this request for a while (and then processes it): the worker is mid-send.
    fachverfahren_receiver.hang_next(1, seconds=4)

    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - shared by both workers below
    try:
        worker = worker_start(batch=False, interval="0.05", log=log, command="worker", worker_id="killed-worker")
        wait_for(
            lambda: fachverfahren_receiver.requests == 1 and Delivery.objects.get(pk=delivery.pk).status == "sending",
            timeout=60,
            what="the worker to be in the middle of sending",
        )
        os.kill(worker.pid, signal.SIGKILL)
        assert worker.wait(timeout=30) == -signal.SIGKILL

        delivery.refresh_from_db()
        assert delivery.status == "sending" and delivery.delivered_at is None  # the outcome was never recorded
        assert delivery.claimed_by == "killed-worker"
        assert deliveries_resume(timeout=timedelta(minutes=10)) == 0  # the safety net leaves a fresh claim alone

        # A restart right after the crash: the new worker sees the old one's process gone and takes over.
        restarted = worker_start(batch=False, interval="0.05", log=log, command="worker")
        try:
            wait_for(
                lambda: Delivery.objects.get(pk=delivery.pk).status == "delivered",
                timeout=120,
                step=0.05,
                what="the stranded delivery to be taken over and delivered",
            )
        finally:
            restarted.terminate()
            assert restarted.wait(timeout=60) == 0
    finally:
        log.close()

    delivery.refresh_from_db()
    assert delivery.status == "delivered", delivery.last_error
    assert delivery.attempts == 2
    # Sent twice with the same Idempotency-Key, but only one effect in the Fachverfahren.
    wait_for(lambda: fachverfahren_receiver.requests == 2, timeout=10, what="both requests")
    accepted = fachverfahren_receiver.accepted()
    assert len(accepted) == 1 and accepted[0]["idempotency_key"] == delivery.idempotency_key
    assert delivery.remote_reference == accepted[0]["id"]
    events = list(AuditEntry.objects.filter(delivery_id=str(delivery.pk)).values_list("event", flat=True))
    assert events.count("resumed") == 1 and events.count("sent") == 1


def test_end_to_end_with_real_worker_processes(fachverfahren_receiver, smtp_mailbox, sftp_server, drop_dir, tmp_path):
    from django.core.management import call_command

    from amtsweg.directory.models import Authority
    from amtsweg.hub.rules import rules_load
    from amtsweg.hub.tests.test_e2e_hub import e2e_check, e2e_configure, e2e_submit_all

    if not Authority.objects.filter(key="gem-14511000").exists():  # flushed by an earlier PostgreSQL test
        with open(os.devnull, "w") as quiet:
            call_command("bootstrap", "--reference-only", verbosity=0, stdout=quiet)
    rules_load()
    e2e = e2e_configure(
        fachverfahren_receiver=fachverfahren_receiver,
        smtp_mailbox=smtp_mailbox,
        sftp_server=sftp_server,
        drop_dir=drop_dir,
        tmp_path=tmp_path,
    )
    submissions = e2e_submit_all()
    deliveries = Delivery.objects.filter(message__vorgang__submission__in=submissions.values())

    with open(tmp_path / "workers.log", "wb") as log:
        # Receipts are rendered and stored by the workers: give them their own var/ (not the project's).
        env = {"AMTSWEG_VAR_DIR": str(tmp_path / "worker-var")}
        workers = [worker_start(batch=False, interval="0.1", log=log, env=env) for _ in range(2)]
        try:
            wait_for(
                lambda: not deliveries.exclude(status__in=["delivered", "dead"]).exists(),
                timeout=180,
                step=0.2,
                what="all deliveries to settle",
            )
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=60)
    e2e_check(e2e, submissions, fachverfahren_receiver=fachverfahren_receiver, smtp_mailbox=smtp_mailbox)
