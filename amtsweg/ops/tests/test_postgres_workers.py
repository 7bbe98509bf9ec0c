"""Several task workers on PostgreSQL: every task runs exactly once (SELECT … FOR UPDATE SKIP LOCKED)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from amtsweg.ops.tests.tasks_for_tests import record_run

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_workers_run_each_task_exactly_once(tmp_path):
    out = tmp_path / "runs.txt"
    keys = [f"task-{i:03d}" for i in range(120)]
    for key in keys:
        record_run.enqueue(str(out), key)

    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "AMTSWEG_MODE": "test"}
    command = [
        sys.executable,
        "manage.py",
        "db_worker",
        "--batch",
        "--queue-name",
        "*",
        "--no-reload",
        "--interval",
        "0",
    ]
    workers = [subprocess.Popen(command, cwd=ROOT, env=env) for _ in range(2)]
    for worker in workers:
        assert worker.wait(timeout=300) == 0

    runs = out.read_text().split()
    assert sorted(runs) == keys, "every task must run exactly once"
    assert DBTaskResult.objects.successful().count() == len(keys)
    # Both workers took part; a single worker draining everything would prove nothing.
    worker_ids = {wid for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) for wid in ids}
    assert len(worker_ids) == 2
