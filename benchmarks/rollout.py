"""Benchmark of the roll-out monitor (issue 12): the coverage computation and the public table over HTTP.

Run: ``.venv/bin/python benchmarks/rollout.py`` (options: ``--duration S`` (5), ``--rounds N`` (3),
``--connections N``, ``--workers N``, ``--keep``). Takes a few minutes; prints tables, no assertions.

Sets up a throw-away demo database like ``benchmarks/citizen.py`` (migrate, bootstrap with the demo content,
collectstatic) and loads the SAKD newsletter's roll-out table (``rollout_seed``). Then:

1. **Computation**, in a ``manage.py shell`` process against that database: coverage of *every* Leistung
   executed by Gemeinden or Kreise (≈1,100) × all 418 Gemeinden for one date — cold (index and
   Zuständigkeit built from scratch), after one change (one imported record: the index is rebuilt, the
   per-Leistung Zuständigkeit is rebuilt with it) and warm (cached) — median of ``--rounds``.
2. **HTTP**, gunicorn (sync workers, DEBUG off, no access log) and wrk, side by side in one run:
   ``/health/live`` (bare view), the public table ``/rollout/`` (aim: ≤ 200 ms warm), the coverage list API
   and one service's detail page.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from citizen import Platform, _get, _wrk  # noqa: E402 (sibling benchmark, shared set-up)

ROOT = Path(__file__).resolve().parent.parent
PORT = 8410  # the roll-out branch's port range 8400-8449
STICHTAG = "2022-10-05"

COMPUTE = r"""
import json, statistics, time
from datetime import date
from amtsweg.rollout import coverage
from amtsweg.rollout.services import adoption_import

day = date.fromisoformat("{stichtag}")
ids = coverage.municipal_leistungen()
def run():
    start = time.perf_counter()
    results = coverage.coverage_all(stichtag=day, leistung_ids=ids)
    return time.perf_counter() - start, results
cold, warm, change = [], [], []
for i in range({rounds}):
    coverage._holder._index = None  # a new process: nothing built yet
    t, results = run(); cold.append(t)
    t, _ = run(); warm.append(t)
    adoption_import(data="leika,ars,seit,bis,loesung\n99102013000000,145220180180,2022-01-0%d,,Benchmark\n" % (i + 1),
                    source="benchmark-%d" % i)
    t, _ = run(); change.append(t)
print(json.dumps({{"leistungen": len(ids), "gemeinden": len(coverage._holder.get().gemeinden),
                   "cold": statistics.median(cold), "after_change": statistics.median(change),
                   "warm": statistics.median(warm)}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per HTTP measurement")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    args.root = str(ROOT)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (apt-get install wrk).")

    platform = Platform(args)
    try:
        platform.start()
        platform.manage("rollout_seed")
        print("Berechnung (alle Leistungen × alle Gemeinden) …", flush=True)
        out = platform.manage("shell", "-c", COMPUTE.format(stichtag=STICHTAG, rounds=args.rounds))
        compute = json.loads(out.strip().splitlines()[-1])
        targets = {
            "bare": "/health/live",
            "tabelle": f"/rollout/?stichtag={STICHTAG}",
            "api_liste": f"/api/v1/abdeckung/leistungen/?stichtag={STICHTAG}",
            "detail": f"/rollout/leistung/99102013000000/?stichtag={STICHTAG}",
        }
        for name, path in targets.items():
            status, _ = _get(args.port, path)
            if status != 200:
                raise SystemExit(f"{name} {path} answered {status}")
        base = f"http://127.0.0.1:{args.port}"
        runs: dict[str, list[dict]] = {name: [] for name in targets}
        for round_no in range(args.rounds):
            for name, path in targets.items():
                print(f"Runde {round_no + 1}: {name} …", flush=True)
                _wrk(base + path, seconds=args.warmup, connections=args.connections)
                runs[name].append(_wrk(base + path, seconds=args.duration, connections=args.connections))
    finally:
        platform.stop()

    print()
    print(
        f"Abdeckung für {compute['leistungen']} Leistungen × {compute['gemeinden']} Gemeinden, Stichtag {STICHTAG} "
        f"(Median aus {args.rounds}):"
    )
    print(f"  vollständig neu (kalt):   {compute['cold'] * 1000:8.1f} ms")
    print(f"  nach einer Änderung:      {compute['after_change'] * 1000:8.1f} ms")
    print(f"  warm (zwischengespeichert): {compute['warm'] * 1000:6.1f} ms")
    print()
    print(
        f"gunicorn {args.workers} sync workers, DEBUG off; wrk -t2 -c{args.connections}, {args.duration} s × "
        f"{args.rounds}, {os.cpu_count()} CPU-Kerne (mit dem Server geteilt)"
    )
    bare = statistics.median(r["rps"] for r in runs["bare"])
    print(f"{'Seite':<12} {'req/s':>9} {'p50 ms':>8} {'Anteil':>8}  {'Fehler':>6}  Pfad")
    for name, results in runs.items():
        rps = statistics.median(r["rps"] for r in results)
        p50 = statistics.median(r["p50_ms"] for r in results)
        bad = sum(r["non_2xx"] for r in results)
        aim = "  (Ziel ≤ 200 ms)" if name == "tabelle" else ""
        print(f"{name:<12} {rps:>9.1f} {p50:>8.1f} {rps / bare:>8.1%}  {bad:>6}  {targets[name]}{aim}")


if __name__ == "__main__":
    main()
