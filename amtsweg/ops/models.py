"""Operational state shared by all processes: the registry of running task workers."""

from __future__ import annotations

from django.db import models


class WorkerProcess(models.Model):
    """A running ``manage.py worker`` process. Its heartbeat thread refreshes ``last_seen_at``; a row whose
    heartbeat is older than the lease (or whose local process is gone) belongs to a dead worker, whose
    claimed work any live worker takes over (``amtsweg.ops.workers.work_recover``)."""

    worker_id = models.CharField("Worker-ID", max_length=64, primary_key=True)
    hostname = models.CharField("Rechner", max_length=255)
    # Identifies the PID namespace on the host: a PID is only comparable within the same one (containers).
    pid_namespace = models.CharField("PID-Namensraum", max_length=64, blank=True)
    pid = models.PositiveIntegerField("Prozess-ID")
    started_at = models.DateTimeField("Gestartet am")
    last_seen_at = models.DateTimeField("Zuletzt gesehen am", db_index=True)

    class Meta:
        verbose_name = "Worker-Prozess"
        verbose_name_plural = "Worker-Prozesse"
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"
