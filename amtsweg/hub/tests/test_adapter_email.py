"""E-mail adapter against a real local SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import pytest

from amtsweg.hub.adapters.base import DeliveryError
from amtsweg.hub.adapters.email import EmailAdapter, message_id
from amtsweg.hub.registry import adapter_registry


def _config(mailbox, **overrides):
    return {
        "host": mailbox.host,
        "port": mailbox.port,
        "use_tls": False,
        "timeout": 5,
        "from_email": "integrationsdienst@amtsweg.example",
        "to": ["poststelle@dresden.example", "hundesteuer@dresden.example"],
        **overrides,
    }


def _deliver(payload, config):
    return adapter_registry.get("email").deliver(payload=payload, config=config)


def test_registered_with_schema():
    assert adapter_registry.get("email").__class__ is EmailAdapter
    assert set(EmailAdapter.config_schema["required"]) == {"host", "from_email", "to"}


def test_mail_with_receipt_and_data_file(smtp_mailbox, make_payload):
    payload = make_payload()
    result = _deliver(payload, _config(smtp_mailbox))
    [mail] = smtp_mailbox.received
    message = mail.message
    assert sorted(mail.envelope_to) == ["hundesteuer@dresden.example", "poststelle@dresden.example"]
    assert mail.envelope_from == "integrationsdienst@amtsweg.example"
    assert "AW-2026-000042" in message["Subject"]
    assert "Anmeldung eines Hundes zur Hundesteuer" in message["Subject"]
    assert message["X-Amtsweg-Idempotency-Key"] == payload.idempotency_key
    assert message["Message-ID"] == result.remote_reference
    assert message["Message-ID"].endswith("@amtsweg.example>")
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Vorgangsnummer: AW-2026-000042" in body
    assert "Eingangsquittung" in body
    attachments = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert attachments == {
        "antrag.xml": payload.document,
        "Quittung_AW-2026-000042.pdf": payload.receipt_pdf,
        "Meldebescheinigung.pdf": payload.attachments[0].content,
        "Foto_Hund.jpg": payload.attachments[1].content,
    }


def test_repeat_carries_the_same_message_id_so_the_mailbox_keeps_one(smtp_mailbox, make_payload):
    payload = make_payload()
    first = _deliver(payload, _config(smtp_mailbox))
    second = _deliver(payload, _config(smtp_mailbox))
    assert first.remote_reference == second.remote_reference
    assert len(smtp_mailbox.received) == 2  # SMTP itself cannot dedup ...
    assert list(smtp_mailbox.unique) == [first.remote_reference]  # ... the mailbox does, by Message-ID


def test_message_id_is_stable_and_differs_per_key():
    assert message_id(idempotency_key="a", domain="x.example") == message_id(idempotency_key="a", domain="x.example")
    assert message_id(idempotency_key="a", domain="x.example") != message_id(idempotency_key="b", domain="x.example")


def test_temporary_rejection_is_retryable(smtp_mailbox, make_payload):
    smtp_mailbox.fail_next(1, code=451)
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(), _config(smtp_mailbox))
    assert excinfo.value.retryable is True
    assert "451" in excinfo.value.reason


def test_permanent_rejection_is_not_retryable(smtp_mailbox, make_payload):
    smtp_mailbox.fail_next(1, code=554)
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(), _config(smtp_mailbox))
    assert excinfo.value.retryable is False
    assert smtp_mailbox.received == []


def test_unknown_recipient_is_not_retryable(smtp_mailbox, make_payload):
    smtp_mailbox.handler.reject_recipients = {"poststelle@dresden.example", "hundesteuer@dresden.example"}
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(), _config(smtp_mailbox))
    assert excinfo.value.retryable is False
    assert "550" in excinfo.value.reason


def test_server_down_is_retryable(smtp_mailbox, make_payload):
    smtp_mailbox.stop()
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(), _config(smtp_mailbox))
    assert excinfo.value.retryable is True


def test_without_receipt_or_attachments(smtp_mailbox, make_payload):
    _deliver(make_payload(receipt_pdf=None, attachments=()), _config(smtp_mailbox))
    [mail] = smtp_mailbox.received
    assert [part.get_filename() for part in mail.message.iter_attachments()] == ["antrag.xml"]
