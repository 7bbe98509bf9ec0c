"""Benchmark of the Integrationsdienst: end-to-end deliveries per second and latency.

Run: ``.venv/bin/python benchmarks/hub.py`` (options: ``--deliveries N``, ``--latency-samples N``,
``--skip-postgres``). Takes about a minute; prints tables, no assertions (timings depend on the machine).

What is measured, per database (SQLite file in a temp dir, WAL as in the embedded default; PostgreSQL in
a throw-away database ``amtsweg_bench_<pid>`` on the local server, skipped with a note if unreachable)
and for 1 and 2 real ``manage.py db_worker`` processes (``--interval 0.01``; django-tasks-db polls the
task table, so an idle worker notices new work only after up to that interval):

* throughput: N messages are ingested in one transaction (``message_create``: encryption, hashes,
  message + delivery + task rows, audit entries) while the workers idle; then the time from the commit
  to the last ``delivered_at`` → deliveries/s (ingest → XSLT → XSD validation → signed HTTP POST →
  outcome and audit recorded).
* latency: one message at a time on an idle system, ``delivered_at − received_at`` → p50/p95.

Before each variant every worker is warmed up (bursts until each worker id appears in the task rows: a
run takes up to BATCH_SIZE deliveries, so a small warm-up would leave the second worker cold). While the
workers drain, this process only polls one cheap status query; the delivery ids are collected before the
commit. Default 400 deliveries per run: a burst of 100 drains in well under a second and gives unsteady figures.

Next to it, in the same run and against the same receiver, the bare cost of the work itself: the same
XSLT, the same XSD validation and the same signed POST through the same HTTP adapter, without database,
queue, encryption or audit — sequentially (1) and in 2 forked processes (2).

The receiver is the demo Fachverfahren (``amtsweg.hub.receivers.fachverfahren``) in its own process
on 127.0.0.1, recording every delivery in SQLite and deduplicating on the Idempotency-Key. Its store
lives on tmpfs (/dev/shm when present): it plays a third-party system whose disk is not what we measure
(on a disk its own fsyncs cost ~20 ms per request and would dominate both sides of the comparison).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "benchmark-geheimnis-0123456789abcdef"  # noqa: S105 - local test receiver only
PG_ADMIN_URL = "postgres://amtsweg:amtsweg-local@127.0.0.1:5432/postgres"
AIM_PG_2_WORKERS = 200  # deliveries/s
AIM_OVERHEAD = 2.0  # platform time per delivery ≤ 2 × bare time per delivery
WORKER_INTERVAL = "0.01"
# Shipped defaults: on PostgreSQL the settings give workers persistent connections (CONN_MAX_AGE=600).
VARIANTS = {
    "sqlite": [{"name": "1", "workers": 1}, {"name": "2", "workers": 2}],
    "postgresql": [{"name": "1", "workers": 1}, {"name": "2", "workers": 2}],
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


# --- child: one database ------------------------------------------------------------------------------------


def child_main(args) -> None:
    """Runs with DATABASE_URL set by the parent; prints one JSON line with the results."""
    os.environ["AMTSWEG_MODE"] = "test"
    os.environ.setdefault("AMTSWEG_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "amtsweg.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    authority, gemeinde = _world(args.receiver_url)
    results = {"backend": args.backend}
    if args.bare:
        results["bare"] = _bare(args.receiver_url, args.deliveries)
    for variant in VARIANTS[args.backend]:
        results[variant["name"]] = _platform(
            workers=variant["workers"],
            worker_url_suffix=variant.get("url_suffix", ""),
            authority=authority,
            gemeinde=gemeinde,
            deliveries=args.deliveries,
            latency_samples=args.latency_samples,
        )
    print("RESULT " + json.dumps(results), flush=True)


def _world(receiver_url):
    from amtsweg.directory.models import Authority, Territory
    from amtsweg.hub.models import Routing, TargetSystem
    from amtsweg.hub.rules import rules_load
    from amtsweg.hub.services import target_secrets_set

    rules_load()
    gemeinde = Territory.objects.create(kind="gemeinde", ags="14612000", ars="146120000000", name="Dresden, Stadt")
    authority = Authority.objects.create(
        key="gem-14612000", name="Landeshauptstadt Dresden", kind="kreisfreie_stadt", territory=gemeinde
    )
    target = TargetSystem.objects.create(
        authority=authority,
        key="fachverfahren",
        name="Fachverfahren",
        type_key="http",
        config={"url": receiver_url, "timeout": 30},
        wants_receipt=False,
    )
    target_secrets_set(target=target, secrets={"secret": SECRET})
    Routing.objects.create(authority=authority, target=target)
    return authority, gemeinde


def _sample():
    folder = ROOT / "amtsweg" / "hub" / "rules" / "fachverfahren-xml" / "samples"
    sample = json.loads((folder / "hundesteuer.json").read_text(encoding="utf-8"))
    return sample, (folder / "hundesteuer.xml").read_bytes()


def _bare_one(receiver_url: str) -> float:
    """Transform + validate + signed POST of one document, as the platform does it; seconds."""
    from amtsweg.hub.adapters.base import OutboundPayload
    from amtsweg.hub.models import IntegrationRule
    from amtsweg.hub.registry import adapter_registry
    from amtsweg.hub.services import _xslt_params
    from amtsweg.hub.transform import output_validate, xslt_apply

    rule = _bare_one.rule if hasattr(_bare_one, "rule") else None
    if rule is None:
        rule = _bare_one.rule = IntegrationRule.objects.get(key="fachverfahren-xml", status="active")
        _bare_one.sample = _sample()
    sample, xml = _bare_one.sample
    key = f"bare-{uuid.uuid4()}"
    started = time.perf_counter()
    meta = {**sample["meta"], "nachricht_id": key}
    document = xslt_apply(stylesheet=rule.transform_text, document=xml, params=_xslt_params(meta, meta["erstellt_am"]))
    outcome = output_validate(schema_kind=rule.schema_kind, schema_text=rule.schema_text, output=document)
    assert outcome.valid, outcome.errors
    payload = OutboundPayload(
        message_id=key,
        delivery_id=key,
        idempotency_key=key,
        vorgangsnummer=meta["vorgangsnummer"],
        leika_key=meta["leika"],
        ags=meta["ags"],
        ars=meta["ars"],
        authority_key=meta["behoerde"],
        document=document,
        document_content_type=rule.content_type,
        document_name=rule.document_name,
        receipt_pdf=None,
        attachments=(),
        metadata=meta,
    )
    adapter_registry.get("http").deliver(payload=payload, config={"url": receiver_url, "secret": SECRET, "timeout": 30})
    return time.perf_counter() - started


def _bare_loop(receiver_url: str, count: int) -> list[float]:
    from django.db import connections

    connections.close_all()  # a forked child must not share the parent's database connection
    return [_bare_one(receiver_url) for _ in range(count)]


def _bare(receiver_url: str, count: int) -> dict:
    import multiprocessing

    _bare_loop(receiver_url, 20)  # warm-up: compiled XSLT/XSD caches, HTTP keep-alive
    started = time.perf_counter()
    single = _bare_loop(receiver_url, count)
    single_rate = count / (time.perf_counter() - started)
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        pool.starmap(_bare_loop, [(receiver_url, 10)] * 2)  # warm-up of the forked processes
        started = time.perf_counter()
        both = pool.starmap(_bare_loop, [(receiver_url, count // 2)] * 2)
        double_rate = (count // 2) * 2 / (time.perf_counter() - started)
    durations = single + [d for part in both for d in part]
    return {
        "rate_1": single_rate,
        "rate_2": double_rate,
        "p50_ms": percentile(single, 50) * 1000,
        "p95_ms": percentile(single, 95) * 1000,
        "p50_2_ms": percentile(durations[len(single) :], 50) * 1000,
    }


def _start_workers(count: int, log, url_suffix: str = "") -> list[subprocess.Popen]:
    env = {**os.environ, "DATABASE_URL": os.environ["DATABASE_URL"] + url_suffix}
    command = [
        sys.executable,
        "manage.py",
        "db_worker",
        "--queue-name",
        "*",
        "--no-reload",
        "--no-startup-delay",
        "--interval",
        WORKER_INTERVAL,
    ]
    return [subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT) for _ in range(count)]


def _wait_delivered(ids=None, timeout=120, poll=0.05) -> None:
    """Wait until the deliveries ``ids`` (None: all deliveries in the benchmark database) are final."""
    from amtsweg.hub.models import Delivery

    deadline = time.monotonic() + timeout
    # Without ids the check is one cheap query on status: an ``IN`` list of hundreds of UUIDs, built
    # and evaluated every poll, would take measurable CPU from the workers it measures (2 cores).
    pending = Delivery.objects.exclude(status__in=["delivered", "dead"])
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    while pending.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("deliveries did not finish in time")
        # Results come from the recorded timestamps, not from this loop: poll gently, so the watcher
        # does not take CPU and database time from the workers it measures.
        time.sleep(poll)


def _ingest(*, authority, gemeinde, prefix: str, index: int):
    from amtsweg.cases.services import vorgang_create
    from amtsweg.hub.services import message_create

    sample, xml = _sample()
    message, _ = message_create(
        idempotency_key=f"{prefix}-{index:06d}",
        source="api",
        vorgang=vorgang_create(authority=authority, channel="api", gemeinde=gemeinde),
        authority=authority,
        gemeinde=gemeinde,
        leika_key=sample["meta"]["leika"],
        data=sample["data"],
        data_xml=xml,
    )
    return message


def _warm_up(*, workers, authority, gemeinde, prefix, rounds=5) -> None:
    from django.db import transaction
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from amtsweg.hub.services import BATCH_SIZE

    started = timezone.now()  # task rows of an earlier variant's workers must not count
    seen: set[str] = set()
    for round_ in range(rounds):
        with transaction.atomic():
            for i in range(2 * BATCH_SIZE * workers):
                _ingest(authority=authority, gemeinde=gemeinde, prefix=f"{prefix}{round_}", index=i)
        _wait_delivered(timeout=180)
        for ids in DBTaskResult.objects.filter(started_at__gte=started).values_list("worker_ids", flat=True):
            seen.update(ids or [])
        if len(seen) >= workers:
            return
    print(f"warning: only {len(seen)} of {workers} workers warmed up", file=sys.stderr)


def _platform(*, workers, worker_url_suffix, authority, gemeinde, deliveries, latency_samples) -> dict:
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone

    from amtsweg.hub.models import Delivery

    prefix = f"w{workers}{'p' if worker_url_suffix else ''}"
    log = open(os.devnull, "wb")  # noqa: SIM115 - closed below
    procs = _start_workers(workers, log, worker_url_suffix)
    try:
        # Warm-up: workers are up, the HTTP client of each has a connection, caches (compiled XSLT/XSD,
        # secrets) are filled. A run takes up to BATCH_SIZE deliveries, so a small warm-up is done by one
        # worker alone and the others would start the burst cold: bursts until every worker has run one.
        _warm_up(workers=workers, authority=authority, gemeinde=gemeinde, prefix=f"{prefix}-warm")

        # Throughput: a burst committed at once, drained by the workers.
        ingest_started = time.perf_counter()
        with transaction.atomic():
            burst = [_ingest(authority=authority, gemeinde=gemeinde, prefix=prefix, index=i) for i in range(deliveries)]
            # Collected before the commit with one query: after it, one query per message would run
            # in this process while the workers drain the burst and compete with them for the CPU.
            ids = list(Delivery.objects.filter(message__in=burst).values_list("pk", flat=True))
        committed = timezone.now()
        ingest_seconds = time.perf_counter() - ingest_started
        _wait_delivered()  # the warm-up is done: every delivery not final is one of ``ids``
        last = Delivery.objects.filter(pk__in=ids).aggregate(at=Max("delivered_at"))["at"]
        drain_seconds = (last - committed).total_seconds()
        failed = Delivery.objects.filter(pk__in=ids).exclude(status="delivered").count()

        # Latency: one message at a time on an otherwise idle hub.
        latencies = []
        for i in range(latency_samples):
            message = _ingest(authority=authority, gemeinde=gemeinde, prefix=f"{prefix}-lat", index=i)
            delivery = message.deliveries.get()
            _wait_delivered([delivery.pk])
            delivery.refresh_from_db()
            latencies.append((delivery.delivered_at - message.received_at).total_seconds())
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        log.close()
    return {
        "rate": len(ids) / drain_seconds,
        "ingest_rate": len(ids) / ingest_seconds,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "failed": failed,
        "deliveries": len(ids),
    }


# --- parent -------------------------------------------------------------------------------------------------


def _pg_available() -> tuple[bool, str]:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3, autocommit=True):
            return True, ""
    except Exception as error:  # noqa: BLE001 - any failure means: skip PostgreSQL with a note
        return False, f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error) else ''}"


def _pg_database(action: str, name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        if action == "create":
            conn.execute(f'CREATE DATABASE "{name}"')
        else:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run_child(backend: str, database_url: str, var_dir: Path, receiver_url: str, args, *, bare: bool) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "AMTSWEG_VAR_DIR": str(var_dir),
        "AMTSWEG_MODE": "test",
        "AMTSWEG_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        __file__,
        "--child",
        backend,
        "--receiver-url",
        receiver_url,
        "--deliveries",
        str(args.deliveries),
        "--latency-samples",
        str(args.latency_samples),
    ]
    if bare:
        command.append("--bare")
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"{backend} benchmark failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=400)
    parser.add_argument("--latency-samples", type=int, default=20)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--child", choices=["sqlite", "postgresql"])
    parser.add_argument("--receiver-url")
    parser.add_argument("--bare", action="store_true")
    args = parser.parse_args()
    if args.child:
        args.backend = args.child
        return child_main(args)

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - a private mkdtemp inside
    with (
        tempfile.TemporaryDirectory(prefix="amtsweg-bench-hub-") as tmp,
        tempfile.TemporaryDirectory(prefix="amtsweg-bench-receiver-", dir=shm) as receiver_tmp,
    ):
        tmp = Path(tmp)
        port = free_port()
        receiver = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "amtsweg.hub.receivers.fachverfahren",
                "--port",
                str(port),
                "--secret",
                SECRET,
                "--store",
                str(Path(receiver_tmp) / "fachverfahren.sqlite3"),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        receiver_url = f"http://127.0.0.1:{port}/antraege"
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            runs = []
            print(f"SQLite (Datei in {tmp}) …", flush=True)
            runs.append(
                _run_child(
                    "sqlite", f"sqlite:///{tmp / 'bench.sqlite3'}", tmp / "var-sqlite", receiver_url, args, bare=True
                )
            )
            pg_note = ""
            if args.skip_postgres:
                pg_note = "übersprungen (--skip-postgres)"
            else:
                ok, why = _pg_available()
                if not ok:
                    pg_note = f"übersprungen: PostgreSQL nicht erreichbar ({why})"
                else:
                    name = f"amtsweg_bench_{os.getpid()}"
                    print(f"PostgreSQL (Datenbank {name}) …", flush=True)
                    _pg_database("create", name)
                    try:
                        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
                        runs.append(_run_child("postgresql", url, tmp / "var-pg", receiver_url, args, bare=False))
                    finally:
                        _pg_database("drop", name)
        finally:
            receiver.terminate()
            receiver.wait(timeout=10)
    _report(runs, pg_note, args, time.perf_counter() - started, (load_before, os.getloadavg()[0]))


def _report(runs: list[dict], pg_note: str, args, elapsed: float, load: tuple[float, float]) -> None:
    bare = runs[0]["bare"]
    print()
    print(
        f"Integrationsdienst: {args.deliveries} Zustellungen je Lauf (Durchsatz), {args.latency_samples} einzeln "
        f"(Latenz); Worker-Abfrageintervall {WORKER_INTERVAL} s"
    )
    header = f"{'Variante':<34} {'Zust./s':>9} {'p50 ms':>8} {'p95 ms':>8} {'Aufwand ×':>10} {'Eingang/s':>10}"
    print(header)
    print("-" * len(header))
    print(
        f"{'Basis: XSLT+XSD+POST, 1 Prozess':<34} {bare['rate_1']:>9.0f} {bare['p50_ms']:>8.1f} "
        f"{bare['p95_ms']:>8.1f} {'1.00':>10} {'':>10}"
    )
    print(
        f"{'Basis: XSLT+XSD+POST, 2 Prozesse':<34} {bare['rate_2']:>9.0f} {bare['p50_2_ms']:>8.1f} {'':>8} {'1.00':>10}"
    )
    ratios = {}
    for run in runs:
        name = "SQLite" if run["backend"] == "sqlite" else "PostgreSQL"
        for variant in VARIANTS[run["backend"]]:
            r, workers = run[variant["name"]], variant["workers"]
            label = f"{name}, {workers} Worker" + (", persist. Verb." if variant.get("url_suffix") else "")
            ratio = bare[f"rate_{workers}"] / r["rate"]
            ratios[label] = ratio
            failed = f"  ({r['failed']} nicht zugestellt!)" if r["failed"] else ""
            print(
                f"{label:<34} {r['rate']:>9.0f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} "
                f"{ratio:>10.2f} {r['ingest_rate']:>10.0f}{failed}"
            )
    if pg_note:
        print(f"{'PostgreSQL':<34} {pg_note}")
    print()
    print("Aufwand × = Zeit je Zustellung der Plattform / Zeit je Zustellung der Basis bei gleicher Parallelität")
    print("(Basis ohne Datenbank, Warteschlange, Verschlüsselung, Prüfsummen und Audit-Protokoll).")
    print("Latenz: Eingang (message_create) bis zugestellt, eine Nachricht nach der anderen, sonst leer.")
    print("Eingang/s: message_create (Verschlüsselung, Hashes, Nachricht, Zustellung, Task, Audit), eine Transaktion.")
    print("PostgreSQL-Worker mit persistenter Verbindung (Standard der Einstellungen: CONN_MAX_AGE=600).")
    pg2 = next((r["2"]["rate"] for r in runs if r["backend"] == "postgresql"), None)
    print()
    print("Ziele:")
    if pg2 is None:
        print(f"  ≥ {AIM_PG_2_WORKERS} Zustellungen/s mit PostgreSQL und 2 Workern: nicht gemessen ({pg_note})")
    else:
        verdict = "erreicht" if pg2 >= AIM_PG_2_WORKERS else "NICHT erreicht"
        print(f"  ≥ {AIM_PG_2_WORKERS} Zustellungen/s mit PostgreSQL und 2 Workern: {pg2:.0f}/s — {verdict}")
    for label, ratio in ratios.items():
        verdict = "erreicht" if ratio <= AIM_OVERHEAD else "NICHT erreicht"
        print(f"  Aufwand ≤ {AIM_OVERHEAD:g}× Basis ({label}): {ratio:.2f}× — {verdict}")
    print(
        f"\nLaufzeit {elapsed:.0f} s; Systemlast (1 min) vorher {load[0]:.1f}, nachher {load[1]:.1f} "
        f"bei {os.cpu_count()} CPU-Kernen — Empfänger, Datenbank, Worker und Basis teilen sich die Kerne;"
        "\nandere Last auf der Maschine verfälscht die Zahlen (dann wiederholen)."
    )


if __name__ == "__main__":
    main()
