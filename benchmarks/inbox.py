"""Benchmark of the Sachbearbeitung inbox: list page latency for 100,000 cases in one authority.

Run: ``.venv/bin/python benchmarks/inbox.py [--cases 100000] [--requests 200] [--port 8790]``

Sets up a throw-away SQLite database in a temporary directory (migrations + reference data via
``bootstrap --reference-only``), bulk-creates the cases in one authority (Stadtverwaltung Freiberg) with
varied Leistungen, statuses, due dates and assignees, signs a staff user in (a real session row), starts
gunicorn on loopback and measures sequential requests over real HTTP: a bare view (``/health/live``) as
the floor of the stack, and several list pages (first page, overdue filter, search, assignee filter,
deep page). Prints p50/p95 per page and the ratio to the bare view. No assertions (timings depend on
the machine); the bounded number of queries per page is a test (amtsweg/inbox/tests/test_inbox.py).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261203


def _django(var_dir: Path) -> None:
    os.environ.update(
        {
            "AMTSWEG_MODE": "test",
            "AMTSWEG_VAR_DIR": str(var_dir),
            "AMTSWEG_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "amtsweg.settings",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _world(cases: int) -> str:
    """Reference data, ``cases`` Vorgänge in Freiberg, a signed-in staff user; returns the session key."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from amtsweg.cases.deadline import working_days_add
    from amtsweg.cases.models import CaseStatus, Vorgang
    from amtsweg.cases.numbers import number_generate
    from amtsweg.catalog.models import Leistung
    from amtsweg.directory.models import Authority
    from amtsweg.directory.services import membership_set

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("bootstrap", "--reference-only", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"Referenzdaten geladen ({time.monotonic() - started:.0f} s)", flush=True)

    authority = Authority.objects.get(key="gem-14522180")
    leistungen = list(Leistung.objects.filter(published=True).order_by("pk")[:60])
    users = get_user_model()
    staff = [users.objects.create_user(username=f"sb{i}", password="x" * 20, is_staff=True) for i in range(8)]
    for user in staff:
        membership_set(user=user, authority=authority)

    rng = random.Random(SEED)
    now = timezone.now()
    statuses = [s for s, _ in CaseStatus.choices]
    numbers: set[str] = set()
    rows = []
    started = time.monotonic()
    for i in range(cases):
        created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 700))
        year = timezone.localtime(created).year
        number = number_generate(year=year)
        while number in numbers:
            number = number_generate(year=year)
        numbers.add(number)
        status = rng.choices(statuses, weights=[30, 40, 10, 10, 10, 2][: len(statuses)])[0]
        rows.append(
            Vorgang(
                number=number,
                channel="portal" if i % 5 else "api",
                status=status,
                authority=authority,
                leistung=rng.choice(leistungen),
                created=created,
                assignee=rng.choice([None, *staff]),
                due_date=working_days_add(timezone.localdate(created), 20),
                paused_since=timezone.localdate(created) if status == CaseStatus.NACHFORDERUNG else None,
            )
        )
    Vorgang.objects.bulk_create(rows, batch_size=5000)
    print(f"{cases} Vorgänge angelegt ({time.monotonic() - started:.0f} s)", flush=True)

    session = SessionStore()
    session[SESSION_KEY] = str(staff[0].pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = staff[0].get_session_auth_hash()
    session.create()
    call_command("collectstatic", "--noinput", verbosity=0)
    return session.session_key


def _query_profile(paths: list[str], cookie: str) -> None:
    """In-process: the queries of each list page with their time (where the milliseconds go)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.cookies["sessionid"] = cookie
    for path in paths:
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            client.get(path)
            total = (time.perf_counter() - started) * 1000
        sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        print(f"\n{path}: {len(queries.captured_queries)} Abfragen, {sql_ms:.1f} ms SQL von {total:.1f} ms")
        for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]:
            print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:150]}")


def _wait(port: int, deadline: float, process) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn stopped; see gunicorn.log")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health/live")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start")


def _measure(port: int, path: str, *, cookie: str, n: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    times, status = [], None
    for _ in range(n):
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        times.append((time.perf_counter() - started) * 1000)
        status = response.status
    conn.close()
    times.sort()
    return {
        "status": status,
        "bytes": len(body),
        "p50": statistics.median(times),
        "p95": times[max(0, int(len(times) * 0.95) - 1)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--port", type=int, default=8790)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="amtsweg-bench-inbox-") as tmp:
        var_dir = Path(tmp) / "var"
        var_dir.mkdir()
        _django(var_dir)
        cookie = _world(args.cases)
        from django.db import connection

        connection.close()
        env = {
            **os.environ,
            "AMTSWEG_PORT": str(args.port),
            "AMTSWEG_WEB_WORKERS": "1",
            "AMTSWEG_ACCESS_LOG": os.devnull,
        }
        gunicorn = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
            [str(Path(sys.executable).with_name("gunicorn")), "-c", "python:amtsweg.gunicorn_conf", "amtsweg.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(Path(tmp) / "gunicorn.log", "w"),  # noqa: SIM115
        )
        pages = [
            ("Leere Ansicht (/health/live)", "/health/live", ""),
            ("Liste, Seite 1", "/sachbearbeitung/", cookie),
            ("Liste, überfällige", "/sachbearbeitung/?ueberfaellig=on", cookie),
            ("Liste, Suche „steuer“", "/sachbearbeitung/?q=steuer", cookie),
            ("Liste, meine Vorgänge, Frist", "/sachbearbeitung/?bearbeitung=ich&sort=frist", cookie),
            ("Liste, Seite 2000", "/sachbearbeitung/?seite=2000", cookie),
        ]
        try:
            _wait(args.port, time.monotonic() + 120, gunicorn)
            pages = [
                ("Leere Ansicht (/health/live)", "/health/live", ""),
                ("Liste, Seite 1", "/sachbearbeitung/", cookie),
                ("Liste, überfällige", "/sachbearbeitung/?ueberfaellig=on", cookie),
                ("Liste, Suche „steuer“", "/sachbearbeitung/?q=steuer", cookie),
                ("Liste, meine Vorgänge, Frist", "/sachbearbeitung/?bearbeitung=ich&sort=frist", cookie),
                ("Liste, Seite 2000", "/sachbearbeitung/?seite=2000", cookie),
            ]
            for _label, path, session in pages:  # warm-up (imports, caches, SQLite page cache)
                _measure(args.port, path, cookie=session, n=3)
            print(f"\n{args.cases} Vorgänge in einer Behörde, {args.requests} Anfragen je Seite, sequentiell")
            print(f"{'Seite':34} {'HTTP':>4} {'p50 ms':>8} {'p95 ms':>8} {'× leer':>7}")
            bare = None
            for label, path, session in pages:
                result = _measure(args.port, path, cookie=session, n=args.requests)
                bare = bare or result["p95"]
                print(
                    f"{label:34} {result['status']:>4} {result['p50']:8.1f} {result['p95']:8.1f}"
                    f" {result['p95'] / bare:7.1f}"
                )
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
        _query_profile([path for _label, path, session in pages if session], cookie)


if __name__ == "__main__":
    main()
