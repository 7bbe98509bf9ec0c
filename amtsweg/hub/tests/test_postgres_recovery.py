"""kill -9 of a ``manage.py worker`` in the middle of a burst of deliveries, on PostgreSQL with real worker
processes and the real demo Fachverfahren: the surviving worker takes the stranded work over by itself
(heartbeat registry, ``amtsweg.ops.workers``) — no ``deliveries_resume``, no restart, no command — and
every delivery arrives exactly once in effect.

The takeover time (SIGKILL → dead worker's registration recovered) is printed, not asserted (machine
dependent); ``benchmarks/recovery.py`` measures it for both detection paths (local process check, lease).
"""

from __future__ import annotations

import os
import signal
import time

import pytest
from django_tasks_db.models import DBTaskResult

from amtsweg.audit.models import AuditEntry
from amtsweg.hub.models import Delivery
from amtsweg.hub.tests.test_e2e_hub_support import api_message, routed_world, wait_for, worker_start
from amtsweg.ops.models import WorkerProcess

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DELIVERIES = int(os.environ.get("AMTSWEG_TEST_RECOVERY_DELIVERIES", "300"))
VICTIM, SURVIVOR = "victim-worker", "survivor-worker"


@pytest.fixture
def world(fachverfahren_receiver):
    from amtsweg.hub.rules import rules_load

    rules_load()
    gemeinde, authority = routed_world(receiver=fachverfahren_receiver, timeout=30)
    return gemeinde, authority


def _stop_mid_send(process) -> tuple[set[str], int]:
    """Freeze the victim while it holds claimed deliveries (SIGSTOP makes that state stable), then
    SIGKILL it. Returns the ids of the deliveries it had in "sending" and the number of its RUNNING task rows."""
    for _ in range(100):
        wait_for(
            lambda: Delivery.objects.filter(status="sending", claimed_by=VICTIM).exists(),
            timeout=120,
            step=0.005,
            what="the victim to be in the middle of sending",
        )
        os.kill(process.pid, signal.SIGSTOP)
        sending = Delivery.objects.filter(status="sending", claimed_by=VICTIM).values_list("pk", flat=True)
        stranded = {str(pk) for pk in sending}
        if stranded:
            running = DBTaskResult.objects.running().values_list("worker_ids", flat=True)
            os.kill(process.pid, signal.SIGKILL)
            return stranded, sum(1 for ids in running if ids and ids[-1] == VICTIM)
        os.kill(process.pid, signal.SIGCONT)  # between two batches: try again
    raise AssertionError("never caught the victim mid-send")


def test_kill_9_mid_burst_is_taken_over_by_the_live_worker_without_any_command(
    world, fachverfahren_receiver, tmp_path, capsys
):
    gemeinde, authority = world
    for index in range(DELIVERIES):
        api_message(index=index, authority=authority, gemeinde=gemeinde, prefix="k9b")
    deliveries = Delivery.objects.all()
    keys = set(deliveries.values_list("idempotency_key", flat=True))
    assert len(keys) == DELIVERIES
    # A little latency per request, so a worker is mid-send most of the time (and both are busy).
    fachverfahren_receiver.hang_next(DELIVERIES, seconds=0.02)

    log = open(tmp_path / "workers.log", "wb")  # noqa: SIM115 - closed in finally
    victim = worker_start(batch=False, interval="0.05", log=log, command="worker", worker_id=VICTIM)
    survivor = worker_start(batch=False, interval="0.05", log=log, command="worker", worker_id=SURVIVOR)
    try:
        wait_for(lambda: WorkerProcess.objects.count() == 2, timeout=60, what="both workers to register")
        wait_for(lambda: deliveries.filter(status="delivered").count() >= 20, timeout=120, what="the burst to run")
        stranded, stranded_tasks = _stop_mid_send(victim)
        killed_at = time.monotonic()
        assert victim.wait(timeout=30) == -signal.SIGKILL
        assert stranded_tasks  # its task rows were RUNNING: now under a dead worker

        # No command from here on: the survivor notices the dead worker and takes its work over.
        wait_for(
            lambda: not WorkerProcess.objects.filter(pk=VICTIM).exists(),
            timeout=120,
            step=0.01,
            what="the takeover",
        )
        takeover = time.monotonic() - killed_at
        wait_for(
            lambda: deliveries.filter(pk__in=stranded, status="delivered").count() == len(stranded),
            timeout=120,
            step=0.02,
            what="the stranded deliveries to be delivered",
        )
        redelivered = time.monotonic() - killed_at
        wait_for(
            lambda: deliveries.filter(status="delivered").count() == DELIVERIES,
            timeout=300,
            step=0.1,
            what="all deliveries to be delivered",
        )
        assert survivor.poll() is None  # the survivor did it, still running
    finally:
        for process in (victim, survivor):
            if process.poll() is None:
                process.terminate()
        for process in (victim, survivor):
            process.wait(timeout=60)
        log.close()

    assert set(deliveries.values_list("status", flat=True)) == {"delivered"}, (tmp_path / "workers.log").read_text()
    # Exactly once in effect: the Fachverfahren holds each delivery once (a resend was answered 409).
    accepted = fachverfahren_receiver.accepted()
    assert len(accepted) == DELIVERIES and {a["idempotency_key"] for a in accepted} == keys
    assert fachverfahren_receiver.rejected_signatures == 0
    # Only the stranded ones were attempted twice, each resumed once and sent once.
    assert set(deliveries.filter(pk__in=stranded).values_list("attempts", flat=True)) == {2}
    assert set(deliveries.exclude(pk__in=stranded).values_list("attempts", flat=True)) == {1}
    resumed = AuditEntry.objects.filter(event="resumed").values_list("delivery_id", flat=True)
    assert sorted(resumed) == sorted(stranded)
    sent = list(AuditEntry.objects.filter(event="sent").values_list("delivery_id", flat=True))
    assert len(sent) == len(set(sent)) == DELIVERIES
    assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()
    assert not WorkerProcess.objects.exists()  # the survivor unregistered on SIGTERM
    with capsys.disabled():
        print(
            f"\n[recovery] {DELIVERIES} deliveries, {len(stranded)} stranded in 'sending' and "
            f"{stranded_tasks} task row(s) RUNNING at kill -9; taken over {takeover:.2f} s after SIGKILL, "
            f"stranded deliveries delivered {redelivered:.2f} s after SIGKILL"
        )
