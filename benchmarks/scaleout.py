"""Benchmark of the scale-out stack: accepted applications/s and p95 latency through nginx + gunicorn over
real HTTP, next to a bare Django view in the same run.

Run: ``.venv/bin/python benchmarks/scaleout.py`` (options: ``--duration S``, ``--connections N``,
``--gunicorn-workers N``, ``--threads N``). Needs PostgreSQL on 127.0.0.1:5432 (role ``amtsweg``, see
``./dev test``), Debian's ``nginx`` and ``wrk`` (``apt-get install nginx wrk``). Takes about 1½ minutes;
prints a table, no assertions (timings depend on the machine).

The stack is the one of the scale-out test (amtsweg/ops/tests/scaleout_stack.py): Debian's nginx with the
site from deploy/nginx/ (without TLS) in front of 2 gunicorn instances (gthread), 2 task workers, one
throw-away PostgreSQL database ``amtsweg_bench_scaleout_<pid>`` with the reference data, and the demo
Fachverfahren (``amtsweg.hub.receivers.fachverfahren``, its own process, store on tmpfs) as the target.

Measured with wrk (fixed number of connections, closed loop, each for ``--duration`` seconds after a short
warm-up), first the bare view, then the applications:

* bare Django view: ``GET /health/live`` — the full middleware stack (security headers, CSP, sessions,
  locale) through nginx and gunicorn, no database.
* applications: ``POST /api/v1/hub/antraege/`` (Hundesteuer, Dresden) with a bearer token and a new
  Idempotency-Key per request: authentication, validation, jurisdiction, XML derivation, encryption,
  hashes, message + delivery + task rows and audit entries in one transaction. Counted: 201 answers.
  Meanwhile the two workers deliver them to the Fachverfahren (they share the 2 CPU cores with the web
  processes, as in production on one machine).

Afterwards the benchmark waits (bounded) until every accepted application is delivered and checks that the
Fachverfahren recorded each exactly once. While the applications run, pg_stat_activity is sampled: how many
database sessions are active and how many of them wait on an advisory lock.

Figures (2026-12-03, 2 CPU cores shared with other jobs, load 7 → 9; defaults: 16 connections, 15 s,
2 gunicorn instances × 2 processes × 4 threads, 2 workers)::

    Anfrage                                      ok/s   p50 ms   p95 ms   p99 ms
    Leere Django-Ansicht (GET /health/live)       753     19.4     81.2    131.0
    Antrag einreichen (POST …/hub/antraege/)       17    860.3   1378.0   1794.6
    Verhältnis: Durchsatz 43.7×, p95 17.0×; 331 angenommen, 331 genau einmal zugestellt

    An earlier run at load 4 → 6: bare view 949/s (p95 61 ms), applications 18/s (p95 1118 ms); with one
    connection (``--connections 1``): bare view 444/s, p95 5.5 ms; applications 12/s, p50 81 ms, p95 127 ms.

Reading: one application costs ~80 ms alone, and 16 concurrent connections raise the rate only a little,
because the audit chain is one global hash chain: every writer (intake and the workers' outcomes) takes its
advisory lock (``amtsweg.audit.services._lock_chain``) and holds it until its transaction commits. The intake
now writes its audit entries last (after routing and task rows), which shortened the critical section, but
on a saturated machine a lock holder that loses its CPU still stalls everyone (6.3 of 6.7 active sessions
waited on the lock). The next step is an audit outbox: entries written unchained in the business
transaction and chained by one process afterwards. The deliveries keep up easily (the backlog was gone
~1 s after the load ended).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from amtsweg.ops.tests.nginx_conf import nginx_path  # noqa: E402 - after sys.path
from amtsweg.ops.tests.scaleout_stack import DRESDEN, HUNDESTEUER, ProcessGroup, Stack, free_port  # noqa: E402

PG_ADMIN_URL = "postgres://amtsweg:amtsweg-local@127.0.0.1:5432/postgres"
SECRET = "benchmark-geheimnis-0123456789abcdef"  # noqa: S105 - local test receiver only
WARM_UP_SECONDS = 3

# One wrk script for both runs: counts the expected answers per thread and prints one JSON line at the end.
# For the applications it sends a new Idempotency-Key (run id, thread, counter) and a distinct body each time.
LUA = r"""
local threads = {}
counter, ok = 0, 0  -- globals: the main state reads them per thread with thread:get()
local method, path, expected, token, run, body_head, body_tail

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  method, path, expected, token, run = args[1], args[2], tonumber(args[3]), args[4], args[5]
  body_head, body_tail = args[6], args[7]
end

function request()
  counter = counter + 1
  if method == "GET" then
    return wrk.format("GET", path)
  end
  local headers = {
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = string.format("bench-%s-%d-%d", run, id, counter),
    ["Content-Type"] = "application/json",
  }
  return wrk.format("POST", path, headers, body_head .. id .. "-" .. counter .. body_tail)
end

function response(status, headers, body)
  if status == expected then ok = ok + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("ok") end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "ok": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, total, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def _wrk(url: str, *, script: Path, seconds: int, connections: int, args: list[str]) -> dict:
    command = [
        shutil.which("wrk") or "wrk",
        "--threads",
        str(min(2, connections)),
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        "30s",
        "--script",
        str(script),
        url,
        "--",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"wrk failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")


def _body_parts() -> tuple[str, str]:
    """The application's JSON split around the dog's name, so that wrk can make every body distinct."""
    marker = "@@NAME@@"
    body = json.dumps(
        {
            "leika_key": HUNDESTEUER,
            "ags": DRESDEN,
            "data": {"anlass": "anmeldung", "hund": [{"hund_name": f"Bello {marker}", "hund_rasse": "Labrador"}]},
        }
    )
    head, tail = body.split(marker)
    return head, tail


def _pg(action: str, name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        if action == "create":
            conn.execute(f'CREATE DATABASE "{name}"')
        else:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _django(database_url: str, var_dir: Path) -> None:
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "AMTSWEG_MODE": "test",
            "AMTSWEG_VAR_DIR": str(var_dir),
            "AMTSWEG_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "amtsweg.settings",
        }
    )
    import django

    django.setup()


def _receiver(group: ProcessGroup, store: Path) -> str:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "amtsweg.hub.receivers.fachverfahren",
        "--port",
        str(port),
        "--secret",
        SECRET,
        "--store",
        str(store),
    ]
    group.spawn("fachverfahren", command, {**os.environ})
    group.wait_http(f"http://127.0.0.1:{port}/health", deadline=time.monotonic() + 30)
    return f"http://127.0.0.1:{port}/antraege"


class LockSampler(threading.Thread):
    """Samples pg_stat_activity while wrk runs: how many of the database's sessions are active, and how
    many of them wait on an advisory lock (the audit chain's pg_advisory_xact_lock, amtsweg.audit)."""

    def __init__(self, database_url: str, every: float = 0.1):
        super().__init__(daemon=True)
        self.database_url, self.every = database_url, every
        self.samples: list[tuple[int, int]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while not self.stopping.is_set():
                row = conn.execute(
                    "SELECT count(*) FILTER (WHERE state = 'active'), "
                    "count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'advisory') "
                    "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()
                self.samples.append((row[0], row[1]))
                self.stopping.wait(self.every)

    def stop(self) -> dict:
        self.stopping.set()
        self.join(timeout=10)
        n = max(len(self.samples), 1)
        return {
            "active": sum(a for a, _ in self.samples) / n,
            "advisory": sum(w for _, w in self.samples) / n,
            "samples": len(self.samples),
        }


def _settle(*, timeout: float) -> tuple[int, int, float]:
    """Wait until no delivery is pending; (delivered, not delivered, seconds waited)."""
    from django.db import connection

    from amtsweg.hub.models import Delivery

    started = time.monotonic()
    pending = Delivery.objects.exclude(status__in=["delivered", "dead"])
    while pending.exists() and time.monotonic() - started < timeout:
        time.sleep(0.5)
    waited = time.monotonic() - started
    delivered = Delivery.objects.filter(status="delivered").count()
    other = Delivery.objects.exclude(status="delivered").count()
    connection.close()
    return delivered, other, waited


def run(args) -> dict:
    from django.core.management import call_command

    from amtsweg.ops.tests.scaleout_stack import scaleout_world

    name = f"amtsweg_bench_scaleout_{os.getpid()}"
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - a private mkdtemp inside
    results: dict = {}
    with (
        tempfile.TemporaryDirectory(prefix="amtsweg-bench-scaleout-") as tmp,
        tempfile.TemporaryDirectory(prefix="amtsweg-bench-fv-", dir=shm) as fv_tmp,
    ):
        tmp = Path(tmp)
        database_url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        _pg("create", name)
        group = ProcessGroup(tmp / "logs")
        stack = None
        try:
            _django(database_url, tmp / "var")
            from django.conf import settings
            from django.db import connection

            print(f"Datenbank {name}: Migrationen und Referenzdaten …", flush=True)
            call_command("migrate", verbosity=0)
            receiver_url = _receiver(group, Path(fv_tmp) / "fachverfahren.sqlite3")
            # Rate limit per API client far above what the benchmark sends (the default 600/min would stop it).
            token = scaleout_world(receiver_url=receiver_url, secret=SECRET, rate="1000000/min")
            connection.close()  # the stack's processes do the work; this process only watches

            static_root = Path(settings.STATIC_ROOT)
            stack = Stack(
                database_url=database_url,
                base_dir=tmp / "stack",
                static_root=static_root,
                gunicorn_workers=args.gunicorn_workers,
                gunicorn_threads=args.threads,
            )
            print("Start: nginx, 2 × gunicorn, 2 Worker …", flush=True)
            stack.start()
            script = tmp / "bench.lua"
            script.write_text(LUA, encoding="utf-8")
            head, tail = _body_parts()
            bare = ["GET", "/health/live", "200", "-", "-", "-", "-"]
            submit = ["POST", "/api/v1/hub/antraege/", "201", token, uuid.uuid4().hex[:8], head, tail]

            print(f"Leere Django-Ansicht: {args.duration} s mit {args.connections} Verbindungen …", flush=True)
            _wrk(stack.url, script=script, seconds=WARM_UP_SECONDS, connections=args.connections, args=bare)
            results["bare"] = _wrk(
                stack.url, script=script, seconds=args.duration, connections=args.connections, args=bare
            )

            print(f"Anträge: {args.duration} s mit {args.connections} Verbindungen …", flush=True)
            warm = submit[:4] + [f"warm{submit[4]}"] + submit[5:]
            _wrk(stack.url, script=script, seconds=WARM_UP_SECONDS, connections=args.connections, args=warm)
            results["drain_warm"] = _settle(timeout=300)
            sampler = LockSampler(database_url)
            sampler.start()
            try:
                results["submit"] = _wrk(
                    stack.url, script=script, seconds=args.duration, connections=args.connections, args=submit
                )
            finally:
                results["locks"] = sampler.stop()
            print("Warten, bis alle angenommenen Anträge zugestellt sind …", flush=True)
            delivered, other, waited = _settle(timeout=600)
            stack.check_alive()
            results["drain_after_s"] = waited
            from amtsweg.hub.models import Message

            results["messages"] = Message.objects.count()
            results["delivered"] = delivered
            results["not_delivered"] = other
            connection.close()
            with sqlite3.connect(Path(fv_tmp) / "fachverfahren.sqlite3") as fv:
                results["fv_rows"] = fv.execute("SELECT count(*) FROM deliveries").fetchone()[0]
                results["fv_distinct"] = fv.execute(
                    "SELECT count(DISTINCT idempotency_key) FROM deliveries"
                ).fetchone()[0]
        finally:
            if stack is not None:
                stack.stop()
            group.stop()
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: BLE001, S110 - Django may not be set up when setup failed
                pass
            _pg("drop", name)
    return results


def _line(label: str, r: dict) -> str:
    seconds = r["duration_us"] / 1e6
    rate = r["ok"] / seconds
    errors = r["connect"] + r["read"] + r["write"] + r["timeout"] + (r["requests"] - r["ok"])
    return (
        f"{label:<42} {rate:>9.0f} {r['p50_us'] / 1000:>8.1f} {r['p95_us'] / 1000:>8.1f} "
        f"{r['p99_us'] / 1000:>8.1f} {r['ok']:>8d} {errors:>7d}"
    )


def report(results: dict, args, elapsed: float, load: tuple[float, float]) -> None:
    bare, submit = results["bare"], results["submit"]
    print()
    print(
        f"nginx + 2 × gunicorn ({args.gunicorn_workers} Prozesse × {args.threads} Threads je Instanz) + 2 Worker, "
        f"PostgreSQL; wrk: {args.connections} Verbindungen, je {args.duration} s"
    )
    header = f"{'Anfrage':<42} {'ok/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'ok':>8} {'Fehler':>7}"
    print(header)
    print("-" * len(header))
    print(_line("Leere Django-Ansicht (GET /health/live)", bare))
    print(_line("Antrag einreichen (POST …/hub/antraege/)", submit))
    bare_rate = bare["ok"] / (bare["duration_us"] / 1e6)
    submit_rate = submit["ok"] / (submit["duration_us"] / 1e6)
    print()
    print(
        f"Verhältnis leere Ansicht / Antrag: Durchsatz {bare_rate / submit_rate:.1f}×, "
        f"p95 {submit['p95_us'] / max(bare['p95_us'], 1):.1f}×"
    )
    locks = results["locks"]
    print(
        f"Datenbank während des Antragslaufs (pg_stat_activity, {locks['samples']} Stichproben): im Mittel "
        f"{locks['active']:.1f} aktive Sitzungen, davon {locks['advisory']:.1f} wartend auf eine Advisory-Sperre "
        "(Kette des Audit-Protokolls)"
    )
    accepted = results["messages"]
    print(
        f"Angenommen insgesamt (mit Aufwärmen): {accepted}; zugestellt: {results['delivered']}, "
        f"nicht zugestellt: {results['not_delivered']}; beim Fachverfahren: {results['fv_rows']} "
        f"({results['fv_distinct']} verschiedene Idempotency-Keys)"
    )
    print(f"Nach dem Lastlauf waren nach {results['drain_after_s']:.1f} s alle Zustellungen erledigt.")
    verdict = (
        "ja"
        if results["delivered"] == accepted == results["fv_rows"] == results["fv_distinct"]
        and not results["not_delivered"]
        else "NEIN"
    )
    print(f"Jeder angenommene Antrag genau einmal zugestellt: {verdict}")
    print(
        f"\nLaufzeit {elapsed:.0f} s; Systemlast (1 min) vorher {load[0]:.1f}, nachher {load[1]:.1f} "
        f"bei {os.cpu_count()} CPU-Kernen — wrk, nginx, gunicorn, Worker, PostgreSQL und Fachverfahren teilen"
        "\nsich die Kerne; andere Last auf der Maschine verfälscht die Zahlen (dann wiederholen)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15, help="Sekunden je Messlauf")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--gunicorn-workers", type=int, default=2, help="Prozesse je gunicorn-Instanz")
    parser.add_argument("--threads", type=int, default=4, help="Threads je gunicorn-Prozess")
    args = parser.parse_args()
    missing = [tool for tool, found in (("nginx", nginx_path()), ("wrk", shutil.which("wrk"))) if not found]
    if missing:
        sys.exit(f"Fehlt: {', '.join(missing)} (apt-get install {' '.join(missing)})")
    # A TERM (e.g. from `timeout`) must still stop the stack and drop the database (the finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("abgebrochen (SIGTERM)"))
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    results = run(args)
    report(results, args, time.perf_counter() - started, (load_before, os.getloadavg()[0]))


if __name__ == "__main__":
    main()
