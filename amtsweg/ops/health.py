"""Health endpoints for load balancers and orchestrators.

``/health/live``: the process answers (no database access, so a slow database does not get
healthy processes restarted). ``/health/ready``: the database answers, all migrations are applied,
the background-task backlog is plausible and no work is stuck (``check_work``); 503 otherwise. Bodies
carry no personal data.
"""

from __future__ import annotations

import os
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# Once all migrations were seen applied, a running process does not need to ask again: code and
# migrations only change with a deploy (new process).
_migrations_ok = False


def _setting(name: str, default):
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return default if value is None else value


def max_backlog() -> int:
    return int(_setting("AMTSWEG_HEALTH_MAX_BACKLOG", 10_000))


def max_task_age() -> timedelta:
    return timedelta(seconds=int(_setting("AMTSWEG_HEALTH_MAX_TASK_AGE_SECONDS", 3600)))


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False, "Datenbank nicht erreichbar."
    return True, ""


def check_migrations() -> tuple[bool, str]:
    global _migrations_ok
    if _migrations_ok:
        return True, ""
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return False, "Migrationsstand nicht lesbar."
    if plan:
        return False, f"{len(plan)} Migration(en) nicht angewendet."
    _migrations_ok = True
    return True, ""


def check_tasks() -> tuple[bool, str, dict]:
    """Ready tasks waiting: not more than the limit, and the oldest not older than the age limit."""
    from django_tasks_db.models import DBTaskResult

    try:
        count = DBTaskResult.objects.ready().count()
        # Age since due, not since enqueued: a retry planned hours ahead is not late when it becomes due.
        age = _oldest_due_task_age(timezone.now())
    except DatabaseError:
        return False, "Aufgabenwarteschlange nicht lesbar.", {}
    info = {"ready": count, "oldest_age_seconds": round(age, 1)}
    if count > max_backlog():
        return False, f"Rückstau: {count} wartende Aufgaben (Grenze {max_backlog()}).", info
    if age > max_task_age().total_seconds():
        return False, "Die älteste wartende Aufgabe ist zu alt – läuft ein Worker?", info
    return True, "", info


def stuck_after() -> timedelta:
    return timedelta(seconds=int(_setting("AMTSWEG_HEALTH_STUCK_SECONDS", 300)))


def _oldest_due_task_age(now) -> float:
    """Seconds the oldest READY task has been due (since enqueue, or since its run_after if later)."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    ready = DBTaskResult.objects.ready()
    undelayed = ready.filter(run_after=get_date_max()).order_by("enqueued_at").values_list("enqueued_at", flat=True)
    delayed = ready.exclude(run_after=get_date_max()).order_by("run_after").values_list("run_after", "enqueued_at")
    ages = [now - at for at in undelayed[:1]]
    ages += [now - max(run_after, enqueued_at) for run_after, enqueued_at in delayed[:1]]
    return max((age.total_seconds() for age in ages), default=0.0)


def _orphaned_task_age(now) -> float:
    """Seconds since the oldest RUNNING task of a worker not seen alive was started (0: none). Only
    tasks older than the threshold are looked at: a live worker's long task is fine."""
    from django_tasks_db.models import DBTaskResult

    from amtsweg.ops.workers import workers_live

    live = workers_live()
    rows = (
        DBTaskResult.objects.running()
        .filter(started_at__lt=now - stuck_after())
        .order_by("started_at")
        .values_list("worker_ids", "started_at")[:1000]
    )
    for worker_ids, started_at in rows:
        if not worker_ids or worker_ids[-1] not in live:
            return (now - started_at).total_seconds()
    return 0.0


def _oldest_delivery_age() -> float:
    """Seconds the oldest unfinished delivery is overdue: waiting past its due time, or "sending" (hub clock)."""
    from amtsweg.common import clock
    from amtsweg.hub.models import Delivery

    now = clock.now()
    waiting = (
        Delivery.objects.filter(status__in=[Delivery.Status.QUEUED, Delivery.Status.FAILED_RETRYING])
        .filter(next_attempt_at__isnull=False)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    sending = (
        Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__isnull=False)
        .order_by("claimed_at")
        .values_list("claimed_at", flat=True)
        .first()
    )
    return max([(now - at).total_seconds() for at in (waiting, sending) if at is not None] + [0.0])


def check_work() -> tuple[bool, str, dict]:
    """Nothing stuck: no due task, orphaned task or delivery older than ``AMTSWEG_HEALTH_STUCK_SECONDS``,
    and — with ``AMTSWEG_HEALTH_EXPECT_WORKERS`` — at least one worker seen within its lease."""
    from amtsweg.ops.workers import workers_live

    now = timezone.now()
    try:
        info = {
            "oldest_due_task_seconds": round(_oldest_due_task_age(now), 1),
            "oldest_orphaned_task_seconds": round(_orphaned_task_age(now), 1),
            "oldest_overdue_delivery_seconds": round(_oldest_delivery_age(), 1),
            "live_workers": len(workers_live()),
        }
    except DatabaseError:
        return False, "Arbeitsstand nicht lesbar.", {}
    limit = stuck_after().total_seconds()
    expect_workers = str(_setting("AMTSWEG_HEALTH_EXPECT_WORKERS", False)).lower() in {"1", "true", "yes", "on"}
    if expect_workers and not info["live_workers"]:
        return False, "Kein Worker aktiv – Hintergrundaufgaben werden nicht bearbeitet.", info
    if info["oldest_orphaned_task_seconds"] > limit:
        return False, "Eine Aufgabe eines beendeten Workers wurde nicht übernommen.", info
    if info["oldest_due_task_seconds"] > limit:
        return False, f"Die älteste fällige Aufgabe wartet länger als {int(limit)} s – läuft ein Worker?", info
    if info["oldest_overdue_delivery_seconds"] > limit:
        return False, f"Die älteste offene Zustellung hängt länger als {int(limit)} s.", info
    return True, "", info


@never_cache
@require_GET
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request):
    checks = {}
    db_ok, db_reason = check_database()
    checks["database"] = {"ok": db_ok, **({"reason": db_reason} if db_reason else {})}
    if db_ok:
        mig_ok, mig_reason = check_migrations()
        checks["migrations"] = {"ok": mig_ok, **({"reason": mig_reason} if mig_reason else {})}
        task_ok, task_reason, info = check_tasks() if mig_ok else (False, "übersprungen", {})
        checks["tasks"] = {"ok": task_ok, **info, **({"reason": task_reason} if task_reason else {})}
        work_ok, work_reason, info = check_work() if mig_ok else (False, "übersprungen", {})
        checks["work"] = {"ok": work_ok, **info, **({"reason": work_reason} if work_reason else {})}
    ok = all(check["ok"] for check in checks.values()) and db_ok
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)
