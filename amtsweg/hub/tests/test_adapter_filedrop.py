"""File-drop adapter against a real temporary directory."""

from __future__ import annotations

import hashlib
import json

import pytest

from amtsweg.hub.adapters.base import Attachment, DeliveryError
from amtsweg.hub.adapters.filedrop import FileDropAdapter, safe_name
from amtsweg.hub.registry import adapter_registry


def _deliver(payload, directory, **config):
    return adapter_registry.get("filedrop").deliver(payload=payload, config={"directory": str(directory), **config})


def _all_files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_registered_with_schema():
    assert adapter_registry.get("filedrop").__class__ is FileDropAdapter
    assert FileDropAdapter.config_schema["required"] == ["directory"]


def test_writes_document_receipt_attachments_and_manifest(drop_dir, make_payload):
    payload = make_payload()
    result = _deliver(payload, drop_dir)
    folder = drop_dir / "AW-2026-000042"
    assert result.remote_reference == str(folder)
    assert _all_files(drop_dir) == [
        "AW-2026-000042/anlagen/Foto_Hund.jpg",
        "AW-2026-000042/anlagen/Meldebescheinigung.pdf",
        "AW-2026-000042/antrag.xml",
        "AW-2026-000042/manifest.json",
        "AW-2026-000042/quittung.pdf",
    ]
    assert (folder / "antrag.xml").read_bytes() == payload.document
    assert (folder / "quittung.pdf").read_bytes() == payload.receipt_pdf
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["idempotency_key"] == payload.idempotency_key
    assert manifest["vorgangsnummer"] == "AW-2026-000042"
    roles = {entry["path"]: entry["role"] for entry in manifest["files"]}
    assert roles == {
        "antrag.xml": "document",
        "quittung.pdf": "receipt",
        "anlagen/Meldebescheinigung.pdf": "attachment",
        "anlagen/Foto_Hund.jpg": "attachment",
    }
    for entry in manifest["files"]:
        content = (folder / entry["path"]).read_bytes()
        assert entry["sha512"] == hashlib.sha512(content).hexdigest()
        assert entry["size"] == len(content)


def test_repeat_finds_the_manifest_and_does_nothing(drop_dir, make_payload):
    payload = make_payload()
    _deliver(payload, drop_dir)
    manifest_before = (drop_dir / "AW-2026-000042" / "manifest.json").read_bytes()
    (drop_dir / "AW-2026-000042" / "antrag.xml").write_bytes(b"vom Empfaenger bearbeitet")
    result = _deliver(payload, drop_dir)
    assert "bereits zugestellt" in result.detail
    assert (drop_dir / "AW-2026-000042" / "manifest.json").read_bytes() == manifest_before
    assert (drop_dir / "AW-2026-000042" / "antrag.xml").read_bytes() == b"vom Empfaenger bearbeitet"


def test_crashed_attempt_is_completed_and_temp_files_removed(drop_dir, make_payload):
    payload = make_payload()
    folder = drop_dir / "AW-2026-000042"
    folder.mkdir()
    (folder / "antrag.xml").write_bytes(b"halb")
    (folder / ".quittung.pdf.tmp-abc123").write_bytes(b"abgebrochen")
    _deliver(payload, drop_dir)
    assert (folder / "antrag.xml").read_bytes() == payload.document
    assert not list(folder.glob(".*"))
    assert (folder / "manifest.json").exists()


def test_same_folder_with_another_key_is_refused(drop_dir, make_payload):
    _deliver(make_payload(), drop_dir)
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(), drop_dir)
    assert excinfo.value.retryable is False


def test_hostile_names_stay_inside_the_folder(drop_dir, make_payload):
    evil = [
        Attachment(name, "text/plain", b"x", hashlib.sha512(b"x").hexdigest())
        for name in ("../../boese.txt", "/etc/passwd", "..", "a.txt", "a.txt")
    ]
    payload = make_payload(vorgangsnummer="../AW-1", document_name="../manifest.json", attachments=tuple(evil))
    _deliver(payload, drop_dir)
    files = _all_files(drop_dir)
    assert all(f.startswith("AW-1/") for f in files)
    assert "AW-1/anlagen/a.txt" in files and "AW-1/anlagen/a-2.txt" in files
    assert "AW-1/daten-manifest.json" in files
    assert safe_name("..") == "datei"


def test_attachment_with_wrong_hash_is_not_delivered(drop_dir, make_payload):
    broken = Attachment("x.pdf", "application/pdf", b"veraendert", hashlib.sha512(b"original").hexdigest())
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(attachments=(broken,)), drop_dir)
    assert excinfo.value.retryable is False
    assert _all_files(drop_dir) == []


def test_relative_directory_is_a_configuration_error(make_payload):
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(), "relativ/ablage")
    assert excinfo.value.retryable is False


def test_missing_directory_without_create_is_refused(tmp_path, make_payload):
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(), tmp_path / "fehlt", create_directory=False)
    assert excinfo.value.retryable is False


def test_target_path_blocked_by_a_file_is_reported(drop_dir, make_payload):
    (drop_dir / "AW-2026-000042").write_text("eine Datei, kein Ordner")
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(), drop_dir)
    assert "Ablage im Zielordner fehlgeschlagen" in excinfo.value.reason
