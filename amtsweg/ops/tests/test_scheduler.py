"""The scheduler's jobs and its leader lock (amtsweg/ops/scheduler.py): the jobs run and do their
work, errors are logged and never escape, only one scheduler acts. No timing is asserted."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

# The Hundesteuer definition activated for Dresden, from the assistant's own fixtures.
from amtsweg.assistant.tests.conftest import activation, authority, dresden, leistung, route, version  # noqa: F401
from amtsweg.ops.scheduler import JOBS, LeaderLock, job_run, scheduler_build


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def lock(var_dir):
    held = LeaderLock()
    yield held
    held.release()


def _task_row(*, status: str, finished_days_ago: float | None):
    from django_tasks_db.models import DBTaskResult

    finished = timezone.now() - timedelta(days=finished_days_ago) if finished_days_ago is not None else None
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="amtsweg.ops.tests.tasks_for_tests.record_run",
        backend_name="default",
        queue_name="default",
        run_after=timezone.now() - timedelta(days=30),
        finished_at=finished,
        exception_class_path="",
        traceback="",
    )


@pytest.mark.django_db
def test_prune_deletes_only_old_finished_task_rows(lock, settings):
    from django_tasks_db.models import DBTaskResult

    settings.AMTSWEG_TASK_RESULTS_KEEP_DAYS = 14
    old_ok = _task_row(status="SUCCESSFUL", finished_days_ago=20)
    old_failed = _task_row(status="FAILED", finished_days_ago=15)
    recent = _task_row(status="SUCCESSFUL", finished_days_ago=2)
    waiting = _task_row(status="READY", finished_days_ago=None)
    running = _task_row(status="RUNNING", finished_days_ago=None)

    assert job_run("task_results_prune", JOBS["task_results_prune"], lock=lock)

    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert left == {recent.pk, waiting.pk, running.pk}
    assert old_ok.pk not in left and old_failed.pk not in left


@pytest.mark.django_db
def test_drafts_expire_job_deletes_expired_drafts(lock, activation, version, authority, dresden):  # noqa: F811
    from amtsweg.assistant.models import Draft
    from amtsweg.assistant.services import draft_create

    expired = draft_create(version=version, authority=authority, gemeinde=dresden)
    Draft.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    current = draft_create(version=version, authority=authority, gemeinde=dresden)

    assert job_run("drafts_expire", JOBS["drafts_expire"], lock=lock)

    assert list(Draft.objects.values_list("pk", flat=True)) == [current.pk]


@pytest.mark.django_db
def test_audit_verify_job_reports_a_tampered_chain(lock, caplog):
    from amtsweg.audit.models import AuditEntry
    from amtsweg.audit.services import audit_record

    for attempt in range(3):
        audit_record(event="attempt", detail={"attempt": attempt})
    with caplog.at_level(logging.INFO, logger="amtsweg.scheduler"):
        assert job_run("audit_verify", JOBS["audit_verify"], lock=lock)
    assert "Protokoll in Ordnung (3 Einträge)" in caplog.text

    AuditEntry.objects.filter(seq=2).update(detail={"attempt": 1000})
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="amtsweg.scheduler"):
        job_run("audit_verify", JOBS["audit_verify"], lock=lock)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and "MANIPULIERT" in errors[0].getMessage()


@pytest.mark.django_db
def test_resume_jobs_call_the_services(lock, caplog):
    with caplog.at_level(logging.INFO, logger="amtsweg.scheduler"):
        assert job_run("deliveries_resume", JOBS["deliveries_resume"], lock=lock)
        assert job_run("receipts_resume", JOBS["receipts_resume"], lock=lock)
    assert "Job deliveries_resume: 0 Zustellung(en) erneut eingeplant" in caplog.text
    assert "Job receipts_resume: 0 Beleg-Aufgabe(n) neu eingestellt" in caplog.text


@pytest.mark.django_db
def test_a_failing_job_is_logged_and_does_not_escape(lock, caplog):
    def broken() -> str:
        raise RuntimeError("Datenbank weg")

    with caplog.at_level(logging.INFO, logger="amtsweg.scheduler"):
        assert job_run("kaputt", broken, lock=lock) is False
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "Job kaputt fehlgeschlagen" in record.getMessage() and record.exc_info[0] is RuntimeError


@pytest.mark.django_db
def test_only_one_scheduler_holds_the_lock_and_another_takes_over(var_dir):
    first, second = LeaderLock(), LeaderLock()
    try:
        assert first.held() is True
        assert second.held() is False
        ran = []
        assert job_run("x", lambda: ran.append("second") or "ok", lock=second) is False
        assert ran == []
        first.release()  # the acting scheduler ends (or dies: the kernel drops its lock)
        assert second.held() is True
        assert job_run("x", lambda: ran.append("second") or "ok", lock=second) is True
        assert ran == ["second"]
    finally:
        first.release()
        second.release()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_only_one_scheduler_holds_the_advisory_lock_on_postgres():
    assert connection.vendor == "postgresql"
    first, second = LeaderLock(), LeaderLock()
    try:
        assert first.held() is True
        assert second.held() is False
        first.release()
        assert second.held() is True
        assert first.held() is False
    finally:
        first.release()
        second.release()


def test_scheduler_registers_the_configured_jobs(lock):
    built = scheduler_build(
        lock=lock, schedule={"deliveries_resume": 60, "drafts_expire": 3600, "audit_verify": 0}, blocking=False
    )
    jobs = {job.id: job for job in built.get_jobs()}
    assert set(jobs) == {"deliveries_resume", "drafts_expire"}  # 0 switches a job off
    assert jobs["deliveries_resume"].trigger.interval == timedelta(seconds=60)
    assert jobs["drafts_expire"].trigger.interval == timedelta(hours=1)
    with pytest.raises(ValueError, match="Unbekannter Job"):
        scheduler_build(lock=lock, schedule={"gibt_es_nicht": 60}, blocking=False)


@pytest.mark.django_db(transaction=True)
def test_a_started_scheduler_runs_the_resume_job_at_once(lock, monkeypatch):
    done = threading.Event()
    monkeypatch.setitem(JOBS, "deliveries_resume", lambda: done.set() or "gelaufen")
    built = scheduler_build(lock=lock, schedule={"deliveries_resume": 60}, blocking=False)
    built.start()
    try:
        assert done.wait(30), "der Fortsetzen-Job lief nach dem Start nicht"
    finally:
        built.shutdown(wait=True)


@pytest.mark.django_db
def test_scheduler_once_command_runs_one_job(var_dir, caplog):
    with caplog.at_level(logging.INFO, logger="amtsweg.scheduler"):
        call_command("scheduler", "--once", "task_results_prune")
    assert "Job task_results_prune:" in caplog.text
