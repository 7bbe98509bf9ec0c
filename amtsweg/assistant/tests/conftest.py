"""Fixtures for the assistant tests: the Hundesteuer definition (forms services), activated with an
overlay for Dresden's Stadtverwaltung (found via the Zuständigkeit of the real Saxon reference data),
uploads and private storage in a per-test folder, and helpers to walk the wizard with the test client."""

from __future__ import annotations

import re
import socket
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

DEFINITION = Path(__file__).resolve().parent / "data" / "hundesteuer-anmeldung.yaml"
DRESDEN_AGS = "14612000"
HUNDESTEUER_KEY = "99102013000000"
# A minimal well-formed PDF (with xref and startxref): the upload check parses it with pypdf.
PDF_BYTES = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"
HTML_BYTES = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"

STEP_DATA = {
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
        "f-telefon": "",
    },
    "hunde": {
        "f-hund-0-hund_name": "Bello",
        "f-hund-0-hund_rasse": "Labrador",
        "f-hund-0-hund_geburt-tag": "1",
        "f-hund-0-hund_geburt-monat": "3",
        "f-hund-0-hund_geburt-jahr": "2020",
        "f-hund-0-hund_seit-tag": "15",
        "f-hund-0-hund_seit-monat": "1",
        "f-hund-0-hund_seit-jahr": "2021",
        "f-hund-0-hund_herkunft": "tierheim",
        "f-hund-0-hund_chipnummer": "",
        "f-hund-0-hund_gefaehrlich": "nein",
    },
    "befreiung": {"f-befreiung_beantragt": "nein"},
    "zahlung": {"f-lastschrift": "nein", "f-vorauszahlung": "", "f-erster_faelligkeitsbetrag": ""},
}


@pytest.fixture(autouse=True)
def _fresh_caches():
    from amtsweg.assistant.selectors import caches_clear

    caches_clear()
    yield
    caches_clear()


@pytest.fixture(autouse=True)
def private_dirs(settings, tmp_path):
    """Uploads and submission files go to a per-test folder, never into the project's var/."""
    settings.AMTSWEG_UPLOAD_DIR = tmp_path / "private" / "uploads"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    settings.ALLOWED_HOSTS = ["testserver"]
    return tmp_path / "private"


@pytest.fixture
def version(db):
    from amtsweg.forms.services import definition_load_file

    return definition_load_file(path=DEFINITION, publish=True)


@pytest.fixture
def dresden(db):
    from amtsweg.directory.models import Territory

    return Territory.objects.get(kind=Territory.Kind.GEMEINDE, ags=DRESDEN_AGS, valid_until__isnull=True)


@pytest.fixture
def leistung(version):
    return version.definition.leistung


@pytest.fixture
def authority(leistung, dresden):
    from amtsweg.jurisdiction.selectors import responsible_authority

    return responsible_authority(leistung=leistung, gemeinde=dresden).authority


@pytest.fixture
def route(authority, tmp_path):
    """A valid route for the authority (a local file drop): an assistant may only go live with one."""
    from amtsweg.hub.routing import routing_create
    from amtsweg.hub.targets import target_create

    target = target_create(
        authority=authority,
        key="ablage",
        name="Dateiablage (Test)",
        type_key="filedrop",
        config={"directory": str(tmp_path / "ablage")},
    )
    return routing_create(authority=authority, target=target)


@pytest.fixture
def activation(version, authority, route):
    from amtsweg.assistant.services import activation_set
    from amtsweg.forms.services import overlay_set

    overlay_set(
        definition=version.definition,
        authority=authority,
        parameters={"gebuehr_erster_hund": "108.00"},
        texts={"steps.zahlung.intro": "Die Steuer wird jährlich am 1. Juli fällig."},
        contact={"name": "Steueramt Dresden", "email": "steueramt@dresden.example", "phone": "0351 488-0"},
    )
    return activation_set(definition=version.definition, authority=authority)


@pytest.fixture
def start_url(activation, dresden):
    return reverse("assistant:start", kwargs={"key": "hundesteuer-anmeldung", "ags": dresden.ags})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailCollector:
    """aiosmtpd handler that keeps every received message; ``refuse`` makes it reject recipients (550)."""

    def __init__(self, refuse: bool = False):
        self.messages: list = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def smtp_settings(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def smtp_port(settings):
    """Real SMTP to 127.0.0.1 on a port where nothing listens yet (connection refused)."""
    port = free_port()
    smtp_settings(settings, port)
    return port


@pytest.fixture
def smtp_start(smtp_port):
    """Start a real SMTP server (aiosmtpd) on ``smtp_port`` when the test says so."""
    from aiosmtpd.controller import Controller

    controllers = []

    def start(refuse: bool = False) -> MailCollector:
        collector = MailCollector(refuse=refuse)
        controller = Controller(collector, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        controllers.append(controller)
        return collector

    yield start
    for controller in controllers:
        controller.stop()


class Wizard:
    """Walks the assistant with a Django test client (a browser without JavaScript)."""

    def __init__(self, client, start_url):
        self.client = client
        self.start_url = start_url
        self.base = None

    def start(self):
        response = self.client.post(self.start_url)
        assert response.status_code == 302, response
        self.base = response["Location"].rsplit("/", 2)[0] + "/"
        return response

    @property
    def draft(self):
        from amtsweg.assistant.models import Draft

        return Draft.objects.get(token=self.base.rstrip("/").rsplit("/", 1)[-1])

    def url(self, step: str) -> str:
        return f"{self.base}{step}/"

    def get(self, step: str, **kwargs):
        return self.client.get(self.url(step), **kwargs)

    def post(self, step: str, data: dict | None = None, action: str = "weiter", query: str = "", **extra):
        payload = dict(STEP_DATA.get(step, {}) if data is None else data)
        payload.setdefault("aktion", action)
        return self.client.post(self.url(step) + query, payload, **extra)

    def through(self, *steps: str):
        for step in steps:
            response = self.post(step)
            assert response.status_code == 302, (step, response.content.decode()[:3000])
        return response


@pytest.fixture
def wizard(client, start_url):
    w = Wizard(client, start_url)
    w.start()
    return w


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.controls: list[dict] = []
        self.describedby: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag in {"input", "select", "textarea"} and a.get("type") not in {"hidden", "submit"}:
            self.controls.append(a)
        if a.get("aria-describedby"):
            self.describedby.extend(a["aria-describedby"].split())
        if tag == "a" and (a.get("href") or "").startswith("#"):
            self.hrefs.append(a["href"][1:])


def assert_clean_markup(html: str) -> None:
    """No duplicate ids, every control labelled, every aria-describedby and in-page link resolves."""
    parser = _Ids()
    parser.feed(html)
    duplicates = {i for i in parser.ids if parser.ids.count(i) > 1}
    assert not duplicates, f"doppelte ids: {duplicates}"
    ids = set(parser.ids)
    for control in parser.controls:
        assert control.get("id") in parser.label_for, f"ohne Label: {control}"
    missing = [i for i in parser.describedby if i not in ids]
    assert not missing, f"aria-describedby ohne Ziel: {missing}"
    broken = [h for h in parser.hrefs if h and h not in ids]
    assert not broken, f"Sprungziele fehlen: {broken}"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())
