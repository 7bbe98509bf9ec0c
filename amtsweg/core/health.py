"""Health endpoints for load balancers and orchestrators.

``/health/live``: the process answers (no database access, so a slow database does not get
healthy processes restarted). ``/health/ready``: the database answers, all migrations are applied
and the background-task backlog is plausible; 503 otherwise. Bodies carry no personal data.
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
        ready = DBTaskResult.objects.ready()
        count = ready.count()
        oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    except DatabaseError:
        return False, "Aufgabenwarteschlange nicht lesbar.", {}
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    info = {"ready": count, "oldest_age_seconds": round(age, 1)}
    if count > max_backlog():
        return False, f"Rückstau: {count} wartende Aufgaben (Grenze {max_backlog()}).", info
    if oldest and timezone.now() - oldest > max_task_age():
        return False, "Die älteste wartende Aufgabe ist zu alt – läuft ein Worker?", info
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
    ok = all(check["ok"] for check in checks.values()) and db_ok
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)
