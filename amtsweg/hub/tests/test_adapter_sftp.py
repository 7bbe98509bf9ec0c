"""SFTP adapter against a real OpenSSH sshd on 127.0.0.1 (skipped only if sshd is not installed)."""

from __future__ import annotations

import hashlib
import json

import pytest

from amtsweg.hub.adapters.base import DeliveryError
from amtsweg.hub.adapters.sftp import SftpAdapter, parse_host_key
from amtsweg.hub.receivers.sftpd import generate_ed25519
from amtsweg.hub.registry import adapter_registry


def _deliver(payload, config):
    return adapter_registry.get("sftp").deliver(payload=payload, config=config)


def test_registered_with_schema():
    assert adapter_registry.get("sftp").__class__ is SftpAdapter
    assert set(SftpAdapter.config_schema["required"]) == {"host", "username", "host_key"}


def test_upload_with_manifest(sftp_server, make_payload):
    payload = make_payload()
    result = _deliver(payload, sftp_server.config())
    folder = sftp_server.root / "AW-2026-000042"
    assert result.remote_reference.endswith(str(folder))
    assert (folder / "antrag.xml").read_bytes() == payload.document
    assert (folder / "quittung.pdf").read_bytes() == payload.receipt_pdf
    assert (folder / "anlagen" / "Foto_Hund.jpg").read_bytes() == payload.attachments[1].content
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["idempotency_key"] == payload.idempotency_key
    for entry in manifest["files"]:
        assert entry["sha512"] == hashlib.sha512((folder / entry["path"]).read_bytes()).hexdigest()
    assert not list(folder.rglob(".*"))  # no temp files left
    assert "Accepted publickey" in sftp_server.log_text()


def test_repeat_does_nothing(sftp_server, make_payload):
    payload = make_payload()
    _deliver(payload, sftp_server.config())
    manifest = sftp_server.root / "AW-2026-000042" / "manifest.json"
    before = manifest.read_bytes()
    result = _deliver(payload, sftp_server.config())
    assert "bereits zugestellt" in result.detail
    assert manifest.read_bytes() == before


def test_creates_missing_remote_directories(sftp_server, make_payload):
    target = sftp_server.root / "neu" / "tiefer"
    _deliver(make_payload(), sftp_server.config(directory=str(target)))
    assert (target / "AW-2026-000042" / "manifest.json").exists()


def test_unknown_host_key_is_refused_before_login(sftp_server, make_payload):
    _, other_host_key = generate_ed25519()
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(), sftp_server.config(host_key=other_host_key))
    assert excinfo.value.retryable is False
    assert "Host-Schlüssel" in excinfo.value.reason
    assert not (sftp_server.root / "AW-2026-000042").exists()
    assert "Accepted publickey" not in sftp_server.log_text()  # no credentials were offered


def test_known_hosts_line_is_accepted(sftp_server, make_payload):
    line = f"[127.0.0.1]:{sftp_server.port} {sftp_server.host_key_line}"
    _deliver(make_payload(), sftp_server.config(host_key=line))
    assert (sftp_server.root / "AW-2026-000042" / "manifest.json").exists()


def test_private_key_from_file(sftp_server, make_payload):
    config = sftp_server.config(private_key_path=str(sftp_server.client_key_path))
    del config["private_key"]
    _deliver(make_payload(), config)
    assert (sftp_server.root / "AW-2026-000042" / "manifest.json").exists()


def test_wrong_client_key_is_not_retryable(sftp_server, make_payload):
    other_private, _ = generate_ed25519()
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(), sftp_server.config(private_key=other_private))
    assert excinfo.value.retryable is False
    assert "Anmeldung" in excinfo.value.reason


def test_wrong_password_is_not_retryable(sftp_server, make_payload):
    config = sftp_server.config(password="falsch")
    del config["private_key"]
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(), config)
    assert excinfo.value.retryable is False


def test_server_down_is_retryable(sftp_server, make_payload):
    config = sftp_server.config()
    sftp_server.stop()
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(), config)
    assert excinfo.value.retryable is True


def test_invalid_host_key_config():
    with pytest.raises(DeliveryError) as excinfo:
        parse_host_key("kein schlüssel")
    assert excinfo.value.retryable is False
