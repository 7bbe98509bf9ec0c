"""The hub's work on django-tasks(-db) task rows: the ONE module that touches django-tasks-db internals
(``DBTaskResult``, its statuses and columns).

Each Delivery has its own ``delivery_attempt`` task. A batch (``processor.deliveries_process``) takes over
further READY task rows as if a worker had picked each one and completes them with its outcomes; the
resume sweep looks for deliveries that lack a waiting task row. Keeping that here means a django-tasks-db
upgrade that changes its tables is checked in one place.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from amtsweg.common import clock

if TYPE_CHECKING:
    from django_tasks.base import Task


def _task() -> Task[[str], dict]:
    # Imported late: amtsweg.hub.tasks imports the services package.
    from amtsweg.hub.tasks import delivery_attempt

    return delivery_attempt


def delivery_task_enqueue(delivery_id: UUID | str, *, at: datetime | None = None) -> None:
    """Enqueue the delivery's task (in the caller's transaction), now or at hub-clock time ``at``."""
    delivery_attempt = _task()
    if at is None:
        delivery_attempt.enqueue(str(delivery_id))
    else:
        # django-tasks' run_after is real time; with a simulated clock we translate the delay.
        real_at = timezone.now() + max(at - clock.now(), timedelta(0))
        delivery_attempt.using(run_after=real_at).enqueue(str(delivery_id))


def _tasks_take(*, limit: int, worker_id: str) -> dict[str, list]:
    """Take over up to ``limit`` READY ``delivery_attempt`` task rows (SKIP LOCKED on PostgreSQL): they
    become RUNNING under ``worker_id``, exactly as if a worker had picked each one. Returns delivery id →
    task ids. Runs inside the caller's claim transaction."""
    from django_tasks_db.models import DBTaskResult

    delivery_attempt = _task()
    rows = DBTaskResult.objects.ready().filter(
        task_path=delivery_attempt.module_path, backend_name=delivery_attempt.backend
    )
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    taken: dict[str, list] = {}
    fresh = []  # rows never run before (the normal case): taken over with one UPDATE
    started = timezone.now()
    for row in rows.only("id", "args_kwargs", "worker_ids")[:limit]:
        args = (row.args_kwargs or {}).get("args") or []
        if len(args) != 1:
            continue
        if row.worker_ids:
            DBTaskResult.objects.filter(pk=row.pk, status="READY").update(
                status="RUNNING", started_at=started, worker_ids=[*row.worker_ids, worker_id]
            )
        else:
            fresh.append(row.pk)
        taken.setdefault(str(args[0]), []).append(row.pk)
    if fresh:
        DBTaskResult.objects.filter(pk__in=fresh, status="READY").update(
            status="RUNNING", started_at=started, worker_ids=[worker_id]
        )
    return taken


def _tasks_complete(done: dict) -> None:
    """Mark taken-over task rows SUCCESSFUL (as the worker would), one UPDATE per distinct return value."""
    from django_tasks_db.models import DBTaskResult

    finished = timezone.now()
    by_value: dict[str, list] = {}
    for task_id, value in done.items():
        by_value.setdefault(json.dumps(value, sort_keys=True), []).append(task_id)
    for value, task_ids in by_value.items():
        DBTaskResult.objects.filter(pk__in=task_ids, status="RUNNING").update(
            status="SUCCESSFUL",
            finished_at=finished,
            return_value=json.loads(value),
            exception_class_path="",
            traceback="",
        )


def delivery_tasks_busy(*, timeout: timedelta) -> set[str]:
    """Ids of the deliveries that have a task row waiting (READY) or recently started (RUNNING).

    A RUNNING row whose worker was killed stays RUNNING forever: only a recently started one counts
    as busy (task rows use real time, not the hub clock)."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=_task().module_path).filter(
        Q(status="READY") | Q(status="RUNNING", started_at__gte=timezone.now() - timeout)
    )
    return {row["args"][0] for row in waiting.values_list("args_kwargs", flat=True) if row.get("args")}


def delivery_ids_of_tasks(tasks: list[tuple[str, list]]) -> set[str]:
    """The delivery ids among (task path, args) pairs of task rows (other tasks are ignored)."""
    path = _task().module_path
    return {str(args[0]) for task_path, args in tasks if task_path == path and len(args) == 1}
