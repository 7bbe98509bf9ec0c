"""Shared helpers of the hub's end-to-end, fault and PostgreSQL tests (this module holds no tests).

Workers:
* SQLite (first pass of ``./dev test``): pytest-django's SQLite test database lives in memory, so no
  second process can see it. ``worker_drain_in_process`` therefore runs django-tasks-db's real worker
  loop (``db_worker``'s ``Worker`` class, batch mode) in the test process; only its connection recycling
  is switched off because the test runs inside a transaction.
* PostgreSQL (second pass): real ``manage.py db_worker`` subprocesses against the test database
  (``worker_start``), as in amtsweg/ops/tests/test_postgres_workers.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from amtsweg.hub.models import Delivery

ROOT = Path(__file__).resolve().parents[3]
RULES_DIR = ROOT / "amtsweg" / "hub" / "rules"
SAMPLE_XML = (RULES_DIR / "fachverfahren-xml" / "samples" / "hundesteuer.xml").read_bytes()
SAMPLE_DATA = {
    "anlass": "anmeldung",
    "vorname": "Erika",
    "nachname": "Musterfrau",
    "hund": [{"hund_name": "Bello", "hund_rasse": "Labrador", "hund_gefaehrlich": False}],
}
HUNDESTEUER = "99102013000000"
GEWERBEANZEIGE = "99050012104000"


# --- in-process worker (SQLite) -------------------------------------------------------------------------


def worker_drain_in_process(*, max_tasks: int | None = None) -> int:
    """Run the real django-tasks-db worker loop until no task is due; returns how many tasks it ran."""
    from django_tasks_db.management.commands import db_worker as command

    worker = command.Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id="pytest-in-process",
        excluded_queue_names=[],
    )
    # close_old_connections() would drop the test transaction's connection.
    with mock.patch.object(command, "close_old_connections", lambda: None):
        worker.run()
    return worker._run_tasks


def tasks_pull_forward(sim_clock) -> bool:
    """Make waiting (delayed) tasks due: the hub clock jumps to the latest planned attempt, and the
    tasks' real-time ``run_after`` to now. False when nothing is waiting any more."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(status="READY")
    if not waiting.exists():
        return False
    latest = Delivery.objects.filter(status__in=["queued", "failed_retrying"]).aggregate(at=Max("next_attempt_at"))[
        "at"
    ]
    if latest is not None and latest > sim_clock.current:
        sim_clock.current = latest
    waiting.update(run_after=timezone.now())
    return True


def drain(sim_clock, *, rounds: int = 60, before_round=None) -> int:
    """Worker rounds until every task is done (delayed retries pulled forward); returns the rounds."""
    for number in range(rounds):
        if before_round is not None:
            before_round(number)
        worker_drain_in_process()
        if not tasks_pull_forward(sim_clock):
            return number + 1
    raise AssertionError(f"tasks still waiting after {rounds} worker rounds")


# --- worker subprocesses (PostgreSQL) ---------------------------------------------------------------------


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def worker_start(
    *,
    batch: bool = True,
    interval: str = "0",
    log=None,
    env: dict | None = None,
    command: str = "db_worker",
    worker_id: str | None = None,
) -> subprocess.Popen:
    """A real ``manage.py db_worker`` (or ``worker``: with heartbeat and takeover) process against the
    (PostgreSQL) test database."""
    env = {**os.environ, "DATABASE_URL": database_url(), "AMTSWEG_MODE": "test", **(env or {})}
    command = [sys.executable, "manage.py", command, "--queue-name", "*", "--no-reload", "--interval", interval]
    if worker_id:
        command += ["--worker-id", worker_id]
    if batch:
        command.append("--batch")
    else:
        command.append("--no-startup-delay")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT if log else None)


def wait_for(condition, *, timeout: float = 60, step: float = 0.02, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


# --- minimal world (PostgreSQL tests may run after a flush that removed the reference data) ------------------


def minimal_world(*, ags: str = "14612000", name: str = "Dresden, Stadt"):
    """(gemeinde, authority) for ``ags``: from the reference data if present, else created minimally."""
    from amtsweg.directory.models import Authority, Territory

    gemeinde = Territory.objects.filter(kind="gemeinde", ags=ags, valid_until__isnull=True).first()
    if gemeinde is None:
        gemeinde = Territory.objects.create(kind="gemeinde", ags=ags, ars=f"{ags[:5]}0{ags[5:]}000"[:12], name=name)
    authority = Authority.objects.filter(key=f"gem-{ags}").first()
    if authority is None:
        authority = Authority.objects.create(
            key=f"gem-{ags}", name=f"Stadtverwaltung {name}", kind="kreisfreie_stadt", territory=gemeinde
        )
    return gemeinde, authority


def routed_world(*, receiver, timeout: float = 10):
    """(gemeinde, authority) of ``minimal_world`` with the local Fachverfahren ``receiver`` as its HTTP target."""
    from amtsweg.hub.tests.conftest import RECEIVER_SECRET

    gemeinde, authority = minimal_world()
    http_target(authority=authority, receiver=receiver, secret=RECEIVER_SECRET, timeout=timeout)
    return gemeinde, authority


def http_target(*, authority, receiver, key: str = "fachverfahren", secret: str, timeout: float = 10):
    """A real HTTP target (Fachverfahren receiver) routed for every Leistung of ``authority``."""
    from amtsweg.hub.models import Routing, TargetSystem
    from amtsweg.hub.services import target_secrets_set

    target = TargetSystem.objects.create(
        authority=authority,
        key=key,
        name="Fachverfahren (Test)",
        type_key="http",
        config={"url": receiver.url, "timeout": timeout},
        wants_receipt=False,
    )
    target_secrets_set(target=target, secrets={"secret": secret})
    Routing.objects.create(authority=authority, target=target)
    return target


def api_message(*, index: int, authority, gemeinde, prefix: str = "t"):
    """One routed message as the inbound API would create it (sample data of the rule depot)."""
    from amtsweg.cases.services import vorgang_create
    from amtsweg.hub.services import message_create

    message, _ = message_create(
        idempotency_key=f"{prefix}-{index:05d}",
        source="api",
        vorgang=vorgang_create(authority=authority, channel="api", gemeinde=gemeinde),
        authority=authority,
        gemeinde=gemeinde,
        leika_key=HUNDESTEUER,
        data=SAMPLE_DATA,
        data_xml=SAMPLE_XML,
    )
    return message
