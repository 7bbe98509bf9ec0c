"""Fixtures for submission tests: the Hundesteuer assistant (published), Dresden, valid answers,
private storage in a temporary folder and a real local SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import copy
import socket
import uuid
from pathlib import Path

import pytest

DEFINITION = Path(__file__).resolve().parent / "data" / "hundesteuer.yaml"
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

VALID_ANSWERS = {
    "anlass": "anmeldung",
    "wohnsitz_hier": True,
    "vorname": "Erika",
    "nachname": "Mustermann",
    "geburtsdatum": "1980-05-01",
    "anschrift": {"street": "Schloßstraße", "house_number": "1", "postal_code": "01067", "city": "Dresden"},
    "email": "erika@example.org",
    "hund": [
        {
            "hund_name": "Bello",
            "hund_rasse": "Labrador",
            "hund_geburt": "2020-03-01",
            "hund_seit": "2021-01-15",
            "hund_herkunft": "tierheim",
            "hund_gefaehrlich": False,
        },
        {"hund_name": "Luna", "hund_rasse": "Mischling", "hund_seit": "2022-06-01", "hund_gefaehrlich": False},
    ],
    "befreiung_beantragt": False,
    "lastschrift": True,
    "iban": "DE89 3704 0044 0532 0130 00",
    "kontoinhaber": "Erika Mustermann",
}


@pytest.fixture(autouse=True)
def private_storage_dir(settings, tmp_path):
    """Uploads and receipts go to a per-test folder, never into the project's var/."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}},
    }
    return location


@pytest.fixture
def version(db):
    from amtsweg.forms.services import definition_load_file

    return definition_load_file(path=DEFINITION, publish=True)


@pytest.fixture
def dresden(db):
    from amtsweg.directory.models import Territory

    return Territory.objects.get(kind=Territory.Kind.GEMEINDE, ags="14612000", valid_until__isnull=True)


@pytest.fixture
def leistung(db):
    from amtsweg.catalog.models import Leistung

    return Leistung.objects.filter(leika_key="99102013000000").order_by("pk").first()


@pytest.fixture
def answers():
    return copy.deepcopy(VALID_ANSWERS)


@pytest.fixture
def submit(version, dresden, leistung, answers):
    """Call ``submission_submit`` with valid defaults; keyword arguments override them."""
    from amtsweg.submissions.services import submission_submit

    def run(**overrides):
        arguments = {
            "version": version,
            "overlay": None,
            "answers": answers,
            "gemeinde": dresden,
            "leistung": leistung,
            "email": "erika@example.org",
            "attachments": (),
            "idempotency_key": f"draft-{uuid.uuid4()}",
        }
        arguments.update(overrides)
        return submission_submit(**arguments)

    return run


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Collector:
    """aiosmtpd handler that keeps every received message."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 with Django's SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller

    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield collector
    finally:
        controller.stop()


@pytest.fixture
def smtp_down(settings):
    """SMTP pointed at a closed port on 127.0.0.1 (connection refused)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()
    settings.EMAIL_TIMEOUT = 2
