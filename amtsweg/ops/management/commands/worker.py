"""``manage.py worker``: django-tasks-db's ``db_worker`` (same options, same loop) plus a heartbeat
thread that registers the process and takes over the work of dead workers (``amtsweg.ops.workers``)."""

from __future__ import annotations

import os

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from amtsweg.ops import workers


class HeartbeatWorker(db_worker.Worker):
    """The library's worker loop, run while a heartbeat thread beats and recovers beside it."""

    def run(self) -> None:
        workers.worker_register(worker_id=self.worker_id)
        heartbeat = workers.Heartbeat(worker_id=self.worker_id)
        heartbeat.start()
        try:
            super().run()
        finally:
            # Also on SystemExit from the signal handler (graceful shutdown while idle).
            heartbeat.stop()
            workers.worker_unregister(worker_id=self.worker_id)


class Command(db_worker.Command):
    help = "Run a database background worker with heartbeat and automatic takeover of a dead worker's work"

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options,
    ) -> None:
        # Same as db_worker.Command.handle, with HeartbeatWorker (the library builds its Worker inline).
        self.configure_logging(verbosity)
        if reload and batch:
            db_worker.logger.warning("--reload and --batch cannot be specified together. Disabling autoreload.")
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = HeartbeatWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
