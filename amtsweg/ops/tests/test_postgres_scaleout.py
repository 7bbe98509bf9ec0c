"""Scale-out smoke test on real parts (issue 7): Debian's nginx, with the site from deploy/nginx/, in front of
two gunicorn web processes and two task workers, all on the PostgreSQL test database, on loopback.

A burst of applications is sent concurrently through nginx to the hub's inbound API; every one must be
accepted, and every one must arrive exactly once at the demo Fachverfahren (HMAC-checked receiver that
records each Idempotency-Key). Then one web process is killed: nginx must send the next applications to the
other one, again each accepted and delivered once. Waits are bounded; nothing is timed.

Run by the second pass of ``./dev test`` (``DATABASE_URL=postgres://… pytest -m postgres``). The test
commits (the web and worker processes are other processes), so pytest-django flushes the tables afterwards;
the reference data is loaded again if an earlier PostgreSQL test flushed it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings

from amtsweg.hub.tests.test_e2e_hub_support import database_url, wait_for
from amtsweg.ops.tests.nginx_conf import nginx_path
from amtsweg.ops.tests.scaleout_stack import Stack, antrag_body, scaleout_world

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        nginx_path() is None, reason="nginx fehlt: Debian-Paket nginx installieren (./dev test tut das)"
    ),
]

BURST = 48
AFTER_LOSS = 6
RECEIVER_SECRET = "scaleout-geheimnis-0123456789abcdef"


def post_antrag(base_url: str, token: str, index: int, key: str) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base_url}/api/v1/hub/antraege/",
        data=antrag_body(index),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {"error": error.read().decode(errors="replace")[:500]}


@pytest.fixture
def receiver(tmp_path):
    from amtsweg.hub.receivers.fachverfahren import FachverfahrenReceiver

    rec = FachverfahrenReceiver(secret=RECEIVER_SECRET, store_path=tmp_path / "fachverfahren.sqlite3").start()
    yield rec
    rec.stop()


@pytest.fixture
def stack(tmp_path):
    """nginx + 2 gunicorn + 2 workers; stopped (process groups) also when the test fails."""
    static_root = Path(settings.STATIC_ROOT)
    if not (static_root / "css" / "amtsweg.css").exists():
        pytest.fail(f"{static_root} is empty: run `manage.py collectstatic` first (./dev test does)")
    # The search indexes warm up in each web process; keep the processes few and small (2 CPU cores).
    stack = Stack(database_url=database_url(), base_dir=tmp_path / "stack", static_root=static_root, gunicorn_workers=1)
    yield stack
    stack.stop()


def test_a_burst_through_nginx_is_accepted_and_delivered_exactly_once(receiver, stack):
    from django_tasks_db.models import DBTaskResult

    from amtsweg.hub.models import Delivery, Message
    from amtsweg.hub.tasks import delivery_attempt

    token = scaleout_world(receiver_url=receiver.url, secret=RECEIVER_SECRET)
    # A little latency per delivery, so both workers have work at once (a lone fast worker proves nothing).
    receiver.hang_next(BURST, seconds=0.05)
    stack.start()

    run = uuid.uuid4().hex[:8]
    with ThreadPoolExecutor(max_workers=BURST) as pool:
        results = list(
            pool.map(lambda i: post_antrag(stack.url, token, i, f"burst-{run}-{i:04d}"), range(BURST)),
        )
    refused = [(status, body) for status, body in results if status != 201]
    assert not refused, f"{refused[:3]}\n{stack.logs_tail()}"
    message_ids = {body["id"] for _, body in results}
    assert len(message_ids) == BURST
    assert {body["status"] for _, body in results} == {"routed"}

    deliveries = Delivery.objects.filter(message_id__in=message_ids)
    assert deliveries.count() == BURST  # one delivery per application (one target)
    wait_for(
        lambda: not deliveries.exclude(status__in=["delivered", "dead"]).exists(),
        timeout=180,
        step=0.2,
        what=f"all deliveries to settle\n{stack.logs_tail()}",
    )
    stack.check_alive()  # nobody crashed on the way

    # Exactly once in effect: every delivery arrived once at the Fachverfahren, none was even sent twice.
    assert set(deliveries.values_list("status", flat=True)) == {"delivered"}
    assert set(deliveries.values_list("attempts", flat=True)) == {1}
    keys = set(deliveries.values_list("idempotency_key", flat=True))
    accepted = [a for a in receiver.accepted() if a["idempotency_key"] in keys]
    assert len(accepted) == BURST and {a["idempotency_key"] for a in accepted} == keys
    assert receiver.requests == BURST
    assert receiver.rejected_signatures == 0
    numbers = set(Message.objects.filter(pk__in=message_ids).values_list("vorgang__number", flat=True))
    assert {a["vorgangsnummer"] for a in accepted} == numbers

    # Both web processes served the burst (nginx spread it), and both workers delivered.
    posts = re.compile(r'"POST /api/v1/hub/antraege/ HTTP/1\.1" 201')
    served = {name: len(posts.findall(stack.access_log(name))) for name in ("web1", "web2")}
    assert sum(served.values()) == BURST and all(served.values()), served
    tasks = DBTaskResult.objects.filter(task_path=delivery_attempt.module_path)
    worker_ids = {wid for ids in tasks.values_list("worker_ids", flat=True) for wid in ids}
    assert len(worker_ids) == 2, worker_ids

    # Static files come from nginx (STATIC_ROOT), with long cache headers, and never reach gunicorn.
    with urllib.request.urlopen(f"{stack.url}/static/css/amtsweg.css", timeout=30) as response:  # noqa: S310
        assert response.read() == (Path(settings.STATIC_ROOT) / "css" / "amtsweg.css").read_bytes()
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert not any('"GET /static/' in stack.access_log(name) for name in ("web1", "web2"))

    # A web process dies (a lost machine): nginx skips it, the applications go to the other one, and none is
    # lost or doubled (a POST is only passed on when the connection to the dead backend was refused).
    web1 = stack.group.processes["web1"]
    os.killpg(web1.pid, signal.SIGKILL)
    web1.wait(timeout=30)
    more = [post_antrag(stack.url, token, BURST + i, f"after-{run}-{i:04d}") for i in range(AFTER_LOSS)]
    assert [status for status, _ in more] == [201] * AFTER_LOSS, more
    later = Delivery.objects.filter(message_id__in={body["id"] for _, body in more})
    wait_for(
        lambda: later.filter(status="delivered").count() == AFTER_LOSS,
        timeout=120,
        step=0.2,
        what=f"the later deliveries\n{stack.logs_tail()}",
    )
    assert len(posts.findall(stack.access_log("web2"))) == served["web2"] + AFTER_LOSS
    assert receiver.requests == BURST + AFTER_LOSS
    assert len(receiver.accepted()) == BURST + AFTER_LOSS
