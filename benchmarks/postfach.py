"""Benchmark of "Meine Anträge": a citizen with 200 Vorgänge (and a few drafts) over real HTTP.

Run: ``.venv/bin/python benchmarks/postfach.py [--cases 200] [--requests 200] [--port 8791]``

Sets up a throw-away SQLite database (migrations + reference data via ``bootstrap --reference-only``),
creates one citizen with ``--cases`` Vorgänge in several authorities (each with a status event, every
fifth with a Nachforderung), some for an Organisationskonto the citizen is a member of, and three drafts;
signs the citizen in (a real session row), starts gunicorn (the production server, ``amtsweg.gunicorn_conf``)
on loopback and measures sequential requests: the bare view ``/health/live`` as the floor of the stack,
then the first and the last list page and one case's detail page. Prints p50/p95 per page and the ratio to
the bare view. No assertions (timings depend on the machine); the bounded number of queries per page is a
test (amtsweg/postfach/tests/test_queries.py).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from inbox import ROOT, _django, _measure, _wait  # noqa: E402 - the shared benchmark helpers

SEED = 20261204


def _world(cases: int) -> tuple[str, str]:
    """Reference data, the citizen's Vorgänge and drafts; returns (session key, one Vorgangsnummer)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from amtsweg.accounts.models import Membership, Organisation, Role
    from amtsweg.assistant.models import Draft
    from amtsweg.cases.models import CaseEvent, CaseStatus, Vorgang
    from amtsweg.cases.numbers import number_generate
    from amtsweg.catalog.models import Leistung
    from amtsweg.directory.models import Authority, Territory
    from amtsweg.forms.services import definition_load_file

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("bootstrap", "--reference-only", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"Referenzdaten geladen ({time.monotonic() - started:.0f} s)", flush=True)

    citizen = get_user_model().objects.create_user(username="erika", email="erika@example.org", password="x" * 20)
    organisation = Organisation.objects.create(name="Muster GmbH")
    Membership.objects.create(organisation=organisation, user=citizen, role=Role.INHABER)
    authorities = list(Authority.objects.order_by("pk")[:10])
    leistungen = list(Leistung.objects.filter(published=True).order_by("pk")[:30])
    rng = random.Random(SEED)
    now = timezone.now()
    rows = []
    for i in range(cases):
        created = now - timedelta(hours=rng.randint(0, 24 * 700))
        rows.append(
            Vorgang(
                number=number_generate(year=timezone.localtime(created).year),
                channel="portal",
                status=rng.choice([CaseStatus.EINGEGANGEN, CaseStatus.IN_BEARBEITUNG, CaseStatus.NACHFORDERUNG]),
                authority=rng.choice(authorities),
                leistung=rng.choice(leistungen),
                created=created,
                applicant=citizen,
                organisation=organisation if i % 4 == 0 else None,
            )
        )
    vorgaenge = Vorgang.objects.bulk_create(rows)
    events = []
    for i, vorgang in enumerate(vorgaenge):
        events.append(
            CaseEvent(vorgang=vorgang, authority=vorgang.authority, kind="status", payload={"status": vorgang.status})
        )
        if i % 5 == 0:
            payload = {"text": "Bitte reichen Sie einen Nachweis ein.", "documents_requested": ["Nachweis"]}
            event = CaseEvent(vorgang=vorgang, authority=vorgang.authority, kind="nachforderung", payload=payload)
            events.append(event)
    CaseEvent.objects.bulk_create(events)
    version = definition_load_file(path=ROOT / "amtsweg" / "forms" / "definitions" / "hundesteuer.yaml", publish=True)
    freiberg = Territory.objects.get(kind=Territory.Kind.GEMEINDE, ags="14522180", valid_until__isnull=True)
    for i in range(3):
        Draft.objects.create(
            token=f"bench-draft-{i}-{'x' * 30}",
            version=version,
            authority=authorities[0],
            gemeinde=freiberg,
            answers={"vorname": "Erika"},
            expires_at=now + timedelta(days=30),
            user=citizen,
        )
    print(f"{cases} Vorgänge, {len(events)} Ereignisse, 3 Entwürfe angelegt", flush=True)

    session = SessionStore()
    session[SESSION_KEY] = str(citizen.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = citizen.get_session_auth_hash()
    session.create()
    call_command("collectstatic", "--noinput", verbosity=0)
    return session.session_key, vorgaenge[0].number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="amtsweg-bench-postfach-") as tmp:
        var_dir = Path(tmp) / "var"
        var_dir.mkdir()
        _django(var_dir)
        cookie, number = _world(args.cases)
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
        last = (args.cases + 19) // 20
        pages = [
            ("Leere Ansicht (/health/live)", "/health/live", ""),
            ("Meine Anträge, Seite 1", "/konto/antraege/", cookie),
            (f"Meine Anträge, Seite {last}", f"/konto/antraege/?seite={last}", cookie),
            ("Antrag (Detail)", f"/konto/antraege/{number}/", cookie),
        ]
        try:
            _wait(args.port, time.monotonic() + 120, gunicorn)
            for _label, path, session in pages:  # warm-up (imports, caches, SQLite page cache)
                _measure(args.port, path, cookie=session, n=3)
            print(f"\nEine Bürgerin mit {args.cases} Anträgen, {args.requests} Anfragen je Seite, sequentiell")
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


if __name__ == "__main__":
    main()
