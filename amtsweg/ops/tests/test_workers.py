"""Worker registry, takeover of a dead worker's confirmation claim, and readiness that reflects stuck work
(issue 8 #7). Real database, real task rows; the delivery side of the takeover: hub/tests/test_worker_takeover.py."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from amtsweg.hub.tests.conftest import RECEIVER_SECRET, fachverfahren_receiver, rules  # noqa: F401 - fixtures
from amtsweg.ops import workers
from amtsweg.ops.models import WorkerProcess
from amtsweg.ops.tests.tasks_for_tests import record_run
from amtsweg.submissions.tests.conftest import (  # noqa: F401 - fixtures
    answers,
    dresden,
    leistung,
    private_storage_dir,
    submit,
    version,
)

pytestmark = pytest.mark.django_db


def _worker(worker_id: str, *, seen_ago: timedelta = timedelta(0)) -> WorkerProcess:
    now = timezone.now()
    return WorkerProcess.objects.create(
        worker_id=worker_id,
        hostname="elsewhere.example",  # another host: only the lease tells
        pid=1,
        started_at=now - seen_ago,
        last_seen_at=now - seen_ago,
    )


def _ready(client) -> tuple[int, dict]:
    response = client.get("/health/ready")
    return response.status_code, response.json()


def test_register_beat_and_reregister_after_being_taken_for_dead():
    worker = workers.worker_register(worker_id="w1")
    assert (worker.pid, worker.hostname) == (os.getpid(), socket.gethostname())
    WorkerProcess.objects.filter(pk="w1").update(last_seen_at=timezone.now() - timedelta(hours=1))
    workers.worker_beat(worker_id="w1")
    assert workers.workers_live() == {"w1"}
    WorkerProcess.objects.all().delete()  # recovered by someone else while it stalled
    workers.worker_beat(worker_id="w1")
    assert workers.workers_live() == {"w1"}


def test_dead_workers_confirmation_claim_is_released_and_its_receipt_task_runs_again(
    submit,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    from amtsweg.submissions.models import Submission
    from amtsweg.submissions.tasks import receipt_generate

    with django_capture_on_commit_callbacks(execute=True):
        submission = submit()
    task = DBTaskResult.objects.get(task_path=receipt_generate.module_path, args_kwargs__args=[submission.pk])
    task.claim("dead")  # the worker took the task …
    Submission.objects.filter(pk=submission.pk).update(confirmation_claimed_at=timezone.now())  # … and the mail
    _worker("dead", seen_ago=workers.lease() + timedelta(seconds=5))

    [summary] = workers.work_recover()

    assert summary["confirmations_release"] == 1 and summary["tasks_requeued"] == 1
    assert Submission.objects.get(pk=submission.pk).confirmation_claimed_at is None
    task.refresh_from_db()
    assert task.status == "READY" and task.worker_ids == ["dead"]
    assert not WorkerProcess.objects.exists()


# --- readiness -------------------------------------------------------------------------------------------


def test_ready_reports_work_and_is_ok_when_nothing_waits(client):
    status, body = _ready(client)
    assert status == 200, body
    assert body["checks"]["work"]["ok"] and body["checks"]["work"]["oldest_overdue_delivery_seconds"] == 0


def test_ready_is_503_when_a_task_waits_past_the_threshold_since_it_became_due(client, settings, tmp_path):
    settings.AMTSWEG_HEALTH_STUCK_SECONDS = 300
    result = record_run.using(run_after=timezone.now() + timedelta(hours=2)).enqueue(str(tmp_path / "x"), "k")
    row = DBTaskResult.objects.filter(pk=result.id)
    # Enqueued long ago, due only now (a delayed retry): not stuck.
    row.update(enqueued_at=timezone.now() - timedelta(hours=3), run_after=timezone.now() - timedelta(seconds=10))
    assert _ready(client)[0] == 200
    # Due for more than the threshold: nobody works on it.
    row.update(run_after=timezone.now() - timedelta(minutes=6))
    status, body = _ready(client)
    assert status == 503 and body["status"] == "unavailable"
    assert "fällige Aufgabe" in body["checks"]["work"]["reason"]
    assert body["checks"]["work"]["oldest_due_task_seconds"] >= 360


def test_ready_is_503_for_a_running_task_of_a_dead_worker_but_not_of_a_live_one(client, tmp_path):
    result = record_run.enqueue(str(tmp_path / "x"), "k")
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim("alive")
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - timedelta(minutes=20))
    _worker("alive")
    assert _ready(client)[0] == 200  # a long task of a live worker is fine

    WorkerProcess.objects.filter(pk="alive").update(last_seen_at=timezone.now() - timedelta(minutes=10))
    status, body = _ready(client)
    assert status == 503 and "beendeten Workers" in body["checks"]["work"]["reason"]


def test_ready_is_503_for_an_overdue_delivery(client, rules, fachverfahren_receiver, settings):  # noqa: F811
    from amtsweg.common import clock
    from amtsweg.hub.models import Delivery
    from amtsweg.hub.tests.test_e2e_hub_support import api_message, routed_world

    gemeinde, authority = routed_world(receiver=fachverfahren_receiver)
    delivery = Delivery.objects.get(message=api_message(index=1, authority=authority, gemeinde=gemeinde))
    DBTaskResult.objects.all().delete()  # only the delivery row tells (e.g. its task row was lost)
    assert _ready(client)[0] == 200  # due just now

    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=clock.now() - timedelta(minutes=6))
    status, body = _ready(client)
    assert status == 503 and "Zustellung" in body["checks"]["work"]["reason"]

    # "sending" past the threshold: a claim nobody finishes.
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=clock.now() - timedelta(minutes=6))
    assert _ready(client)[0] == 503
    Delivery.objects.filter(pk=delivery.pk).update(status="delivered", claimed_at=None)
    assert _ready(client)[0] == 200


def test_ready_is_503_without_a_live_worker_when_workers_are_expected(client, settings):
    settings.AMTSWEG_HEALTH_EXPECT_WORKERS = True
    status, body = _ready(client)
    assert status == 503 and "Kein Worker" in body["checks"]["work"]["reason"]
    _worker("fresh")
    status, body = _ready(client)
    assert status == 200 and body["checks"]["work"]["live_workers"] == 1


def test_admin_lists_registered_workers_read_only(admin_client):
    _worker("listed-worker")
    response = admin_client.get("/admin/core/workerprocess/")
    assert response.status_code == 200 and "listed-worker" in response.content.decode()
    assert admin_client.get("/admin/core/workerprocess/add/").status_code == 403
