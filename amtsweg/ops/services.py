"""Writes of the ops app: housekeeping of the task tables shared by all apps."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone


def task_results_prune(*, older_than: timedelta) -> int:
    """Delete finished (successful or failed) background-task rows older than ``older_than``.

    Waiting and running rows are never touched. Returns how many rows were deleted.
    """
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - older_than
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted
