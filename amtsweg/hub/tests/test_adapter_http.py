"""HTTP adapter against the real demo Fachverfahren on 127.0.0.1 (plain HTTP and mutual TLS)."""

from __future__ import annotations

import email
import json
from email import policy

import pytest

from amtsweg.hub.adapters.base import DeliveryError
from amtsweg.hub.adapters.http import HttpAdapter, build_request, sign
from amtsweg.hub.receivers.fachverfahren import FachverfahrenReceiver, expected_signature
from amtsweg.hub.registry import adapter_registry
from amtsweg.hub.tests.conftest import RECEIVER_SECRET


def _config(receiver, **overrides):
    return {"url": receiver.url, "secret": RECEIVER_SECRET, "timeout": 5, **overrides}


def _deliver(payload, config):
    return adapter_registry.get("http").deliver(payload=payload, config=config)


def test_registered_with_schema():
    assert adapter_registry.get("http").__class__ is HttpAdapter
    assert set(HttpAdapter.config_schema["required"]) == {"url", "secret"}


def test_json_body_is_delivered_with_headers(fachverfahren_receiver, make_payload):
    payload = make_payload(document=b'{"leistung": "Hundesteuer"}', document_content_type="application/json")
    result = _deliver(payload, _config(fachverfahren_receiver))
    assert result.remote_reference == "FV-000001"
    [row] = fachverfahren_receiver.accepted()
    assert row["idempotency_key"] == payload.idempotency_key
    assert row["message_id"] == payload.message_id
    assert row["vorgangsnummer"] == "AW-2026-000042"
    assert row["content_type"] == "application/json"
    assert fachverfahren_receiver.body(payload.idempotency_key) == payload.document


def test_xml_body_is_delivered(fachverfahren_receiver, make_payload):
    payload = make_payload()
    _deliver(payload, _config(fachverfahren_receiver))
    assert fachverfahren_receiver.accepted()[0]["content_type"] == "application/xml"
    assert fachverfahren_receiver.body(payload.idempotency_key).startswith(b"<?xml")


def test_repeat_has_one_effect_and_counts_as_delivered(fachverfahren_receiver, make_payload):
    payload = make_payload()
    first = _deliver(payload, _config(fachverfahren_receiver))
    second = _deliver(payload, _config(fachverfahren_receiver))
    assert second.remote_reference == first.remote_reference
    assert "409" in second.detail
    assert len(fachverfahren_receiver.accepted()) == 1


def test_receiver_remembers_keys_across_restart(tmp_path, make_payload):
    payload = make_payload()
    store = tmp_path / "fv.sqlite3"
    with FachverfahrenReceiver(secret=RECEIVER_SECRET, store_path=store) as first_run:
        ref = _deliver(payload, _config(first_run)).remote_reference
    with FachverfahrenReceiver(secret=RECEIVER_SECRET, store_path=store) as second_run:
        again = _deliver(payload, _config(second_run))
        assert again.remote_reference == ref
        assert len(second_run.accepted()) == 1


def test_signature_scheme_matches_the_receivers_independent_check():
    body = b'{"a": 1}'
    assert sign(secret="s" * 16, timestamp="1700000000", body=body) == expected_signature(
        secret="s" * 16, timestamp="1700000000", body=body
    )
    # The timestamp is part of the signed string.
    assert sign(secret="s" * 16, timestamp="1700000001", body=body) != sign(
        secret="s" * 16, timestamp="1700000000", body=body
    )


def test_request_headers(make_payload):
    payload = make_payload()
    body, headers = build_request(
        payload=payload, config={"url": "http://x", "secret": RECEIVER_SECRET}, now=1700000000
    )
    assert headers["Idempotency-Key"] == payload.idempotency_key
    assert headers["X-Amtsweg-Message-Id"] == payload.message_id
    assert headers["X-Amtsweg-Vorgangsnummer"] == payload.vorgangsnummer
    assert headers["X-Amtsweg-Timestamp"] == "1700000000"
    assert headers["X-Amtsweg-Signature"] == sign(secret=RECEIVER_SECRET, timestamp="1700000000", body=body)


def test_wrong_secret_is_rejected_by_receiver_and_not_retried(fachverfahren_receiver, make_payload):
    config = _config(fachverfahren_receiver, secret="ein-ganz-anderes-geheimnis")
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(), config)
    assert excinfo.value.retryable is False
    assert "401" in excinfo.value.reason
    assert fachverfahren_receiver.rejected_signatures == 1
    assert fachverfahren_receiver.accepted() == []


@pytest.mark.parametrize(("status", "retryable"), [(503, True), (500, True), (429, True), (408, True), (400, False)])
def test_status_classification(fachverfahren_receiver, make_payload, status, retryable):
    fachverfahren_receiver.fail_next(1, status=status)
    payload = make_payload()
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(payload, _config(fachverfahren_receiver))
    assert excinfo.value.retryable is retryable
    assert str(status) in excinfo.value.reason
    # The next attempt gets through.
    assert _deliver(payload, _config(fachverfahren_receiver)).remote_reference == "FV-000001"


def test_unknown_path_is_permanent(fachverfahren_receiver, make_payload):
    config = _config(fachverfahren_receiver, url=fachverfahren_receiver.url.replace("/antraege", "/unbekannt"))
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(), config)
    assert excinfo.value.retryable is False
    assert "404" in excinfo.value.reason
    assert fachverfahren_receiver.accepted() == []


def test_missing_idempotency_key_is_permanent(fachverfahren_receiver, make_payload):
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(idempotency_key=""), _config(fachverfahren_receiver))
    assert excinfo.value.retryable is False
    assert "400" in excinfo.value.reason


def test_receiver_down_is_retryable_then_delivered_after_recovery(fachverfahren_receiver, make_payload):
    payload = make_payload()
    fachverfahren_receiver.stop()
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(payload, _config(fachverfahren_receiver))
    assert excinfo.value.retryable is True
    fachverfahren_receiver.start()
    assert _deliver(payload, _config(fachverfahren_receiver)).remote_reference == "FV-000001"


def test_timeout_is_retryable_and_the_retry_has_no_second_effect(fachverfahren_receiver, make_payload):
    payload = make_payload()
    fachverfahren_receiver.hang_next(1, seconds=1.5)
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(payload, _config(fachverfahren_receiver, timeout=0.3))
    assert excinfo.value.retryable is True
    assert "Zeitüberschreitung" in excinfo.value.reason
    # The receiver still processes the timed-out request; whichever request wins, there is one effect.
    result = _deliver(payload, _config(fachverfahren_receiver))
    assert result.remote_reference == "FV-000001"
    assert len(fachverfahren_receiver.accepted()) == 1


def test_multipart_carries_document_receipt_and_attachments(fachverfahren_receiver, make_payload):
    payload = make_payload()
    _deliver(payload, _config(fachverfahren_receiver, mode="multipart"))
    [row] = fachverfahren_receiver.accepted()
    assert row["content_type"].startswith("multipart/form-data; boundary=")
    raw = fachverfahren_receiver.body(payload.idempotency_key)
    message = email.message_from_bytes(
        f"Content-Type: {row['content_type']}\r\n\r\n".encode() + raw, policy=policy.default
    )
    parts = {(p.get_param("name", header="content-disposition"), p.get_filename()): p for p in message.iter_parts()}
    assert set(parts) == {
        ("metadata", "metadata.json"),
        ("document", "antrag.xml"),
        ("receipt", "quittung.pdf"),
        ("attachment", "Meldebescheinigung.pdf"),
        ("attachment", "Foto_Hund.jpg"),
    }
    assert parts[("document", "antrag.xml")].get_content() == payload.document
    assert parts[("receipt", "quittung.pdf")].get_content() == payload.receipt_pdf
    metadata = json.loads(parts[("metadata", "metadata.json")].get_content())
    assert metadata["vorgangsnummer"] == payload.vorgangsnummer


def test_client_certificate_is_required_and_accepted(mtls_fachverfahren_receiver, test_pki, make_payload):
    config = _config(
        mtls_fachverfahren_receiver,
        ca_file=str(test_pki.ca_cert),
        client_cert=str(test_pki.client_cert),
        client_key=str(test_pki.client_key),
    )
    result = _deliver(make_payload(), config)
    assert result.remote_reference == "FV-000001"
    assert "commonName=Integrationsdienst" in mtls_fachverfahren_receiver.accepted()[0]["client_subject"]


def test_without_client_certificate_the_server_refuses(mtls_fachverfahren_receiver, test_pki, make_payload):
    config = _config(mtls_fachverfahren_receiver, ca_file=str(test_pki.ca_cert))
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(), config)
    assert excinfo.value.retryable is True  # a transport failure: retried, then dead-letter with the reason
    assert mtls_fachverfahren_receiver.accepted() == []


def test_client_certificate_from_foreign_ca_is_refused(mtls_fachverfahren_receiver, test_pki, make_payload):
    config = _config(
        mtls_fachverfahren_receiver,
        ca_file=str(test_pki.ca_cert),
        client_cert=str(test_pki.other_client_cert),
        client_key=str(test_pki.other_client_key),
    )
    with pytest.raises(DeliveryError):
        _deliver(make_payload(), config)
    assert mtls_fachverfahren_receiver.accepted() == []


def test_server_certificate_is_verified(mtls_fachverfahren_receiver, test_pki, make_payload):
    # Without our test CA the server's certificate is untrusted.
    config = _config(
        mtls_fachverfahren_receiver, client_cert=str(test_pki.client_cert), client_key=str(test_pki.client_key)
    )
    with pytest.raises(DeliveryError):
        _deliver(make_payload(), config)
    assert mtls_fachverfahren_receiver.accepted() == []


def test_missing_certificate_file_is_a_configuration_error(mtls_fachverfahren_receiver, tmp_path, make_payload):
    config = _config(mtls_fachverfahren_receiver, client_cert=str(tmp_path / "fehlt.pem"))
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(), config)
    assert excinfo.value.retryable is False
