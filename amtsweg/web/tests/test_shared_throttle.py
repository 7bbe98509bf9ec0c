"""The anonymous API limit is shared by all web processes and cannot be dodged with X-Forwarded-For.

Two real gunicorn processes serve one SQLite database (with the shared cache table the
ops migration ``core`` 0002 creates); requests alternate between them, each with a fresh random
``X-Forwarded-For``. Without a shared cache each process would allow the full limit; with DRF's
default client identification every request would look like a new client.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from amtsweg.web.throttling import _batch

BASE_DIR = Path(__file__).resolve().parents[3]
LIMIT = 10
# Large enough that each process reserves several requests per write (amtsweg.web.throttling._batch).
BATCHED_LIMIT = 150
START_TIMEOUT = 60  # seconds; a safety net against a server that never comes up, not a measurement


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, headers: dict | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback only)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited early:\n{log.read_text(errors='replace')}")
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 (loopback only)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn at {url} did not answer within {START_TIMEOUT} s")


@pytest.fixture(scope="module")
def two_web_processes(tmp_path_factory):
    yield from _two_web_processes(tmp_path_factory, LIMIT)


@pytest.fixture(scope="module")
def two_web_processes_batched(tmp_path_factory):
    yield from _two_web_processes(tmp_path_factory, BATCHED_LIMIT)


def _two_web_processes(tmp_path_factory, limit: int):
    var_dir = tmp_path_factory.mktemp("throttle-var")
    env = {
        **os.environ,
        "AMTSWEG_MODE": "test",
        "AMTSWEG_VAR_DIR": str(var_dir),
        # Per hour: the test never races the window, however slow the machine is.
        "AMTSWEG_API_ANON_RATE": f"{limit}/hour",
        "AMTSWEG_TRUSTED_PROXIES": "",
    }
    env.pop("DATABASE_URL", None)
    env.pop("AMTSWEG_CACHE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True)
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    processes, urls = [], []
    try:
        for index in range(2):
            port = _free_port()
            log = var_dir / f"gunicorn-{index}.log"
            process = subprocess.Popen(  # noqa: S603
                [gunicorn, "amtsweg.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                cwd=BASE_DIR,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            processes.append(process)
            url = f"http://127.0.0.1:{port}"
            _wait_until_up(f"{url}/health/live", process, log)
            urls.append(url)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _random_ip() -> str:
    return ".".join(str(secrets.randbelow(254) + 1) for _ in range(4))


def test_anonymous_limit_is_shared_and_ignores_forged_forwarded_for(two_web_processes):
    first, second = two_web_processes
    statuses = []
    for i in range(LIMIT):
        base = first if i % 2 == 0 else second
        statuses.append(_get(f"{base}/api/v1/orte/?q=Frei", {"X-Forwarded-For": _random_ip()}))
    assert statuses == [200] * LIMIT
    # Request LIMIT + 1, on either process and with yet another forged address: refused.
    assert _get(f"{first}/api/v1/orte/?q=Frei", {"X-Forwarded-For": _random_ip()}) == 429
    assert _get(f"{second}/api/v1/orte/?q=Frei", {"X-Forwarded-For": _random_ip()}) == 429


def test_batched_counting_keeps_the_limit_across_processes(two_web_processes_batched):
    """Far from the limit each process reserves a batch of requests with one write; the two together
    still never let more than the limit through, and refuse everything after it on both processes."""
    first, second = two_web_processes_batched
    assert _batch(BATCHED_LIMIT) > 1
    statuses = []
    for i in range(BATCHED_LIMIT + 20):
        base = first if i % 3 else second  # uneven, so the processes' reservations interleave
        statuses.append(_get(f"{base}/api/v1/orte/?q=Frei"))
    accepted = statuses.count(200)
    # Reserved but unused requests of the other process are counted already: at most one batch less.
    assert BATCHED_LIMIT - _batch(BATCHED_LIMIT) <= accepted <= BATCHED_LIMIT
    assert set(statuses) == {200, 429}
    assert statuses[-10:] == [429] * 10
    assert _get(f"{first}/api/v1/orte/?q=Frei") == 429
    assert _get(f"{second}/api/v1/orte/?q=Frei") == 429
