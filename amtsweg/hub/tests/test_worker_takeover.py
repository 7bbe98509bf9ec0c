"""Automatic takeover of a dead worker's deliveries (amtsweg.ops.workers + deliveries_release_worker), with
the real HTTP Fachverfahren receiver and the real worker loop in-process on SQLite. The same with real
worker processes killed by SIGKILL: test_postgres_recovery.py."""

from __future__ import annotations

import os
import socket
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from amtsweg.audit.models import AuditEntry
from amtsweg.hub.models import Delivery
from amtsweg.hub.services import _claim_many
from amtsweg.hub.tests.test_e2e_hub_support import api_message, drain, routed_world
from amtsweg.ops import workers
from amtsweg.ops.models import WorkerProcess

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(rules, fachverfahren_receiver):
    gemeinde, authority = routed_world(receiver=fachverfahren_receiver, timeout=5)
    return gemeinde, authority


def _worker(worker_id: str, *, seen_ago: timedelta = timedelta(0), pid: int | None = None) -> WorkerProcess:
    now = timezone.now()
    return WorkerProcess.objects.create(
        worker_id=worker_id,
        hostname=socket.gethostname(),
        pid_namespace=workers._pid_namespace(),
        pid=os.getppid() if pid is None else pid,  # a process that exists
        started_at=now - seen_ago - timedelta(minutes=1),
        last_seen_at=now - seen_ago,
    )


def _stranded(index: int, *, authority, gemeinde, worker_id: str, previous_workers=()) -> tuple[Delivery, DBTaskResult]:
    """A delivery mid-send of ``worker_id``: its task row RUNNING under it, the row claimed by it."""
    delivery = Delivery.objects.get(message=api_message(index=index, authority=authority, gemeinde=gemeinde))
    task = DBTaskResult.objects.get(args_kwargs__args=[str(delivery.pk)])
    DBTaskResult.objects.filter(pk=task.pk).update(worker_ids=list(previous_workers))
    task.refresh_from_db()
    task.claim(worker_id)
    assert [d.pk for d in _claim_many([delivery.pk], worker_id=worker_id)] == [delivery.pk]
    return delivery, task


def test_work_of_a_worker_past_its_lease_is_taken_over_and_delivered_once(world, fachverfahren_receiver, sim_clock):
    gemeinde, authority = world
    _worker("dead", seen_ago=workers.lease() + timedelta(seconds=1))
    _worker("alive")
    dead_delivery, dead_task = _stranded(1, authority=authority, gemeinde=gemeinde, worker_id="dead")
    live_delivery, live_task = _stranded(2, authority=authority, gemeinde=gemeinde, worker_id="alive")
    assert Delivery.objects.get(pk=dead_delivery.pk).claimed_by == "dead"

    summaries = workers.work_recover()

    assert [s["worker"] for s in summaries] == ["dead"]
    assert summaries[0]["tasks_requeued"] == 1 and summaries[0]["deliveries_release_worker"] == 1
    assert set(WorkerProcess.objects.values_list("worker_id", flat=True)) == {"alive"}
    dead_task.refresh_from_db()
    assert dead_task.status == "READY"
    dead_delivery.refresh_from_db()
    assert dead_delivery.status == "failed_retrying" and dead_delivery.claimed_by == ""
    # The live worker's claim and task are left alone.
    assert Delivery.objects.get(pk=live_delivery.pk).status == "sending"
    assert DBTaskResult.objects.get(pk=live_task.pk).status == "RUNNING"
    # A second recoverer (or the next beat) finds nothing to do: nothing is enqueued twice.
    assert workers.work_recover() == []
    assert DBTaskResult.objects.filter(args_kwargs__args=[str(dead_delivery.pk)]).count() == 1

    drain(sim_clock)
    dead_delivery.refresh_from_db()
    assert dead_delivery.status == "delivered" and dead_delivery.attempts == 2
    accepted = fachverfahren_receiver.accepted()
    assert [a["idempotency_key"] for a in accepted] == [dead_delivery.idempotency_key]
    events = list(AuditEntry.objects.filter(delivery_id=str(dead_delivery.pk)).values_list("event", flat=True))
    assert events.count("resumed") == 1 and events.count("sent") == 1


def test_a_local_worker_whose_process_is_gone_is_dead_before_its_lease_expires(world):
    gemeinde, authority = world
    gone = subprocess.Popen(["true"])  # noqa: S607 - a process that has exited (and been reaped)
    gone.wait()
    _worker("killed", pid=gone.pid)
    delivery, task = _stranded(1, authority=authority, gemeinde=gemeinde, worker_id="killed")

    assert [s["worker"] for s in workers.work_recover()] == ["killed"]
    assert Delivery.objects.get(pk=delivery.pk).status == "failed_retrying"
    assert DBTaskResult.objects.get(pk=task.pk).status == "READY"


def test_a_task_that_outlived_too_many_workers_fails_and_the_delivery_gets_a_new_task(world, settings):
    settings.AMTSWEG_WORKER_MAX_TAKEOVERS = 3
    gemeinde, authority = world
    _worker("dead", seen_ago=timedelta(hours=1))
    delivery, task = _stranded(1, authority=authority, gemeinde=gemeinde, worker_id="dead", previous_workers=["a", "b"])

    summary = workers.work_recover()[0]

    assert summary["tasks_failed"] == 1 and summary["tasks_requeued"] == 0
    task.refresh_from_db()
    assert task.status == "FAILED" and task.exception_class_path == workers.WORKER_LOST
    # The delivery itself is given back with a fresh task row: its own attempt limit bounds the retries.
    assert Delivery.objects.get(pk=delivery.pk).status == "failed_retrying"
    rows = DBTaskResult.objects.filter(args_kwargs__args=[str(delivery.pk)])
    assert sorted(rows.values_list("status", flat=True)) == ["FAILED", "READY"]


def test_orderly_exit_unregisters_and_gives_back_what_is_left(world):
    gemeinde, authority = world
    workers.worker_register(worker_id="leaving")
    assert WorkerProcess.objects.get(pk="leaving").pid == os.getpid()
    delivery, task = _stranded(1, authority=authority, gemeinde=gemeinde, worker_id="leaving")
    # Its own registration is never recovered by itself while it runs (the heartbeat excludes it).
    assert workers.work_recover(exclude="leaving") == []

    workers.worker_unregister(worker_id="leaving")

    assert not WorkerProcess.objects.filter(pk="leaving").exists()
    assert Delivery.objects.get(pk=delivery.pk).status == "failed_retrying"
    assert DBTaskResult.objects.get(pk=task.pk).status == "READY"


def test_a_worker_restarted_under_the_same_id_gives_back_what_its_earlier_life_left(world):
    gemeinde, authority = world
    _worker("fixed-id")  # fresh heartbeat, a live PID: looks alive
    delivery, task = _stranded(1, authority=authority, gemeinde=gemeinde, worker_id="fixed-id")

    workers.worker_register(worker_id="fixed-id")

    assert WorkerProcess.objects.get(pk="fixed-id").pid == os.getpid()
    assert Delivery.objects.get(pk=delivery.pk).status == "failed_retrying"
    assert DBTaskResult.objects.get(pk=task.pk).status == "READY"
