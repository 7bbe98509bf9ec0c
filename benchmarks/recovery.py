"""Benchmark: time from ``kill -9`` of a worker to the takeover of its work by a live worker.

Run: ``.venv/bin/python benchmarks/recovery.py`` (options: ``--deliveries N`` (default 300), ``--variants
process,lease``). Needs the local PostgreSQL (``PG_ADMIN_URL``); uses a throw-away database
``amtsweg_bench_recovery_<pid>``. Takes about 1–2 minutes; prints a table, no assertions.

Per variant: N deliveries to the demo Fachverfahren (a thread of this process, 20 ms per request), two real
``manage.py worker`` processes (defaults: heartbeat 5 s, lease 30 s). Once the burst runs, the victim is
frozen while it holds claimed deliveries (SIGSTOP, so the state is known) and killed with SIGKILL. Measured
from the SIGKILL: *takeover* (the dead worker's registration recovered by the survivor: its RUNNING task
rows READY again, its "sending" deliveries given back) and *redelivered* (all its stranded deliveries
delivered). Then the burst must end with every delivery delivered exactly once in effect.

* ``process``: same host — the survivor's heartbeat sees the victim's process gone (≤ one heartbeat).
* ``lease``: as across hosts — only the expired heartbeat lease tells (``AMTSWEG_WORKER_LOCAL_PID_CHECK=0``).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgres://amtsweg:amtsweg-local@127.0.0.1:5432/postgres"
SECRET = "benchmark-geheimnis-0123456789abcdef"  # noqa: S105 - local test receiver only
VICTIM, SURVIVOR = "bench-victim", "bench-survivor"
VARIANTS = {"process": {}, "lease": {"AMTSWEG_WORKER_LOCAL_PID_CHECK": "0"}}


def _wait(condition, *, timeout: float, what: str, step: float = 0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(step)
    raise SystemExit(f"timed out waiting for {what}")


def _worker(url: str, worker_id: str, env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--queue-name", "*", "--no-reload", "--interval", "0.05"]
        + ["--no-startup-delay", "--worker-id", worker_id],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "AMTSWEG_MODE": "test", **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def run_variant(name: str, *, url: str, deliveries: int, receiver, world, log) -> dict:
    from django_tasks_db.models import DBTaskResult

    from amtsweg.hub.models import Delivery, Message
    from amtsweg.hub.tests.test_e2e_hub_support import api_message
    from amtsweg.ops.models import WorkerProcess

    gemeinde, authority = world
    prefix = f"{name}-{uuid.uuid4().hex[:6]}"
    for index in range(deliveries):
        api_message(index=index, authority=authority, gemeinde=gemeinde, prefix=prefix)
    rows = Delivery.objects.filter(message__idempotency_key__startswith=prefix)
    receiver.hang_next(deliveries, seconds=0.02)
    started = time.monotonic()
    victim = _worker(url, VICTIM, VARIANTS[name], log)
    survivor = _worker(url, SURVIVOR, VARIANTS[name], log)
    try:
        _wait(lambda: rows.filter(status="delivered").count() >= 20, timeout=120, what="the burst")
        for _ in range(100):
            _wait(lambda: rows.filter(status="sending", claimed_by=VICTIM).exists(), timeout=60, what="mid-send")
            os.kill(victim.pid, signal.SIGSTOP)
            stranded = list(rows.filter(status="sending", claimed_by=VICTIM).values_list("pk", flat=True))
            if stranded:
                break
            os.kill(victim.pid, signal.SIGCONT)
        os.kill(victim.pid, signal.SIGKILL)
        killed = time.monotonic()
        victim.wait()
        _wait(lambda: not WorkerProcess.objects.filter(pk=VICTIM).exists(), timeout=120, what="the takeover")
        takeover = time.monotonic() - killed
        _wait(
            lambda: rows.filter(pk__in=stranded, status="delivered").count() == len(stranded),
            timeout=120,
            what="the stranded deliveries",
        )
        redelivered = time.monotonic() - killed
        _wait(lambda: rows.filter(status="delivered").count() == deliveries, timeout=600, what="all", step=0.1)
        total = time.monotonic() - started
    finally:
        for process in (victim, survivor):
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=60)
    keys = set(rows.values_list("idempotency_key", flat=True))
    accepted = [a for a in receiver.accepted() if a["idempotency_key"] in keys]
    result = {
        "variant": name,
        "stranded": len(stranded),
        "takeover_s": takeover,
        "redelivered_s": redelivered,
        "burst_s": total,
        "exactly_once": len(accepted) == len({a["idempotency_key"] for a in accepted}) == deliveries,
    }
    Message.objects.filter(idempotency_key__startswith=prefix).delete()
    DBTaskResult.objects.all().delete()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=300)
    parser.add_argument("--variants", default="process,lease")
    args = parser.parse_args()

    import psycopg

    admin = PG_ADMIN_URL.replace("postgres://", "postgresql://")
    name = f"amtsweg_bench_recovery_{os.getpid()}"
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(DATABASE_URL=url, AMTSWEG_MODE="test", DJANGO_SETTINGS_MODULE="amtsweg.settings")
    os.environ.setdefault("AMTSWEG_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    results = []
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from amtsweg.hub.receivers.fachverfahren import FachverfahrenReceiver
        from amtsweg.hub.rules import rules_load
        from amtsweg.hub.tests.test_e2e_hub_support import http_target, minimal_world

        call_command("migrate", verbosity=0)
        rules_load()
        world = minimal_world()
        with tempfile.TemporaryDirectory() as tmp:
            receiver = FachverfahrenReceiver(secret=SECRET, store_path=Path(tmp) / "fv.sqlite3").start()
            http_target(authority=world[1], receiver=receiver, secret=SECRET, timeout=30)
            with open(Path(tmp) / "workers.log", "wb") as log:
                for variant in args.variants.split(","):
                    result = run_variant(
                        variant, url=url, deliveries=args.deliveries, receiver=receiver, world=world, log=log
                    )
                    results.append(result)
            receiver.stop()
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    print(f"\nkill -9 of one of two workers during a burst of {args.deliveries} deliveries (PostgreSQL)")
    print(f"{'variant':<10}{'stranded':>10}{'takeover s':>12}{'redelivered s':>15}{'burst s':>10}  exactly once")
    for r in results:
        print(
            f"{r['variant']:<10}{r['stranded']:>10}{r['takeover_s']:>12.2f}{r['redelivered_s']:>15.2f}"
            f"{r['burst_s']:>10.1f}  {'yes' if r['exactly_once'] else 'NO'}"
        )


if __name__ == "__main__":
    main()
