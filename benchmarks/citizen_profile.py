"""In-process profile of the citizen's pages that ``benchmarks/citizen.py`` measures (issue 11).

Run against a demo database (``AMTSWEG_MODE=demo``, ``AMTSWEG_VAR_DIR`` pointing at a var directory
after ``migrate`` + ``bootstrap``)::

    AMTSWEG_MODE=demo AMTSWEG_VAR_DIR=var/prof .venv/bin/python benchmarks/citizen_profile.py [--profile NAME]

For every page: SQL statements per warm request (with the first words of each), the mean wall time of
``--requests`` warm requests through Django's test client (the full middleware stack, DEBUG off),
and with ``--profile NAME`` the top functions by cumulative time (cProfile) for that page. No
assertions; the numbers are for finding where time goes, the throughput is what citizen.py measures.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amtsweg.settings")
os.environ.setdefault("AMTSWEG_API_ANON_RATE", "100000000/min")
FREIBERG = "14522180"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", default="", help="page name to profile with cProfile")
    parser.add_argument("--sql", action="store_true", help="print every statement of one warm request")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative, tottime, ...)")
    parser.add_argument("--lines", type=int, default=45, help="functions listed by --profile")
    parser.add_argument("--only", default="", help="regular expression: list only these functions")
    parser.add_argument("--callers", default="", help="regular expression: list who calls these functions")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["*"]
    client = plain = Client()
    slug = client.get(f"/api/v1/zustaendigkeit/?leistung=99102013000000&ags={FREIBERG}").json()["leistung"]["slug"]
    pages = {
        "bare": "/health/live",
        "zustaendigkeit": f"/api/v1/zustaendigkeit/?leistung=99102013000000&ags={FREIBERG}",
        "zustaendigkeit_kreis": f"/api/v1/zustaendigkeit/?leistung=99036009072003&ags={FREIBERG}",
        "leistung": f"/leistungen/{slug}/?ort={FREIBERG}",
        "assistant": f"/antrag/hundesteuer/{FREIBERG}/",
        "search": "/api/v1/leistungen/?q=Hund",
    }
    # A draft bound to a second client's session, as benchmarks/citizen.py does over HTTP.
    stepper = Client()
    started = stepper.post(pages["assistant"])
    assert started.status_code == 302, started.status_code
    pages["assistant_step"] = started["Location"]
    clients = {"assistant_step": stepper}
    print(f"{'Seite':<22} {'ms/Anfrage':>10} {'SQL':>4} {'Bytes':>7}  Anweisungen")
    for name, path in pages.items():
        client = clients.get(name, plain)
        for _ in range(5):
            response = client.get(path)
            assert response.status_code == 200, (name, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        # Copied at once: the next request's request_started signal clears the connection's query log.
        statements = [q["sql"] for q in queries.captured_queries]
        kinds = Counter(" ".join(sql.split()[:2])[:30] for sql in statements)
        started = time.perf_counter()
        for _ in range(args.requests):
            client.get(path)
        ms = (time.perf_counter() - started) * 1000 / args.requests
        summary = ", ".join(f"{n}× {k}" for k, n in kinds.most_common())
        print(f"{name:<22} {ms:>10.2f} {len(statements):>4} {len(response.content):>7}  {summary}")
        if args.sql:
            for sql in statements:
                print("    ", sql[:200])
        if name == args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                client.get(path)
            profiler.disable()
            out = io.StringIO()
            restrictions = [args.only] if args.only else []
            stats = pstats.Stats(profiler, stream=out).sort_stats(args.sort)
            stats.print_stats(*restrictions, args.lines)
            if args.callers:
                stats.print_callers(args.callers)
            print(out.getvalue())


if __name__ == "__main__":
    main()
