"""Hub test fixtures: the submissions fixtures (Hundesteuer, Dresden), loaded rules, and fake adapters
registered only in tests (the real adapters are tested by their own suite)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from amtsweg.common import clock
from amtsweg.hub.adapters.base import DeliveryError, DeliveryResult
from amtsweg.hub.registry import adapter_registry
from amtsweg.submissions.tests.conftest import (  # noqa: F401 - fixtures
    answers,
    dresden,
    leistung,
    private_storage_dir,
    submit,
    version,
)


class Receiver:
    """A fake back office: dedups by idempotency key like the real receivers must."""

    def __init__(self):
        self.calls = []  # every deliver() call
        self.effects = {}  # idempotency key -> payload (the "second effect" check)
        self.fail_with: DeliveryError | None = None

    def accept(self, adapter, payload, config):
        self.calls.append((adapter.type_key, payload, config))
        if self.fail_with is not None:
            raise self.fail_with
        self.effects.setdefault(payload.idempotency_key, (adapter.type_key, payload))
        return DeliveryResult(remote_reference=f"ref-{len(self.effects)}")


@pytest.fixture
def receiver(monkeypatch):
    """Fake adapters for every system type plus "fake", all feeding one Receiver."""
    rec = Receiver()
    for type_key in ("fake", "http", "email", "filedrop", "sftp", "xdomea"):

        class Fake:
            label = f"Test ({type_key})"
            config_schema = {"type": "object"}

            def deliver(self, *, payload, config):
                return rec.accept(self, payload, config)

        Fake.type_key = type_key
        monkeypatch.setitem(adapter_registry._classes, type_key, Fake)
    return rec


@pytest.fixture
def rules(db):
    from amtsweg.hub.rules import rules_load

    return rules_load()


class Clock:
    def __init__(self, start):
        self.current = start

    def __call__(self):
        return self.current

    def advance(self, **kwargs):
        self.current += timedelta(**kwargs)


@pytest.fixture
def sim_clock(monkeypatch):
    fake = Clock(clock.now())
    monkeypatch.setattr(clock, "now", fake)
    return fake


@pytest.fixture
def dresden_authority(db):
    from amtsweg.directory.models import Authority

    return Authority.objects.get(key="gem-14612000")


@pytest.fixture
def target_factory(db):
    from amtsweg.hub.models import Routing, TargetSystem

    def make(*, authority, key="fv", type_key="http", for_leistung=None, wants_receipt=False, config=None):
        target = TargetSystem.objects.create(
            authority=authority,
            key=key,
            name=f"Ziel {key}",
            type_key=type_key,
            config=config or {"endpoint": "test"},
            wants_receipt=wants_receipt,
        )
        Routing.objects.create(authority=authority, leistung=for_leistung, target=target)
        return target

    return make


# --- Real local receivers for the adapter tests (adapter helper) ------------------------------------------
# Everything listens on 127.0.0.1 only; nothing leaves the machine.

RECEIVER_SECRET = "test-geheimnis-0123456789abcdef"


@pytest.fixture
def make_payload():
    """Builds an OutboundPayload with a receipt and two attachments; keyword overrides replace fields."""
    import hashlib
    import uuid

    from amtsweg.hub.adapters.base import Attachment, OutboundPayload

    def make(**overrides):
        attachments = overrides.pop("attachments", None)
        if attachments is None:
            attachments = tuple(
                Attachment(name=name, content_type=ctype, content=data, sha512=hashlib.sha512(data).hexdigest())
                for name, ctype, data in (
                    ("Meldebescheinigung.pdf", "application/pdf", b"%PDF-1.4\n% Anlage 1\n%%EOF\n"),
                    ("Foto Hund.jpg", "image/jpeg", b"\xff\xd8\xff\xe0 fake jpeg \xff\xd9"),
                )
            )
        fields = {
            "message_id": str(uuid.uuid4()),
            "delivery_id": str(uuid.uuid4()),
            "idempotency_key": f"dlv-{uuid.uuid4()}",
            "vorgangsnummer": "AW-2026-000042",
            "leika_key": "99108008000000",
            "ags": "14612000",
            "ars": "146120000000",
            "authority_key": "gem-14612000",
            "document": b'<?xml version="1.0" encoding="UTF-8"?>\n<antrag><leistung>Hundesteuer</leistung></antrag>\n',
            "document_content_type": "application/xml",
            "document_name": "antrag.xml",
            "receipt_pdf": b"%PDF-1.7\n% Eingangsquittung\n%%EOF\n",
            "attachments": attachments,
            "metadata": {
                "leistung_name": "Anmeldung eines Hundes zur Hundesteuer",
                "received_at": "2026-11-20T10:00:00Z",
            },
        }
        fields.update(overrides)
        return OutboundPayload(**fields)

    return make


@pytest.fixture
def fachverfahren_receiver(tmp_path):
    """Demo Fachverfahren over plain HTTP (HMAC-checked, durable idempotency store in tmp_path)."""
    from amtsweg.hub.receivers.fachverfahren import FachverfahrenReceiver

    rec = FachverfahrenReceiver(secret=RECEIVER_SECRET, store_path=tmp_path / "fachverfahren.sqlite3").start()
    yield rec
    rec.stop()


@pytest.fixture
def test_pki(tmp_path):
    """CA + server cert (127.0.0.1) + client cert, and a client cert from a foreign CA."""
    from amtsweg.hub.receivers.tls import make_test_pki

    return make_test_pki(tmp_path / "pki")


@pytest.fixture
def mtls_fachverfahren_receiver(tmp_path, test_pki):
    """Demo Fachverfahren over HTTPS that requires a client certificate signed by the test CA."""
    from amtsweg.hub.receivers.fachverfahren import FachverfahrenReceiver, server_ssl_context

    context = server_ssl_context(
        cert=str(test_pki.server_cert), key=str(test_pki.server_key), client_ca=str(test_pki.ca_cert)
    )
    rec = FachverfahrenReceiver(
        secret=RECEIVER_SECRET, store_path=tmp_path / "fachverfahren-mtls.sqlite3", ssl_context=context
    ).start()
    yield rec
    rec.stop()


@pytest.fixture
def smtp_mailbox():
    """A real aiosmtpd server on loopback; ``.received`` and ``.unique`` (by Message-ID)."""
    from amtsweg.hub.receivers.mailbox import LocalMailbox

    box = LocalMailbox().start()
    yield box
    box.stop()


@pytest.fixture
def sftp_server(tmp_path):
    """Debian's OpenSSH sshd on a free loopback port (key auth as the current user, files in tmp_path)."""
    from amtsweg.hub.receivers.sftpd import OpenSshSftpServer, sshd_path

    if not sshd_path():
        pytest.skip("sshd fehlt: Debian-Paket openssh-server installieren (./dev test tut das)")
    server = OpenSshSftpServer(tmp_path / "sshd").start()
    yield server
    server.stop()


@pytest.fixture
def drop_dir(tmp_path):
    """An empty target directory for the file-drop and xdomea adapters."""
    path = tmp_path / "ablage"
    path.mkdir()
    return path
