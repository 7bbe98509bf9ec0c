"""Benchmark of the application assistants: step requests, submissions and receipts.

Run: ``.venv/bin/python benchmarks/forms.py`` (options: ``--submissions N``, ``--receipts N``).

Sets up a throw-away SQLite database (WAL, as in production on the embedded default) in a temporary
directory, loads the reference data and a published Hundesteuer assistant, then measures:

- Section "steps" (rendering and validating wizard steps): GET/POST step requests through the test
  Client in this process, then two forked processes (two web workers on two cores), each with its
  own Client and draft, against the same SQLite file (aggregate requests/s and p95).
- Section "submissions": ``submission_submit`` in-process (sequential and with concurrent threads)
  and as an HTTP POST through Django's test Client (full middleware stack, session, redirect),
  then checks that nothing was lost (submissions = accepted requests, receipt tasks = submissions).
- Section "receipts": PDF/A receipts per second from the real ``db_worker`` (including the
  confirmation e-mail to a local SMTP server on 127.0.0.1 when aiosmtpd is installed).

Prints tables and the aims; no assertions (timings depend on the machine).
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20260101
DEFINITION = ROOT / "amtsweg" / "submissions" / "tests" / "data" / "hundesteuer.yaml"
AIM_SUBMISSIONS_PER_SECOND = 50
AIM_SUBMIT_P95_MS = 300
AIM_STEP_REQUESTS_PER_SECOND = 300


# --- setup ------------------------------------------------------------------------------------------


def setup_django(var_dir: Path) -> None:
    os.environ["AMTSWEG_MODE"] = "test"
    os.environ["AMTSWEG_VAR_DIR"] = str(var_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "amtsweg.settings"
    os.environ.setdefault("AMTSWEG_LOG_LEVEL", "WARNING")
    # This measures throughput from one client to few addresses; the flood limits would cap it.
    # They are shown by benchmarks/flood.py (docs/security-limits.md).
    for name in ("MAILS_PER_ADDRESS", "MAILS_GLOBAL", "DRAFTS_PER_CLIENT", "SUBMISSIONS_PER_CLIENT"):
        os.environ.setdefault(f"AMTSWEG_LIMIT_{name}", "1000000000")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def load_reference_data() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("bootstrap", "--reference-only", verbosity=0, stdout=quiet)


def load_assistant() -> dict:
    """The published Hundesteuer assistant, Dresden and its Leistung: what every submission uses."""
    from amtsweg.catalog.models import Leistung
    from amtsweg.directory.models import Territory
    from amtsweg.forms.services import definition_load_file

    return {
        "version": definition_load_file(path=DEFINITION, publish=True),
        "gemeinde": Territory.objects.get(kind="gemeinde", ags="14612000", valid_until__isnull=True),
        "leistung": Leistung.objects.filter(leika_key="99102013000000").order_by("pk").first(),
    }


# --- measuring helpers ------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def table_header() -> str:
    return f"{'measurement':<44} {'n':>5} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"


def table_row(label: str, latencies_ms: list[float], seconds: float) -> str:
    if not latencies_ms:
        return f"{label:<44} {0:>5}"
    return (
        f"{label:<44} {len(latencies_ms):>5} {len(latencies_ms) / seconds:>8.1f} "
        f"{statistics.median(latencies_ms):>8.1f} {percentile(latencies_ms, 0.95):>8.1f} {max(latencies_ms):>8.1f}"
    )


# --- section: steps (wizard runtime) ----------------------------------------------------------------
# The wizard runtime adds ``bench_steps(context) -> list[tuple[label, latencies_ms, seconds]]`` here
# (rendering and validating a step over HTTP; aim: AIM_STEP_REQUESTS_PER_SECOND).

STEP_DEFINITION = ROOT / "amtsweg" / "assistant" / "tests" / "data" / "hundesteuer-anmeldung.yaml"
STEP_REQUESTS = 400
STEP_POSTS = {
    "anliegen": {"f-anlass": "anmeldung", "f-wohnsitz_hier": "ja"},
    "halter": {
        "f-vorname": "Erika",
        "f-nachname": "Mustermann",
        "f-geburtsdatum-tag": "1",
        "f-geburtsdatum-monat": "5",
        "f-geburtsdatum-jahr": "1980",
        "f-anschrift-street": "Schloßstraße",
        "f-anschrift-house_number": "1",
        "f-anschrift-postal_code": "01067",
        "f-anschrift-city": "Dresden",
        "f-email": "erika@example.org",
    },
    "hunde": {
        "f-hund-0-hund_name": "Bello",
        "f-hund-0-hund_rasse": "Labrador",
        "f-hund-0-hund_seit-tag": "15",
        "f-hund-0-hund_seit-monat": "1",
        "f-hund-0-hund_seit-jahr": "2021",
        "f-hund-0-hund_gefaehrlich": "nein",
    },
}


def _timed(n: int, request) -> tuple[list[float], float]:
    latencies = []
    started = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        request()
        latencies.append((time.perf_counter() - t0) * 1000)
    return latencies, time.perf_counter() - started


def _steps_prepare(context: dict):
    """Publish and activate the step benchmark's assistant; returns (definition key, AGS)."""
    from amtsweg.assistant.services import activation_set
    from amtsweg.forms.services import definition_load_file
    from amtsweg.jurisdiction.selectors import responsible_authority

    version = definition_load_file(path=STEP_DEFINITION, publish=True)
    gemeinde = context["gemeinde"]
    authority = responsible_authority(leistung=version.definition.leistung, gemeinde=gemeinde).authority
    # Going live needs a valid route. This benchmark measures the portal side only (its "nothing lost"
    # check counts receipt tasks), so the route is switched off again once the assistant is live.
    from django.conf import settings

    from amtsweg.hub.routing import routing_create, routing_set
    from amtsweg.hub.targets import target_create

    target = target_create(
        authority=authority,
        key="bench-ablage",
        name="Ablage (Benchmark)",
        type_key="filedrop",
        config={"directory": str(settings.VAR_DIR / "bench-ablage")},
    )
    routing = routing_create(authority=authority, target=target)
    activation_set(definition=version.definition, authority=authority)
    routing_set(routing=routing, active=False)
    return version.definition.key, gemeinde.ags


def _steps_client(key: str, ags: str) -> dict:
    """A citizen with its own session and draft, through the first three steps; returns the four
    measured requests (label -> (callable, expected status))."""
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    start = client.post(f"/antrag/{key}/{ags}/")
    base = start["Location"].rsplit("/", 2)[0]
    for step in ("anliegen", "halter", "hunde"):
        response = client.post(f"{base}/{step}/", {**STEP_POSTS[step], "aktion": "weiter"})
        assert response.status_code == 302, (step, response.status_code)
    invalid = {**STEP_POSTS["halter"], "f-vorname": "", "f-anschrift-postal_code": "99999", "aktion": "weiter"}
    valid = {**STEP_POSTS["halter"], "aktion": "weiter"}
    return {
        "GET step, render (Halter)": (lambda: client.get(f"{base}/halter/"), 200),
        "GET step, render (Hunde, repeat group)": (lambda: client.get(f"{base}/hunde/"), 200),
        "POST step, valid: validate+save+302": (lambda: client.post(f"{base}/halter/", valid), 302),
        "POST step, invalid: validate+errors": (lambda: client.post(f"{base}/halter/", invalid), 200),
    }


def bench_steps(context: dict, n: int = STEP_REQUESTS) -> list[tuple[str, list[float], float]]:
    """Wizard step requests through Django's test Client (middleware, session, CSRF off, templates).

    One citizen's draft for Dresden (Hundesteuer, activated for the Stadtverwaltung): GET renders a
    step; a valid POST validates server-side (incl. the PLZ/Ort register check), saves the draft and
    redirects; an invalid POST validates and re-renders the page with the error summary.
    """
    key, ags = _steps_prepare(context)
    context["steps_target"] = (key, ags)
    results = []
    for label, (request, expected) in _steps_client(key, ags).items():
        status = request().status_code  # warm-up, and a sanity check of the flow
        if status != expected:
            print(f"  warning: {label} answered HTTP {status}, expected {expected}")
        latencies, seconds = _timed(n, request)
        results.append((label, latencies, seconds))
    all_latencies = [x for _, latencies, _ in results for x in latencies]
    results.append(("all step requests", all_latencies, sum(seconds for _, _, seconds in results)))
    return results


def _steps_worker(key: str, ags: str, rounds: int, barrier, queue) -> None:
    """One web worker process: its own Client, session and draft; the four requests in turn.

    Order per round: GET Halter, invalid POST (un-completes Halter), valid POST (completes it again),
    GET Hunde (reachable only with Halter completed), so every request gets its expected answer.
    """
    from django.db import connections

    try:
        by_label = list(_steps_client(key, ags).values())
        checks = [by_label[0], by_label[3], by_label[2], by_label[1]]
        for request, _expected in checks:
            request()  # warm-up
        barrier.wait()
        latencies, unexpected = [], 0
        started = time.monotonic()
        for _ in range(rounds):
            for request, expected in checks:
                t0 = time.perf_counter()
                status = request().status_code
                latencies.append((time.perf_counter() - t0) * 1000)
                unexpected += status != expected
        queue.put((latencies, started, time.monotonic(), unexpected, None))
    except Exception as exc:  # reported by the parent; a hanging barrier would block it otherwise
        barrier.abort()
        queue.put(([], 0.0, 0.0, 0, repr(exc)))
    finally:
        connections.close_all()


def bench_steps_processes(context: dict, n: int, processes: int = 2) -> tuple[list[float], float, int, list[str]]:
    """``processes`` OS processes (as web workers on a 2-core machine), each with its own Client and
    draft, against the same SQLite file; every process sends ``n`` requests (the four kinds in turn).

    Returns (all latencies, wall seconds from the common start to the last finish, unexpected
    statuses, errors). Forked after Django is set up, so the workers start warm like a running server.
    """
    import multiprocessing

    from django.db import connections

    key, ags = context["steps_target"]
    connections.close_all()  # never share an SQLite connection across fork
    mp = multiprocessing.get_context("fork")
    barrier, queue = mp.Barrier(processes), mp.Queue()
    rounds = max(1, n // 4)
    workers = [mp.Process(target=_steps_worker, args=(key, ags, rounds, barrier, queue)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    latencies = [x for r in results for x in r[0]]
    errors = [r[4] for r in results if r[4]]
    seconds = max(r[2] for r in results) - min(r[1] for r in results) if not errors else 0.0
    return latencies, seconds, sum(r[3] for r in results), errors


# --- section: submissions ---------------------------------------------------------------------------

FIRST_NAMES = ["Erika", "Max", "Anna", "Lukas", "Sophie", "Jonas", "Marie", "Paul", "Lea", "Felix"]
DOG_NAMES = ["Bello", "Luna", "Rex", "Emma", "Balu", "Nala", "Sammy", "Frieda"]
ADDRESSES = [
    ("Schloßstraße", "01067"),
    ("Königsbrücker Straße", "01099"),
    ("Prager Straße", "01069"),
    ("Bautzner Straße", "01099"),
    ("Hauptstraße", "01097"),
]


def make_answers(rng: random.Random) -> dict:
    """Varied valid answers: one to three dogs, with or without direct debit and exemption."""
    street, plz = rng.choice(ADDRESSES)
    first = rng.choice(FIRST_NAMES)
    answers = {
        "anlass": "anmeldung",
        "wohnsitz_hier": True,
        "vorname": first,
        "nachname": "Mustermann",
        "geburtsdatum": f"{rng.randint(1940, 2000)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        "anschrift": {
            "street": street,
            "house_number": str(rng.randint(1, 120)),
            "postal_code": plz,
            "city": "Dresden",
        },
        "email": f"{first.lower()}@example.org",
        "telefon": "0351 1234567",
        "hund": [
            {
                "hund_name": rng.choice(DOG_NAMES),
                "hund_rasse": "Mischling",
                "hund_geburt": "2019-04-01",
                "hund_seit": f"202{rng.randint(0, 4)}-0{rng.randint(1, 9)}-15",
                "hund_herkunft": rng.choice(["zuechter", "tierheim", "privat"]),
                "hund_chipnummer": "".join(rng.choice("0123456789") for _ in range(15)),
                "hund_gefaehrlich": False,
            }
            for _ in range(rng.randint(1, 3))
        ],
        "befreiung_beantragt": rng.random() < 0.2,
        "lastschrift": rng.random() < 0.6,
    }
    if answers["befreiung_beantragt"]:
        answers["befreiung_gruende"] = ["tierheim"]
        answers["befreiung_begruendung"] = "Der Hund stammt aus dem Tierheim Dresden."
    if answers["lastschrift"]:
        answers["iban"] = "DE89 3704 0044 0532 0130 00"
        answers["kontoinhaber"] = f"{first} Mustermann"
    return answers


def _submit(context: dict, answers: dict):
    from amtsweg.submissions.services import submission_submit

    return submission_submit(
        version=context["version"],
        overlay=None,
        answers=answers,
        gemeinde=context["gemeinde"],
        leistung=context["leistung"],
        email=answers["email"],
        idempotency_key=f"bench-{uuid.uuid4()}",
    )


def bench_submit_inprocess(context: dict, n: int) -> tuple[list[float], float, int]:
    rng = random.Random(SEED)
    payloads = [make_answers(rng) for _ in range(n)]
    latencies, accepted = [], 0
    started = time.perf_counter()
    for answers in payloads:
        t0 = time.perf_counter()
        _submit(context, answers)
        latencies.append((time.perf_counter() - t0) * 1000)
        accepted += 1
    return latencies, time.perf_counter() - started, accepted


def bench_submit_concurrent(context: dict, n: int, threads: int) -> tuple[list[float], float, int]:
    """``threads`` clients submitting at once (own DB connection each; SQLite serialises the writes)."""
    from django.db import connection

    rng = random.Random(SEED + 1)
    payloads = [make_answers(rng) for _ in range(n)]
    latencies: list[float] = []
    accepted = [0]
    lock = threading.Lock()

    def client(chunk: list[dict]) -> None:
        try:
            for answers in chunk:
                t0 = time.perf_counter()
                _submit(context, answers)
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(elapsed)
                    accepted[0] += 1
        finally:
            connection.close()

    workers = [threading.Thread(target=client, args=(payloads[i::threads],)) for i in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return latencies, time.perf_counter() - started, accepted[0]


def bench_submit_view(request):
    """Stand-in for the wizard's final POST until the runtime's own route is benchmarked here:
    load the draft's answers, submit, remember the number in the session, redirect (303)."""
    from django.http import HttpResponseRedirect

    from amtsweg.submissions.access import session_remember

    answers = BENCH_DRAFTS[request.POST["draft"]]
    submission = _submit(BENCH_CONTEXT, answers)
    session_remember(request=request, submission=submission)
    response = HttpResponseRedirect(submission.get_absolute_url())
    response.status_code = 303
    return response


BENCH_DRAFTS: dict[str, dict] = {}
BENCH_CONTEXT: dict = {}
urlpatterns: list = []  # filled in by bench_submit_http (this module serves as ROOT_URLCONF there)


def bench_submit_http(context: dict, n: int) -> tuple[list[float], float, int]:
    from django.test import Client, override_settings
    from django.urls import include, path

    rng = random.Random(SEED + 2)
    BENCH_CONTEXT.update(context)
    BENCH_DRAFTS.clear()
    for i in range(n):
        BENCH_DRAFTS[f"d{i}"] = make_answers(rng)
    urlpatterns[:] = [path("bench/absenden/", bench_submit_view), path("", include("amtsweg.submissions.urls"))]
    latencies, accepted = [], 0
    client = Client()
    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"]):
        started = time.perf_counter()
        for i in range(n):
            t0 = time.perf_counter()
            response = client.post("/bench/absenden/", {"draft": f"d{i}"})
            latencies.append((time.perf_counter() - t0) * 1000)
            accepted += response.status_code == 303
        seconds = time.perf_counter() - started
        # The confirmation page the citizen lands on (pending state, polling).
        confirmation = client.get(response["Location"])
    context["confirmation_status"] = confirmation.status_code
    return latencies, seconds, accepted


def bench_submissions(context: dict, n: int) -> list[tuple[str, list[float], float, int]]:
    from django.db import connection

    # Warm code paths (templates, schema hash cache, connection) outside the measured runs.
    rng = random.Random(1)
    for _ in range(5):
        _submit(context, make_answers(rng))
    results = [("submission_submit, in-process (1 client)", *bench_submit_inprocess(context, n))]
    results.append(("submission_submit, in-process (4 threads)", *bench_submit_concurrent(context, n, threads=4)))
    results.append(("POST via Django test Client (1 client)", *bench_submit_http(context, n)))
    connection.close()
    context["warmup_submissions"] = 5
    return results


def check_nothing_lost(context: dict, accepted: int) -> dict:
    from django_tasks_db.models import DBTaskResult

    from amtsweg.submissions.models import Submission
    from amtsweg.submissions.tasks import receipt_generate

    submissions = Submission.objects.count()
    tasks = DBTaskResult.objects.filter(task_path=receipt_generate.module_path).count()
    expected = accepted + context["warmup_submissions"]
    return {"accepted": expected, "submissions": submissions, "tasks": tasks}


# --- section: receipts (worker) ---------------------------------------------------------------------


def _smtp_sink():
    """A local SMTP server on 127.0.0.1 (aiosmtpd, dev dependency), or None to use the locmem backend."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        return None

    class Sink:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.count += 1
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    controller.sink = Sink
    return controller


def bench_receipts(n: int) -> dict:
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings

    from amtsweg.submissions.models import Submission

    controller = _smtp_sink()
    mail = (
        {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": controller.port,
        }
        if controller
        else {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    )
    before = Submission.objects.filter(receipt_ready_at__isnull=False).count()
    try:
        with override_settings(**mail), open(os.devnull, "w") as quiet:
            started = time.perf_counter()
            call_command(
                "db_worker",
                "--batch",
                "--no-startup-delay",
                "--no-reload",
                "--max-tasks",
                str(n),
                verbosity=0,
                stdout=quiet,
            )
            seconds = time.perf_counter() - started
    finally:
        if controller:
            controller.stop()
    ready = Submission.objects.filter(receipt_ready_at__isnull=False).count() - before
    sent = Submission.objects.filter(confirmation_sent_at__isnull=False).count()
    sizes = [
        (Path(settings.STORAGES["private"]["OPTIONS"]["location"]) / s.receipt_pdf.name).stat().st_size
        for s in Submission.objects.filter(receipt_ready_at__isnull=False)[:n]
    ]
    return {
        "receipts": ready,
        "emails": controller.sink.count if controller else sent,
        "smtp": "aiosmtpd on 127.0.0.1" if controller else "locmem",
        "seconds": seconds,
        "per_second": ready / seconds if seconds else 0.0,
        "avg_kib": statistics.fmean(sizes) / 1024 if sizes else 0.0,
    }


# --- main -------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=500)
    parser.add_argument("--receipts", type=int, default=30)
    parser.add_argument("--steps", type=int, default=STEP_REQUESTS, help="requests per step measurement")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="amtsweg-bench-forms-") as tmp:
        setup_django(Path(tmp))
        started = time.perf_counter()
        load_reference_data()
        context = load_assistant()
        print(f"Setup (migrate, reference data, assistant): {time.perf_counter() - started:.1f} s")
        print(f"Database: SQLite (WAL) in {tmp}; form: {context['version']}; place: {context['gemeinde'].name}\n")

        steps = bench_steps(context, args.steps)
        print(f"Wizard steps over HTTP (test Client, one draft; aim >= {AIM_STEP_REQUESTS_PER_SECOND} step requests/s)")
        print(table_header())
        for label, latencies, seconds in steps:
            print(table_row(label, latencies, seconds))
        latencies, seconds, unexpected, errors = bench_steps_processes(context, args.steps * 2)
        if errors:
            print(f"  2 processes failed: {errors}")
        else:
            print(table_row("2 processes, all step requests (aggregate)", latencies, seconds))
            if unexpected:
                print(f"  warning: {unexpected} requests answered an unexpected HTTP status")
        print()

        results = bench_submissions(context, args.submissions)
        accepted = sum(r[3] for r in results)
        lost = check_nothing_lost(context, accepted)
        receipts = bench_receipts(args.receipts) if args.receipts > 0 else None

        print("Submissions (validate again, prune, resolve authority, store snapshot + XML + task; no PDF/SMTP)")
        print(table_header())
        for label, latencies, seconds, _accepted in results:
            print(table_row(label, latencies, seconds))
        verdict = "OK" if lost["accepted"] == lost["submissions"] == lost["tasks"] else "MISMATCH"
        print(
            f"\nNothing lost: accepted {lost['accepted']}, stored submissions {lost['submissions']}, "
            f"receipt tasks {lost['tasks']} -> {verdict}"
        )
        print(f"Confirmation page after the POST: HTTP {context.get('confirmation_status')}")
        if receipts is not None:
            print(
                f"\nReceipts from the worker (db_worker --batch --max-tasks {args.receipts}; PDF/A-3b + e-mail via "
                f"{receipts['smtp']}):\n  {receipts['receipts']} receipts in {receipts['seconds']:.2f} s = "
                f"{receipts['per_second']:.1f} receipts/s per worker, {receipts['emails']} e-mails, "
                f"average PDF {receipts['avg_kib']:.0f} KiB"
            )
        print(
            f"\nAims: >= {AIM_SUBMISSIONS_PER_SECOND} accepted submissions/s with p95 <= {AIM_SUBMIT_P95_MS} ms; "
            f"nothing lost (submissions = accepted requests, tasks = submissions); "
            f">= {AIM_STEP_REQUESTS_PER_SECOND} step requests/s (steps section)."
        )


if __name__ == "__main__":
    main()
