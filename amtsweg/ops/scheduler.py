"""Periodic jobs of ``manage.py scheduler`` (docs/adr/0009-scheduler.md).

APScheduler runs each job at its interval (settings.AMTSWEG_SCHEDULE, seconds, 0 = off) in a small
thread pool. Several schedulers may run (one per machine, or a spare): only the holder of the leader
lock acts — a PostgreSQL advisory lock on its own connection, or a file lock beside the SQLite
database — the others check at each run and take over when the holder is gone. A job's error is
logged and never stops the scheduler.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

logger = logging.getLogger("amtsweg.scheduler")

# pg_advisory_lock key: any fixed 64-bit number that no other part of Amtsweg uses.
ADVISORY_LOCK_KEY = 0x616D74737765_01


# --- the jobs --------------------------------------------------------------------------------------------------------


def job_deliveries_resume() -> str:
    from amtsweg.hub.services import deliveries_resume

    return f"{deliveries_resume()} Zustellung(en) erneut eingeplant"


def job_receipts_resume() -> str:
    from amtsweg.submissions.services import receipts_resume

    return f"{receipts_resume()} Beleg-Aufgabe(n) neu eingestellt"


def job_drafts_expire() -> str:
    from amtsweg.assistant.services import drafts_expire

    return f"{drafts_expire()} abgelaufene Entwürfe gelöscht"


def job_uploads_prune_abandoned() -> str:
    from amtsweg.assistant.services import uploads_prune_abandoned

    return f"{uploads_prune_abandoned()} Datei(en) verlassener Entwürfe gelöscht"


def job_messages_unrouted_expire() -> str:
    from amtsweg.hub.routing import messages_unrouted_expire

    return f"{messages_unrouted_expire()} Nachricht(en) ohne Zielsystem aufgegeben"


def job_audit_verify() -> str:
    from amtsweg.audit.services import audit_verify

    result = audit_verify()
    if not result.ok:
        # An operator must look at this: the log is the alarm (and /metrics of the audit app).
        logger.error("Transaktionsprotokoll MANIPULIERT: %s (ab Nr. %s)", result.reason, result.first_bad_seq)
        return f"Protokoll fehlerhaft ab Nr. {result.first_bad_seq}"
    return f"Protokoll in Ordnung ({result.checked} Einträge)"


def job_task_results_prune() -> str:
    from amtsweg.ops.services import task_results_prune

    days = settings.AMTSWEG_TASK_RESULTS_KEEP_DAYS
    return f"{task_results_prune(older_than=timedelta(days=days))} erledigte Aufgaben älter als {days} Tage gelöscht"


def job_retention_apply() -> str:
    from amtsweg.ops.retention import retention_apply

    result = retention_apply()
    return f"{result.vorgaenge} Vorgang/Vorgänge nach Ablauf der Aufbewahrungsfrist gelöscht ({result.files} Dateien)"


def job_konfig_golive_due() -> str:
    from amtsweg.konfig.services import golive_due

    done, refused = golive_due()
    return f"{done} Leistung(en) planmäßig online geschaltet, {refused} nicht (Weiterleitung geändert)"


def job_beteiligung_digest() -> str:
    from amtsweg.projekte.tasks import digests_enqueue

    return f"{digests_enqueue()} Zusammenfassung(en) der OZG-Beteiligung eingeplant"


JOBS: dict[str, Callable[[], str]] = {
    "deliveries_resume": job_deliveries_resume,
    "receipts_resume": job_receipts_resume,
    "drafts_expire": job_drafts_expire,
    "uploads_prune_abandoned": job_uploads_prune_abandoned,
    "messages_unrouted_expire": job_messages_unrouted_expire,
    "audit_verify": job_audit_verify,
    "task_results_prune": job_task_results_prune,
    "retention_apply": job_retention_apply,
    "konfig_golive_due": job_konfig_golive_due,
    "beteiligung_digest": job_beteiligung_digest,
}


# --- one acting scheduler ------------------------------------------------------------------------------------------


class LeaderLock:
    """Held by at most one scheduler process at a time; ``held()`` tries to take it when free."""

    def __init__(self, alias: str = "default"):
        self.alias = alias
        self._mutex = threading.Lock()
        self._connection = None
        self._file = None
        self._held = False

    def held(self) -> bool:
        with self._mutex:
            if connections[self.alias].vendor == "postgresql":
                return self._held_postgres()
            return self._held_file()

    def _held_postgres(self) -> bool:
        try:
            if self._connection is None:
                # Its own session: the advisory lock lives as long as this connection.
                self._connection = connections.create_connection(self.alias)
                self._connection.inc_thread_sharing()
            with self._connection.cursor() as cursor:
                if self._held:
                    cursor.execute("SELECT 1")  # still connected, so the session lock is still ours
                else:
                    cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
                    self._held = bool(cursor.fetchone()[0])
        except DatabaseError:
            logger.warning("Verbindung für die Scheduler-Sperre verloren; neuer Versuch beim nächsten Lauf.")
            self._drop_connection()
        return self._held

    def _drop_connection(self) -> None:
        self._held = False
        if self._connection is not None:
            with contextlib.suppress(DatabaseError):
                self._connection.close()
            self._connection = None

    def _held_file(self) -> bool:
        # SQLite serves one machine: a lock file beside the var folder is enough.
        if self._held:
            return True
        if self._file is None:
            path = settings.VAR_DIR / "scheduler.lock"
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(path, "a+")  # noqa: SIM115 - kept open while the lock is held
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self._held = True
        return True

    def release(self) -> None:
        with self._mutex:
            if self._held and self._connection is not None:
                # Unlock explicitly: the server ends a closed session a moment later, a waiting
                # scheduler should not have to wait for that.
                with contextlib.suppress(DatabaseError), self._connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
            self._drop_connection()
            if self._file is not None:
                self._file.close()  # closing the file releases the flock
                self._file = None
            self._held = False


def job_run(name: str, func: Callable[[], str], *, lock: LeaderLock) -> bool:
    """Run one job if this process holds the leader lock. Logs the outcome; never raises.

    Returns whether the job ran (and finished without error).
    """
    started = time.monotonic()
    try:
        if not lock.held():
            logger.debug("Job %s übersprungen: ein anderer Scheduler ist aktiv.", name)
            return False
        result = func()
    except Exception:
        logger.exception("Job %s fehlgeschlagen", name)
        return False
    finally:
        _connections_tidy()
    logger.info("Job %s: %s (%.1f s)", name, result, time.monotonic() - started)
    return True


def _connections_tidy() -> None:
    """Jobs run in pool threads between long pauses: close their connections as a request would
    (CONN_MAX_AGE, broken ones), so none goes stale. Never inside a caller's transaction."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()


def scheduler_build(*, lock: LeaderLock, schedule: dict[str, int] | None = None, blocking: bool = True):
    """An APScheduler scheduler with one interval job per configured entry (not started)."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    schedule = settings.AMTSWEG_SCHEDULE if schedule is None else schedule
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(
        executors={"default": ThreadPoolExecutor(max_workers=2)},
        # One run at a time per job; runs missed while busy or stopped are merged into one.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone=settings.TIME_ZONE,
    )
    for name, seconds in schedule.items():
        if not seconds:
            continue
        if name not in JOBS:
            raise ValueError(f"Unbekannter Job in AMTSWEG_SCHEDULE: {name}")
        # Frequent jobs (resume) run once right at start, like the old "deliveries_resume before the worker".
        first = timezone.now() if seconds <= 300 else None
        scheduler.add_job(
            job_run,
            IntervalTrigger(seconds=seconds, jitter=min(30, seconds // 10) or None),
            args=[name, JOBS[name]],
            kwargs={"lock": lock},
            id=name,
            name=name,
            next_run_time=first,
        )
    return scheduler
