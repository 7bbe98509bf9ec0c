"""``manage.py scheduler``: the periodic jobs (resume, drafts_expire, audit_verify, pruning), see
amtsweg/ops/scheduler.py. Runs beside the workers; ``./dev start`` and deploy/ start one."""

from __future__ import annotations

import logging
import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from amtsweg.ops.scheduler import JOBS, LeaderLock, job_run, scheduler_build


class Command(BaseCommand):
    help = "Führt die regelmäßigen Aufgaben aus (Zustellungen fortsetzen, Entwürfe löschen, Protokoll prüfen …)."

    def add_arguments(self, parser):
        parser.add_argument("--once", choices=sorted(JOBS), help="Nur diesen Job einmal ausführen und beenden.")

    def handle(self, *args, once: str | None = None, **options):
        # APScheduler reports every run at INFO; our job_run logs the outcome instead.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        lock = LeaderLock()
        if once:
            ok = job_run(once, JOBS[once], lock=lock)
            lock.release()
            if not ok:
                raise SystemExit(1)
            return
        scheduler = scheduler_build(lock=lock)
        signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
        jobs = ", ".join(f"{name} alle {seconds} s" for name, seconds in settings.AMTSWEG_SCHEDULE.items() if seconds)
        self.stdout.write(f"Scheduler gestartet: {jobs}")
        self.stdout.flush()
        try:
            scheduler.start()
        except KeyboardInterrupt:
            scheduler.shutdown(wait=False)
        finally:
            lock.release()
