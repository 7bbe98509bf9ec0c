"""Flood probe: do the mail, draft and submission limits hold? (issue 8 finding 1, docs/security-limits.md)

Run: ``.venv/bin/python benchmarks/flood.py`` – starts its own platform on loopback in a temporary
directory (migrate + bootstrap with the demo content, gunicorn on 127.0.0.1:18210, an aiosmtpd
Maildir sink on 127.0.0.1:18225, the task worker after each phase), then fires, from one anonymous
client at a time, resume-link requests, drafts and complete submissions at ONE victim address and
counts what arrives in the Maildir. Or ``--base-url http://127.0.0.1:8000 --maildir var/mail`` for
a platform that is already running (then its own worker sends; the probe waits ``--settle`` s).

Clients are told apart by their source address: every address of 127.0.0.0/8 is loopback on Linux,
so each phase binds to its own 127.0.0.x. Bounded: at most a few hundred requests, loopback only.
Prints a table (requests, accepted, refused with HTTP 429, mails that arrived) and the limits the
platform reported; exit status 1 when a cap did not hold.
"""

from __future__ import annotations

import argparse
import http.client
import mailbox
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB_PORT = 18210
SMTP_PORT = 18225
VICTIM = "opfer@example.org"
START_PATH = "/antrag/hundesteuer/14522180/"  # Hundesteuer in Freiberg (demo content)
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MAX_REDIRECTS = 12

# The documented defaults (amtsweg/settings.py, docs/security-limits.md).
LIMITS = {
    "mails per address and hour": 6,
    "mails per client and hour": 20,
    "mails per session and hour": 10,
    "mails per minute in total": 300,
    "drafts per client and hour": 60,
    "submissions per client and hour": 30,
}

# One complete Hundesteuer application (Freiberg demo form); every step ignores fields of other steps.
ANSWERS = {
    "f-anlass": "anmeldung",
    "f-gefaehrlich_vorhanden": "nein",
    "f-wohnsitz_hier": "ja",
    "f-vorname": "Flut",
    "f-nachname": "Probe",
    "f-geburtsdatum-tag": "14",
    "f-geburtsdatum-monat": "3",
    "f-geburtsdatum-jahr": "1986",
    "f-anschrift-street": "Burgstraße",
    "f-anschrift-house_number": "12",
    "f-anschrift-postal_code": "09599",
    "f-anschrift-city": "Freiberg",
    "f-email": VICTIM,
    "f-hund-0-hund_name": "Bello",
    "f-hund-0-hund_rasse": "Labrador-Retriever",
    "f-hund-0-hund_geburt-tag": "2",
    "f-hund-0-hund_geburt-monat": "5",
    "f-hund-0-hund_geburt-jahr": "2021",
    "f-hund-0-hund_geschlecht": "ruede",
    "f-hund-0-hund_seit-tag": "1",
    "f-hund-0-hund_seit-monat": "6",
    "f-hund-0-hund_seit-jahr": "2024",
    "f-hund-0-hund_herkunft": "tierheim",
    "f-hund-0-hund_chipnummer": "276098106543210",
    "f-hund-0-hund_gefaehrlich": "nein",
    "f-befreiung_beantragt": "nein",
    "f-lastschrift": "nein",
    "aktion": "weiter",
}


# --- a minimal browser: one session (cookies), one source address, no redirects followed ----------


@dataclass
class Browser:
    host: str
    port: int
    source: str
    cookies: dict = field(default_factory=dict)
    csrf: str = ""

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60, source_address=(self.source, 0))
        headers = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            payload = {**data, "csrfmiddlewaretoken": self.csrf}
            body = urllib.parse.urlencode(payload, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.msg.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
        finally:
            connection.close()
        token = CSRF_RE.search(text)
        if token:
            self.csrf = token.group(1)
        location = response.getheader("Location") or ""
        return response.status, text, urllib.parse.urlsplit(location).path if location else ""

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, data: dict):
        if not self.csrf:
            self.get(path)
        return self.request("POST", path, data)


def new_draft(browser: Browser) -> tuple[int, str]:
    """Start a Hundesteuer draft; (status, draft base path or "")."""
    browser.get(START_PATH)
    status, _, location = browser.post(START_PATH, {})
    if status != 302:
        return status, ""
    return status, location.rstrip("/").rsplit("/", 1)[0] + "/"


def resume_request(browser: Browser, base: str, address: str) -> int:
    path = base + "spaeter-fortsetzen/"
    browser.get(path)
    return browser.post(path, {"email": address})[0]


def submit_once(browser: Browser) -> int:
    """One complete application; the final POST's status (302 accepted, 429 refused) or the failure."""
    status, base = new_draft(browser)
    if not base:
        return status
    status, _, path = browser.post(base + "anliegen/", ANSWERS)
    for _ in range(MAX_REDIRECTS):
        if status != 302 or path.endswith("/antrag-pruefen/"):
            break
        browser.get(path)
        status, _, path = browser.post(path, ANSWERS)
    if not path.endswith("/antrag-pruefen/"):
        raise SystemExit(f"Der Antrag ließ sich nicht ausfüllen (HTTP {status} auf {path or base}).")
    browser.get(path)
    status, _, _ = browser.post(path, {"wahrheit": "ja", "datenschutz": "ja", "bestaetigung_email": VICTIM})
    return status


# --- the platform under test -----------------------------------------------------------------------


class Platform:
    """Own platform on loopback (temporary var dir) or a running one given by --base-url."""

    def __init__(self, args):
        self.args = args
        self.processes: list[subprocess.Popen] = []
        self.tmp = None
        if args.base_url:
            parts = urllib.parse.urlsplit(args.base_url)
            self.host, self.port = parts.hostname, parts.port or 80
            self.maildir = Path(args.maildir) if args.maildir else None
            return
        self.tmp = Path(tempfile.mkdtemp(prefix="amtsweg-flood-"))
        self.host, self.port = "127.0.0.1", args.port
        self.maildir = self.tmp / "mail"
        self.env = {
            **os.environ,
            "AMTSWEG_MODE": "test",
            "AMTSWEG_VAR_DIR": str(self.tmp),
            "AMTSWEG_LOG_LEVEL": "WARNING",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(args.smtp_port),
        }
        self.env.pop("DATABASE_URL", None)

    def manage(self, *command: str) -> None:
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=self.env, check=True, capture_output=True)

    def start(self) -> None:
        if self.args.base_url:
            return
        for sub in ("tmp", "new", "cur"):
            (self.maildir / sub).mkdir(parents=True, exist_ok=True)
        print(f"Preparing a throw-away platform in {self.tmp} (migrate, bootstrap) …", flush=True)
        self.manage("migrate", "--noinput")
        self.manage("bootstrap")
        self.manage("collectstatic", "--noinput", "-v0")
        smtp = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.args.smtp_port}"]
        smtp += ["-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)]
        self.processes.append(subprocess.Popen(smtp, cwd=ROOT, env=self.env))  # noqa: S603
        log = (self.tmp / "web.log").open("w")
        web = [sys.executable, "-m", "gunicorn", "amtsweg.wsgi", "-b", f"127.0.0.1:{self.port}"]
        web += ["-w", str(self.args.web_workers), "--access-logfile", "-"]
        self.processes.append(subprocess.Popen(web, cwd=ROOT, env=self.env, stdout=log, stderr=log))  # noqa: S603
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                http.client.HTTPConnection(self.host, self.port, timeout=2).request("GET", "/health/live")
                return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("gunicorn did not come up; see " + str(self.tmp / "web.log"))

    def deliver(self) -> None:
        """Let the worker send what was queued."""
        if self.args.base_url:
            time.sleep(self.args.settle)
        else:
            self.manage("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*")

    def mails_to(self, address: str) -> int:
        if self.maildir is None or not self.maildir.exists():
            return -1
        return sum(1 for message in mailbox.Maildir(self.maildir, create=False) if address in (message["To"] or ""))

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.tmp is not None and not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)


# --- phases ---------------------------------------------------------------------------------------------


@dataclass
class Result:
    phase: str
    requests: int = 0
    accepted: int = 0
    refused: int = 0
    other: int = 0
    mails: int | None = None
    cap: int | None = None

    def count(self, status: int, ok: int) -> None:
        self.requests += 1
        if status == ok:
            self.accepted += 1
        elif status == 429:
            self.refused += 1
        else:
            self.other += 1


def phase_resume_one_address(platform: Platform, n: int) -> Result:
    """One client, one session, a new draft per request (the flooder's best move): links to the victim."""
    result = Result("Fortsetzen-Links an EINE Adresse (1 Client)", cap=LIMITS["mails per address and hour"])
    browser = Browser(platform.host, platform.port, "127.0.0.1")
    for _ in range(n):
        result.count(resume_request(browser, new_draft(browser)[1], VICTIM), 200)
    return result


def phase_resume_one_session(platform: Platform, n: int) -> Result:
    """One session, a new draft and a new address per request: the per-session cap."""
    result = Result("Fortsetzen-Links aus EINER Sitzung", cap=LIMITS["mails per session and hour"])
    browser = Browser(platform.host, platform.port, "127.0.0.2")
    for i in range(n):
        result.count(resume_request(browser, new_draft(browser)[1], f"sitzung{i}@example.org"), 200)
    return result


def phase_resume_one_client(platform: Platform, n: int) -> Result:
    """One client address, a new session per request, many addresses: the per-client cap."""
    result = Result("Fortsetzen-Links von EINEM Client", cap=LIMITS["mails per client and hour"])
    for i in range(n):
        browser = Browser(platform.host, platform.port, "127.0.0.3")
        result.count(resume_request(browser, new_draft(browser)[1], f"client{i}@example.org"), 200)
    return result


def phase_drafts(platform: Platform, n: int) -> Result:
    result = Result("Entwürfe von EINEM Client", cap=LIMITS["drafts per client and hour"])
    for _ in range(n):
        result.count(new_draft(Browser(platform.host, platform.port, "127.0.0.10"))[0], 302)
    return result


def phase_submissions(platform: Platform, n: int) -> Result:
    result = Result("Anträge von EINEM Client an EINE Adresse", cap=LIMITS["submissions per client and hour"])
    for _ in range(n):
        result.count(submit_once(Browser(platform.host, platform.port, "127.0.0.11")), 302)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="a running platform (loopback only), e.g. http://127.0.0.1:8000")
    parser.add_argument("--maildir", help="with --base-url: the Maildir its SMTP sink writes (e.g. var/mail)")
    parser.add_argument("--settle", type=float, default=10.0, help="with --base-url: seconds for its worker")
    parser.add_argument("--port", type=int, default=WEB_PORT)
    parser.add_argument("--smtp-port", type=int, default=SMTP_PORT)
    parser.add_argument(
        "--web-workers",
        type=int,
        default=1,
        help="gunicorn workers (share counters only when CACHES is a shared cache)",
    )
    parser.add_argument("--requests", type=int, default=30, help="resume-link requests per phase")
    parser.add_argument("--drafts", type=int, default=80)
    parser.add_argument("--submissions", type=int, default=35)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if args.base_url and urllib.parse.urlsplit(args.base_url).hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("Only loopback targets: this is a flood.")

    platform = Platform(args)
    results: list[Result] = []
    try:
        platform.start()
        started = time.monotonic()
        before = platform.mails_to(VICTIM)
        phases = [
            (phase_resume_one_address, args.requests),
            (phase_resume_one_session, args.requests),
            (phase_resume_one_client, args.requests),
            (phase_drafts, args.drafts),
            (phase_submissions, args.submissions),
        ]
        for phase, n in phases:
            counted = platform.mails_to(VICTIM)
            results.append(phase(platform, n))
            platform.deliver()
            results[-1].mails = platform.mails_to(VICTIM) - counted
        victim_total = platform.mails_to(VICTIM) - before
        seconds = time.monotonic() - started
    finally:
        platform.stop()

    print()
    print(f"{'Phase':46} {'Anfr.':>6} {'angen.':>6} {'429':>5} {'sonst':>5} {'Grenze':>6}  Mails an {VICTIM}")
    failed = False
    for r in results:
        mails = "" if not r.mails else str(r.mails)
        print(f"{r.phase:46} {r.requests:6} {r.accepted:6} {r.refused:5} {r.other:5} {r.cap or '':>6}  {mails}")
        if (r.cap is not None and r.accepted > r.cap) or r.other:
            failed = True
    print()
    print(f"Alle Mails an {VICTIM} (Fortsetzen-Links + Eingangsbestätigungen): {victim_total}")
    print(
        f"  Grenze je Adresse: {LIMITS['mails per address and hour']}/h – gemeinsam für Web und Worker, wenn "
        "CACHES ein geteilter Cache ist; mit dem prozesslokalen Cache zählen Web-Prozess und Worker getrennt "
        f"(dann höchstens {2 * LIMITS['mails per address and hour']})."
    )
    print(f"Dauer: {seconds:.1f} s. Grenzen: " + ", ".join(f"{k} {v}" for k, v in LIMITS.items()))
    if victim_total > 2 * LIMITS["mails per address and hour"]:
        failed = True
    print("ERGEBNIS: " + ("eine Grenze hielt NICHT" if failed else "alle Grenzen hielten"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
