"""The start path as a user runs it (issue 7, item 9).

Starts the platform with ``./dev serve`` — the same script function (``run_platform``) that
``./dev start`` runs after its installs — on a fresh temporary var folder and free ports, so
migrate, bootstrap, the SMTP sink, the demo Fachverfahren, the worker, the scheduler and gunicorn
all come up as they do for a new user. Then, over plain HTTP like a browser without JavaScript:
Hundesteuer in Freiberg, "Link per E-Mail senden" (the resume mail must arrive in the Maildir),
resume from the link in a fresh client, submit (the confirmation mail must arrive, the delivery must
be accepted by the demo Fachverfahren, which only stores signature-checked deliveries), the real 404
page, the API docs, and the forwarding state on the confirmation page. Finally the platform is
stopped with TERM and no process of it may be left.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

pytestmark = pytest.mark.startpath

BASE_DIR = Path(__file__).resolve().parents[3]
# Safety nets only (no timing is asserted): a fresh database means collectstatic, migrate and the
# demo bootstrap (~15 s on an idle 2-core machine, more when it is shared).
START_TIMEOUT = 300
WAIT = 60  # for mails, the delivery and the forwarding state (worker and scheduler run on their own)
STOP_TIMEOUT = 60
FREIBERG = "/antrag/hundesteuer/14522180/"
EMAIL = "anna.schubert@example.org"
RESUME_LINK = re.compile(r"https?://\S+/antrag/fortsetzen/([A-Za-z0-9_-]+)/")
VORGANGSNUMMER = re.compile(r"/antraege/([^/]+)/bestaetigung/")

# Step key -> answers (names without "f-"); dates as day/month/year like the wizard's three inputs.
ANSWERS = {
    "anliegen": {"anlass": "anmeldung", "gefaehrlich_vorhanden": "nein", "wohnsitz_hier": "ja"},
    "halter": {
        "vorname": "Anna",
        "nachname": "Schubert",
        "geburtsdatum-tag": "14",
        "geburtsdatum-monat": "3",
        "geburtsdatum-jahr": "1986",
        "anschrift-street": "Burgstraße",
        "anschrift-house_number": "12",
        "anschrift-postal_code": "09599",
        "anschrift-city": "Freiberg",
        "email": EMAIL,
    },
    "hunde": {
        "hund-0-hund_name": "Bello",
        "hund-0-hund_rasse": "Labrador-Retriever",
        "hund-0-hund_geburt-tag": "2",
        "hund-0-hund_geburt-monat": "5",
        "hund-0-hund_geburt-jahr": "2021",
        "hund-0-hund_geschlecht": "ruede",
        "hund-0-hund_seit-tag": "1",
        "hund-0-hund_seit-monat": "6",
        "hund-0-hund_seit-jahr": "2024",
        "hund-0-hund_herkunft": "tierheim",
        "hund-0-hund_gefaehrlich": "nein",
    },
    "befreiung": {"befreiung_beantragt": "nein"},
    "zahlung": {"lastschrift": "ja", "iban": "DE89 3704 0044 0532 0130 00", "kontoinhaber": "Anna Schubert"},
}
SAVE_ON = "hunde"  # after filling this step, "Speichern und später fortsetzen"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _session_processes(sid: int) -> list[str]:
    """Processes of the platform: ./dev serve runs in its own session, its children in their own groups."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            found.append(f"{stat.parent.name} {text[text.index('(') + 1 : text.rindex(')')]}")
    return found


@dataclass
class Platform:
    process: subprocess.Popen
    base: str
    fv_base: str
    var: Path
    log: Path

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(STOP_TIMEOUT)
        finally:
            for line in _session_processes(self.process.pid):
                os.kill(int(line.split()[0]), signal.SIGKILL)


def _platform_start(tmp_path: Path, **ports: int) -> Platform:
    var = tmp_path / "var"
    ports = {
        "AMTSWEG_PORT": _free_port(),
        "AMTSWEG_FV_PORT": _free_port(),
        "AMTSWEG_SMTP_PORT": _free_port(),
        **ports,
    }
    env = {
        key: value
        for key, value in os.environ.items()
        # The platform decides these itself (demo mode, SQLite in its var folder, its own SMTP sink).
        if key not in {"AMTSWEG_MODE", "DATABASE_URL", "EMAIL_HOST", "EMAIL_PORT", "DJANGO_SETTINGS_MODULE"}
        and not key.startswith(("PYTEST_", "AMTSWEG_DEMO_"))
    }
    env.update({key: str(value) for key, value in ports.items()})
    env["AMTSWEG_VAR_DIR"] = str(var)
    log = tmp_path / "platform.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BASE_DIR / "dev"), "serve"],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Platform(
        process=process,
        base=f"http://127.0.0.1:{ports['AMTSWEG_PORT']}",
        fv_base=f"http://127.0.0.1:{ports['AMTSWEG_FV_PORT']}",
        var=var,
        log=log,
    )


@pytest.fixture
def platform(tmp_path):
    running = _platform_start(tmp_path)
    try:
        _wait_ready(running)
        yield running
    finally:
        running.stop()


def _wait_ready(platform: Platform) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if platform.process.poll() is not None:
            pytest.fail(f"./dev serve ended with {platform.process.returncode}:\n{platform.log_tail()}")
        try:
            if httpx.get(f"{platform.base}/health/ready", timeout=10).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"platform not ready after {START_TIMEOUT} s:\n{platform.log_tail()}")


def _until(what: str, probe, platform: Platform):
    """Poll ``probe`` until it returns something truthy (bounded by WAIT)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"{what}: nicht innerhalb von {WAIT} s\n{platform.log_tail()}")


# --- a browser without JavaScript ------------------------------------------------------------------------------------


class _Forms(HTMLParser):
    """The POST forms of a page with the values a browser would send (no buttons, no files)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.forms.append({"action": a.get("action", ""), "fields": []})
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"radio", "checkbox"} and "checked" not in a:
                return
            fields.append((a["name"], a.get("value", "on" if kind in {"radio", "checkbox"} else "")))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            fields.append((self._select, a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            fields.append((a["name"], ""))

    def handle_data(self, data):
        if self._textarea and self.forms:
            name, value = self.forms[-1]["fields"][-1]
            self.forms[-1]["fields"][-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None


def _form(page: httpx.Response, *, containing: str) -> tuple[str, dict]:
    parser = _Forms()
    parser.feed(page.text)
    for form in parser.forms:
        names = [name for name, _ in form["fields"]]
        if containing in names:
            data: dict = {}
            for name, value in form["fields"]:
                data.setdefault(name, []).append(value)
            return urljoin(str(page.url), form["action"] or str(page.url)), data
    raise AssertionError(f"kein Formular mit {containing} auf {page.url}:\n{page.text[:3000]}")


def _h1(page: httpx.Response) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", page.text, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip() if match else ""


def _problems(page: httpx.Response) -> str:
    """The error summary's items (or the page's start, when there is none)."""
    match = re.search(r"data-aw-error-summary.*?</ul>", page.text, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", match.group(0)) if match else page.text[:2000]


def _post_step(client: httpx.Client, page: httpx.Response, answers: dict, action: str) -> httpx.Response:
    """Fill the step's form and send it. Without JavaScript, an answer that reveals more fields
    (e.g. the IBAN after "Lastschrift: ja") shows the step again first; then it is sent once more."""
    for _ in range(3):
        url, data = _form(page, containing="schritt")
        for name, value in answers.items():
            data[f"f-{name}"] = value
        data["aktion"] = action
        response = client.post(url, data=data)
        if response.status_code == 302:
            return client.get(response.headers["location"])
        assert response.status_code == 200, f"{_h1(page)}: {response.status_code}"
        assert "data-aw-error-summary" not in response.text, f"{_h1(page)}: {_problems(response)}"
        page = response
    raise AssertionError(f"{_h1(page)}: Schritt wird immer wieder angezeigt")


def _mails(platform: Platform) -> list[email.message.EmailMessage]:
    folder = platform.var / "mail" / "new"
    if not folder.is_dir():
        return []
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime)
    ]


def _text(message) -> str:
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""


def _mail_with(platform: Platform, needle) -> str | None:
    for message in _mails(platform):
        text = _text(message)
        if EMAIL in str(message["To"]) and (needle.search(text) if isinstance(needle, re.Pattern) else needle in text):
            return text
    return None


def _api_docs_render(browser, platform: Platform) -> None:
    """/api/docs/ in Debian's Chromium: rendered, no console errors, no CSP violations, nothing from elsewhere."""
    page = browser.new_context(locale="de-DE").new_page()
    problems: list[str] = []
    foreign: list[str] = []
    origin = urlsplit(platform.base).netloc
    page.on("console", lambda msg: problems.append(f"{msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on(
        "request",
        lambda request: foreign.append(request.url)
        if urlsplit(request.url).scheme in ("http", "https") and urlsplit(request.url).netloc != origin
        else None,
    )
    response = page.goto(platform.base + "/api/docs/")
    assert response.status == 200
    page.wait_for_selector(".opblock-summary-control", timeout=WAIT * 1000)
    assert "/api/v1/leistungen/" in page.content()
    assert not problems, "Konsolenfehler auf /api/docs/:\n" + "\n".join(problems)
    assert not foreign, f"/api/docs/ lädt von anderen Ursprüngen: {foreign}"
    page.context.close()


# --- the test --------------------------------------------------------------------------------------------------------


def test_dev_serve_runs_the_citizen_journey_end_to_end(platform, browser):
    client = httpx.Client(base_url=platform.base, timeout=60)

    # The finder's API (the query string must not reach the access log).
    hits = client.get("/api/v1/leistungen/", params={"q": "Hundesteuer", "limit": 50})
    assert hits.status_code == 200 and any(h["leika_key"] == "99102013000000" for h in hits.json()["results"])

    # Start Hundesteuer in Freiberg.
    start = client.get(FREIBERG)
    assert start.status_code == 200 and "Freiberg" in start.text
    url, data = _form(start, containing="csrfmiddlewaretoken")
    started = client.post(url, data=data)
    assert started.status_code == 302, started.text[:2000]
    page = client.get(started.headers["location"])

    # Fill the steps up to SAVE_ON, then "Speichern und später fortsetzen" → "Link per E-Mail senden".
    for step in ("anliegen", "halter"):
        assert f"/{step}/" in str(page.url), f"erwartet {step}, angezeigt {page.url}"
        page = _post_step(client, page, ANSWERS[step], "weiter")
    assert f"/{SAVE_ON}/" in str(page.url)
    save = _post_step(client, page, ANSWERS[SAVE_ON], "spaeter")
    assert _h1(save) == "Speichern und später fortsetzen", _h1(save)
    url, data = _form(save, containing="email")
    data["email"] = EMAIL
    sent = client.post(url, data=data)
    assert sent.status_code in (200, 302), f"Link per E-Mail senden: {sent.status_code}\n{sent.text[:2000]}"
    resume_text = _until("Fortsetzen-Mail in <var>/mail/new/", lambda: _mail_with(platform, RESUME_LINK), platform)
    link = RESUME_LINK.search(resume_text)
    resume_token = link.group(1)

    # A fresh client (another device) resumes from the link and finishes.
    citizen = httpx.Client(base_url=platform.base, timeout=60)
    resumed = citizen.get(urlsplit(link.group(0)).path, follow_redirects=True)
    assert resumed.status_code == 200 and f"/{SAVE_ON}/" in str(resumed.url), resumed.url
    assert "Willkommen zurück" in resumed.text
    assert "Bello" in resumed.text, "die Angaben vor dem Speichern fehlen"
    page = _post_step(citizen, resumed, ANSWERS[SAVE_ON], "weiter")
    for step in ("befreiung", "zahlung"):
        assert f"/{step}/" in str(page.url), f"erwartet {step}, angezeigt {page.url}"
        page = _post_step(citizen, page, ANSWERS[step], "weiter")
    assert _h1(page) == "Angaben prüfen und absenden", _h1(page)
    url, data = _form(page, containing="csrfmiddlewaretoken")
    data.update({"wahrheit": "ja", "datenschutz": "ja"})
    done = citizen.post(url, data=data)
    assert done.status_code == 302, _problems(done)
    number = VORGANGSNUMMER.search(done.headers["location"]).group(1)
    confirmation_url = done.headers["location"]
    confirmation = citizen.get(confirmation_url)
    assert confirmation.status_code == 200 and "Ihr Antrag ist eingegangen" in confirmation.text

    # The confirmation mail arrives; the demo Fachverfahren accepted the signed delivery.
    _until("Bestätigungs-Mail in <var>/mail/new/", lambda: _mail_with(platform, number), platform)

    def delivered():
        rows = httpx.get(f"{platform.fv_base}/antraege", timeout=10).json()["antraege"]
        return [row for row in rows if row["vorgangsnummer"] == number]

    (delivery,) = _until("Zustellung im Demo-Fachverfahren", delivered, platform)
    assert delivery["id"].startswith("FV-")

    # Production serving: the real 404 page (no technical page), static files with DEBUG off, API docs.
    missing = client.get("/gibt-es-nicht/")
    assert missing.status_code == 404
    assert "Traceback" not in missing.text and "DEBUG = True" not in missing.text and "URLconf" not in missing.text
    assert "<html" in missing.text.lower() and "kern" in missing.text
    css = re.search(r'href="(/static/[^"]*kern[^"]*\.css)"', missing.text)
    assert css, "KERN-Stylesheet nicht eingebunden"
    assert client.get(css.group(1)).status_code == 200
    _api_docs_render(browser, platform)

    # The citizen's page tells the forwarding state ("an … übermittelt am …"), as it really is.
    def forwarded():
        return "übermittelt am" in citizen.get(confirmation_url).text

    _until("„übermittelt am“ auf der Bestätigungsseite", forwarded, platform)

    # Clean stop: TERM to ./dev serve stops all processes; none is left.
    log = platform.log.read_text(errors="replace")
    returncode = platform.stop()
    assert returncode == 143, f"./dev serve endete mit {returncode}\n{platform.log_tail()}"
    assert _session_processes(platform.process.pid) == []
    # Access and application logs carry no query strings and no resume or draft tokens.
    assert "q=Hundesteuer" not in log
    assert resume_token not in log
    assert "/antrag/fortsetzen/…/" in log


def test_dev_serve_stops_everything_when_one_process_dies(tmp_path):
    """The demo Fachverfahren cannot bind its port (taken): ./dev serve stops all and exits non-zero."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        platform = _platform_start(tmp_path, AMTSWEG_FV_PORT=busy.getsockname()[1])
        try:
            returncode = platform.process.wait(START_TIMEOUT)
        finally:
            platform.stop()
    assert returncode not in (0, 130, 143), platform.log_tail()
    assert "alle Prozesse werden gestoppt" in platform.log.read_text(errors="replace")
    assert _session_processes(platform.process.pid) == []
