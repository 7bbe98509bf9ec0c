"""Task workers with a heartbeat, and the takeover of work that a dead worker left behind.

``manage.py worker`` (django-tasks-db's worker loop, see the command) registers itself as a
``WorkerProcess`` and refreshes ``last_seen_at`` from a heartbeat thread every
``AMTSWEG_WORKER_HEARTBEAT_SECONDS``. Each beat also runs ``work_recover``: a worker is dead when its
heartbeat is older than ``AMTSWEG_WORKER_LEASE_SECONDS`` or — on the same host and PID namespace — when
its process no longer exists (so a kill -9 next to a live worker is noticed within one beat). For a dead
worker, in one transaction under a row lock (SKIP LOCKED: two recoverers never both take it):

* its RUNNING task rows go back to READY (tasks are idempotent; a row that has already killed
  ``AMTSWEG_WORKER_MAX_TAKEOVERS`` workers is marked FAILED instead, so a poison task cannot take the
  whole pool down in a loop),
* the apps' release hooks (``RELEASE_HOOKS``) give back what it had claimed outside the task table
  (deliveries "sending", confirmation-mail claims),
* its registry row is deleted.

``deliveries_resume`` / ``receipts_resume`` stay as the scheduler's safety net (e.g. for workers started
as plain ``db_worker``, which do not register).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from amtsweg.ops.models import WorkerProcess

logger = logging.getLogger(__name__)

# Called as hook(worker_id=…, tasks=[(task_path, args), …]) inside the recovery transaction; ``tasks`` are
# the dead worker's task rows that were put back to READY. Lower layers (hub, submissions) own them.
RELEASE_HOOKS = (
    "amtsweg.hub.services.deliveries_release_worker",
    "amtsweg.submissions.services.confirmations_release",
)
# A label stored in failed task rows (no class of that name); kept from before the move to amtsweg.ops so
# old and new rows read alike.
WORKER_LOST = "amtsweg.core.workers.WorkerLost"


def heartbeat_interval() -> float:
    return float(getattr(settings, "AMTSWEG_WORKER_HEARTBEAT_SECONDS", 5))


def lease() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "AMTSWEG_WORKER_LEASE_SECONDS", 30)))


def max_takeovers() -> int:
    return int(getattr(settings, "AMTSWEG_WORKER_MAX_TAKEOVERS", 3))


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""  # not Linux (or no /proc): only the lease tells


def _process_gone(pid: int) -> bool:
    """True when no such process exists here (or only its zombie, waiting to be reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


# --- registry ---------------------------------------------------------------------------------------------


def worker_register(*, worker_id: str) -> WorkerProcess:
    """Register (or re-register) this process. A row left under the same id by an earlier life (a fixed
    ``--worker-id`` restarted after a crash) is recovered first: its work would otherwise look alive."""
    if WorkerProcess.objects.filter(pk=worker_id).exists():
        _recover(worker_id, force=True)
    now = timezone.now()
    worker, _ = WorkerProcess.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid_namespace": _pid_namespace()[:64],
            "pid": os.getpid(),
            "started_at": now,
            "last_seen_at": now,
        },
    )
    return worker


def worker_beat(*, worker_id: str) -> None:
    """Refresh the heartbeat; a worker that was taken for dead (e.g. a long stall) registers again."""
    if not WorkerProcess.objects.filter(pk=worker_id).update(last_seen_at=timezone.now()):
        logger.warning("worker %s was taken for dead and registers again", worker_id)
        worker_register(worker_id=worker_id)


def worker_unregister(*, worker_id: str) -> None:
    """Orderly exit: whatever the worker still held (normally nothing) is given back, the row removed."""
    _recover(worker_id, force=True)


def workers_live() -> set[str]:
    return set(
        WorkerProcess.objects.filter(last_seen_at__gte=timezone.now() - lease()).values_list("worker_id", flat=True)
    )


def _is_dead(worker: WorkerProcess, *, now) -> bool:
    if worker.last_seen_at < now - lease():
        return True
    if not getattr(settings, "AMTSWEG_WORKER_LOCAL_PID_CHECK", True):
        return False
    here = worker.hostname == socket.gethostname() and worker.pid_namespace == _pid_namespace()
    return bool(here and worker.pid_namespace and worker.pid != os.getpid() and _process_gone(worker.pid))


# --- takeover ---------------------------------------------------------------------------------------------


def work_recover(*, exclude: str | None = None) -> list[dict]:
    """Take over the work of every dead worker (see the module doc), except ``exclude`` (the caller's own
    id). Safe to run from any number of processes at once. Returns one summary per recovered worker."""
    now = timezone.now()
    candidates = WorkerProcess.objects.exclude(pk=exclude) if exclude else WorkerProcess.objects.all()
    summaries = []
    for worker in candidates:
        if not _is_dead(worker, now=now):
            continue
        try:
            summary = _recover(worker.worker_id)
        except Exception:  # noqa: BLE001 - one broken takeover must not stop the others (or the heartbeat)
            logger.exception("taking over the work of worker %s failed; next beat tries again", worker.worker_id)
            continue
        if summary is not None:
            summaries.append(summary)
    return summaries


def _recover(worker_id: str, *, force: bool = False) -> dict | None:
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        rows = WorkerProcess.objects.filter(pk=worker_id)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        worker = rows.first()
        # Gone (someone else recovered it), locked by another recoverer, or alive again after all.
        if worker is None or not (force or _is_dead(worker, now=timezone.now())):
            return None
        # Found without a lock (no JSON containment lookup on SQLite; RUNNING rows are few), then locked.
        running = DBTaskResult.objects.running().values_list("id", "worker_ids")
        ids = [pk for pk, worker_ids in running if worker_ids and worker_ids[-1] == worker_id]
        mine = DBTaskResult.objects.running().filter(pk__in=ids).only("id", "worker_ids", "task_path", "args_kwargs")
        if connection.features.has_select_for_update:
            mine = mine.select_for_update()
        mine = list(mine)
        again = [row for row in mine if len(row.worker_ids) < max_takeovers()]
        given_up = [row for row in mine if len(row.worker_ids) >= max_takeovers()]
        if again:
            DBTaskResult.objects.filter(pk__in=[row.pk for row in again], status="RUNNING").update(
                status="READY", started_at=None
            )
        if given_up:
            DBTaskResult.objects.filter(pk__in=[row.pk for row in given_up], status="RUNNING").update(
                status="FAILED",
                finished_at=timezone.now(),
                exception_class_path=WORKER_LOST,
                traceback=f"Worker {worker_id} beendet. Die Aufgabe lief schon bei {max_takeovers()} Workern, "
                "die abbrachen, und wird nicht erneut eingeplant.",
            )
        tasks = [(row.task_path, (row.args_kwargs or {}).get("args") or []) for row in again]
        released = {path: import_string(path)(worker_id=worker_id, tasks=tasks) for path in RELEASE_HOOKS}
        worker.delete()
    summary = {
        "worker": worker_id,
        "dead_for_seconds": round((timezone.now() - worker.last_seen_at).total_seconds(), 1),
        "tasks_requeued": len(again),
        "tasks_failed": len(given_up),
        **{path.rsplit(".", 1)[1]: count for path, count in released.items()},
    }
    if not force or mine:
        logger.warning(
            "took over the work of worker %s (heartbeat %ss ago): %s task(s) again, %s given up, %s",
            worker_id,
            summary["dead_for_seconds"],
            len(again),
            len(given_up),
            ", ".join(f"{path.rsplit('.', 1)[1]}={count}" for path, count in released.items()),
        )
    return summary


class Heartbeat(threading.Thread):
    """Beats and recovers every ``heartbeat_interval()`` seconds on its own database connection."""

    def __init__(self, *, worker_id: str, interval: float | None = None):
        super().__init__(name=f"heartbeat-{worker_id[:8]}", daemon=True)
        self.worker_id = worker_id
        self.interval = heartbeat_interval() if interval is None else interval
        self._stopped = threading.Event()

    def run(self) -> None:
        try:
            while True:
                self.beat()
                if self._stopped.wait(self.interval):
                    return
        finally:
            connections.close_all()  # this thread's connections only (they are thread-local)

    def beat(self) -> None:
        close_old_connections()
        try:
            worker_beat(worker_id=self.worker_id)
            work_recover(exclude=self.worker_id)
        except Exception:  # noqa: BLE001 - the heartbeat thread must live as long as the worker
            logger.exception("worker heartbeat failed; trying again in %ss", self.interval)
            connection.close()  # reconnect on the next beat

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=max(self.interval, 1) + 10)
