"""Bounded abuse probe against a running Amtsweg on loopback (docs/security.md).

Run: ``.venv/bin/python benchmarks/probe_limits.py --base-url http://127.0.0.1:8000 --api 700 --upload-mb 120``

1. API: ``--api`` anonymous requests to ``/api/v1/orte/``, each with a random ``X-Forwarded-For``;
   prints how many were answered before the first 429 (expected: the configured anonymous rate,
   600/min by default, however the header is forged).
2. Uploads: starts Bewohnerparkausweis drafts (Dresden, from the demo content) and uploads real 9 MB
   PDFs (one per draft, so every accepted file stays on disk) until
   ``--upload-mb`` would be exceeded or a quota message appears; prints the MB accepted (expected:
   stops at the per-client quota across drafts, 100 MB per 24 hours by default).

Every number is an upper bound: the probe never sends more than asked, and refuses non-loopback
targets unless ``--allow-remote`` is given.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import urllib.parse

import httpx

ASSISTANT = "/antrag/bewohnerparkausweis/14612000/"
STEPS = [
    ("anliegen", {"f-antrag_art": "neu", "f-wohnsitz_zone": "ja", "f-fahrzeug_vorhanden": "ja"}),
    ("zone_schritt", {"f-zone": "B"}),
    (
        "antragsteller",
        {
            "f-vorname": "Probe",
            "f-nachname": "Lauf",
            "f-geburtsdatum-tag": "9",
            "f-geburtsdatum-monat": "11",
            "f-geburtsdatum-jahr": "1992",
            "f-anschrift-street": "Schnorrstraße",
            "f-anschrift-house_number": "21",
            "f-anschrift-postal_code": "01069",
            "f-anschrift-city": "Dresden",
            "f-email": "probe@example.org",
            "f-telefon": "",
        },
    ),
]
VEHICLE = {"f-kennzeichen": "DD-LH 482", "f-fahrzeugart": "pkw", "f-halter": "nein", "f-nutzungsgrund": "firmenwagen"}
QUOTA_MARKERS = ("insgesamt höchstens", "letzten 24 Stunden", "ausgelastet", "Die Datei ist zu groß")


def _pdf(size: int) -> bytes:
    """A real PDF of about ``size`` bytes (one page, padded with an uncompressed content stream)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    stream = DecodedStreamObject()
    stream.set_data(b"% " + b"0" * max(0, size - 600) + b"\n")
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def probe_api(client: httpx.Client, count: int) -> None:
    answered = 0
    for i in range(count):
        forged = ".".join(str(random.randint(1, 254)) for _ in range(4))
        response = client.get("/api/v1/orte/", params={"q": "Frei"}, headers={"X-Forwarded-For": forged})
        if response.status_code == 429:
            print(f"API: {answered} answered, request {i + 1} refused with 429 (forged X-Forwarded-For each time)")
            return
        answered += 1
    print(f"API: all {answered} requests answered, no 429 (rate above {count}?)")


def _csrf(client: httpx.Client) -> str:
    return client.cookies.get("csrftoken", "")


def _start_draft(client: httpx.Client) -> str | None:
    client.get(ASSISTANT)
    response = client.post(ASSISTANT, data={"csrfmiddlewaretoken": _csrf(client)})
    if response.status_code != 302:
        return None
    draft = urllib.parse.urlsplit(response.headers["location"]).path.rsplit("/", 2)[0] + "/"
    for step, data in STEPS:
        client.post(f"{draft}{step}/", data={**data, "aktion": "weiter", "csrfmiddlewaretoken": _csrf(client)})
    # First post reveals the proof-of-use field (it depends on "halter").
    client.post(f"{draft}fahrzeug/", data={**VEHICLE, "aktion": "aktualisieren", "csrfmiddlewaretoken": _csrf(client)})
    return draft


def probe_uploads(client: httpx.Client, budget_mb: int) -> None:
    pdf = _pdf(9 * 1024 * 1024)
    sent = accepted = 0
    drafts = 0
    while sent + len(pdf) <= budget_mb * 1024 * 1024:
        draft = _start_draft(client)
        if draft is None:
            print("Uploads: could not start a draft (demo content loaded?)")
            return
        drafts += 1
        for field in ("f-nutzungsnachweis",):  # one file per draft: every accepted file stays on disk
            if sent + len(pdf) > budget_mb * 1024 * 1024:
                break
            response = client.post(
                f"{draft}fahrzeug/",
                data={**VEHICLE, "aktion": "aktualisieren", "csrfmiddlewaretoken": _csrf(client)},
                files={field: ("nachweis.pdf", pdf, "application/pdf")},
            )
            sent += len(pdf)
            page = response.text
            refused = next((m for m in QUOTA_MARKERS if m in page), None)
            if not refused and "Hochgeladen:" not in page:
                print(f"Uploads: unexpected answer {response.status_code} (not stored, no quota message); stopping")
                return
            if refused:
                total = accepted / 2**20
                print(f"Uploads: draft {drafts}: refused after {total:.0f} MB accepted in total ({refused!r})")
                if "24 Stunden" in refused or "ausgelastet" in refused:
                    return
                break
            accepted += len(pdf)
    print(f"Uploads: {accepted / 2**20:.0f} MB accepted of {sent / 2**20:.0f} MB sent in {drafts} drafts")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--api", type=int, default=700, help="API requests to send at most")
    parser.add_argument("--upload-mb", type=int, default=120, help="MB of uploads to send at most")
    parser.add_argument("--allow-remote", action="store_true")
    args = parser.parse_args()
    host = urllib.parse.urlsplit(args.base_url).hostname
    if host not in {"127.0.0.1", "localhost", "::1"} and not args.allow_remote:
        print("Refusing a non-loopback target without --allow-remote.", file=sys.stderr)
        return 2
    with httpx.Client(base_url=args.base_url, timeout=60, follow_redirects=False) as client:
        if args.api:
            probe_api(client, args.api)
        if args.upload_mb:
            probe_uploads(client, args.upload_mb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
