"""The transaction log: chain verification, tamper detection, scrubbing, linear appends."""

import io
import os
import subprocess
import sys
import threading

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

from amtsweg.audit.models import AuditEntry
from amtsweg.audit.services import GENESIS_HASH, audit_record, audit_verify, detail_scrub

pytestmark = pytest.mark.django_db


def _chain(n=5):
    return [
        audit_record(event="sent", message_id=f"m-{i}", delivery_id=f"d-{i}", detail={"attempt": i, "http_status": 200})
        for i in range(n)
    ]


def test_chain_links_and_verifies():
    entries = _chain(4)
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    result = audit_verify()
    assert result.ok and result.checked == 4 and result.first_bad_seq is None
    assert result.head_seq == 4 and result.head_hash == entries[-1].hash


def test_empty_log_verifies():
    result = audit_verify()
    assert result.ok and result.checked == 0


@pytest.mark.parametrize(
    "change",
    [
        {"detail": {"attempt": 99, "http_status": 200}},
        {"event": "failed"},
        {"message_id": "m-x"},
        {"actor": "admin"},
    ],
)
def test_modified_entry_is_detected(change):
    _chain(5)
    AuditEntry.objects.filter(seq=3).update(**change)
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq == 3 and result.checked == 2
    assert "verändert" in result.reason


def test_rehashed_entry_breaks_the_next_link():
    # An attacker who also recomputes the entry's own hash still breaks its successor's prev_hash.
    from amtsweg.audit.services import entry_hash

    _chain(4)
    entry = AuditEntry.objects.get(seq=2)
    entry.detail = {"attempt": 7}
    entry.hash = entry_hash(
        prev_hash=entry.prev_hash,
        seq=entry.seq,
        at=entry.at,
        event=entry.event,
        message_id=entry.message_id,
        delivery_id=entry.delivery_id,
        actor=entry.actor,
        detail=entry.detail,
    )
    entry.save()
    result = audit_verify()
    assert not result.ok and result.first_bad_seq == 3 and "Verkettung" in result.reason


def test_deleted_entry_is_detected():
    _chain(5)
    AuditEntry.objects.filter(seq=2).delete()
    result = audit_verify()
    assert not result.ok and result.first_bad_seq == 2 and "fehlt" in result.reason


def test_truncation_is_detected_with_an_anchor():
    entries = _chain(5)
    anchor = (entries[-1].seq, entries[-1].hash)
    assert audit_verify(anchor_seq=anchor[0], anchor_hash=anchor[1]).ok
    AuditEntry.objects.filter(seq__gte=4).delete()
    assert audit_verify().ok  # without an anchor a cut-off tail looks like a shorter log
    result = audit_verify(anchor_seq=anchor[0], anchor_hash=anchor[1])
    assert not result.ok and "gekürzt" in result.reason


def test_command_exit_codes_and_german_output():
    _chain(3)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "in Ordnung: 3 Einträge" in out.getvalue()
    AuditEntry.objects.filter(seq=2).update(detail={"attempt": 1000})
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit_verify", stderr=err)
    assert exit_info.value.code == 1
    assert "MANIPULIERT" in err.getvalue() and "Nr. 2" in err.getvalue()


def test_detail_keeps_only_whitelisted_keys_and_scrubs_values():
    clean = detail_scrub(
        {
            "name": "Erika Mustermann",
            "email": "erika@example.org",
            "iban": "DE89370400440532013000",
            "reason": (
                "Zustellung an erika@example.org fehlgeschlagen; IBAN DE89 3704 0044 0532 0130 00, Tel. +49 351 1234567"
            ),
            "http_status": 503,
            "nested": {"vorname": "Erika"},
            "vorgangsnummer": "AW-2026-7K3QX9PM",
            "next_attempt_at": "2026-11-22T21:00:22+00:00",
        }
    )
    assert set(clean) == {"reason", "http_status", "vorgangsnummer", "next_attempt_at", "dropped_keys"}
    assert clean["dropped_keys"] == 4
    text = str(clean)
    for personal in ("Erika", "erika@example.org", "DE89", "1234567"):
        assert personal not in text
    assert "[E-Mail entfernt]" in clean["reason"] and "[IBAN entfernt]" in clean["reason"]
    assert clean["vorgangsnummer"] == "AW-2026-7K3QX9PM"
    assert clean["next_attempt_at"] == "2026-11-22T21:00:22+00:00"


def test_record_stores_scrubbed_detail_and_long_text_is_cut():
    entry = audit_record(event="failed", message_id="m", detail={"error": "x" * 5000, "vorname": "Erika"})
    entry.refresh_from_db()
    assert "vorname" not in entry.detail and len(entry.detail["error"]) <= 300
    assert audit_verify().ok


def test_bad_event_is_refused():
    with pytest.raises(ValueError):
        audit_record(event="Drop Table;", message_id="m")


def _append_concurrently(threads: int, per_thread: int) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def work(worker: int):
        try:
            barrier.wait()
            for i in range(per_thread):
                audit_record(event="sent", message_id=f"w{worker}-{i}", detail={"attempt": i})
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return errors


def test_concurrent_writer_processes_keep_one_linear_chain(tmp_path):
    """Three worker-like processes append at once to one SQLite file: one chain, no gaps, no forks."""
    env = {**os.environ, "AMTSWEG_MODE": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'audit.sqlite3'}"}
    run = [sys.executable, "-m", "amtsweg.audit.tests.chain_writer"]
    subprocess.run([*run, "migrate"], env=env, check=True, cwd=settings.BASE_DIR)
    writers = [subprocess.Popen([*run, "append", "25"], env=env, cwd=settings.BASE_DIR) for _ in range(3)]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0, 0]
    verify = subprocess.run(
        [*run, "verify"], env=env, check=True, cwd=settings.BASE_DIR, capture_output=True, text=True
    )
    assert verify.stdout.split() == ["True", "75"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, available_apps=["amtsweg.audit"])
def test_concurrent_appends_stay_linear_on_postgresql():
    assert connection.vendor == "postgresql"
    errors = _append_concurrently(threads=8, per_thread=25)
    assert errors == []
    assert AuditEntry.objects.count() == 200
    assert audit_verify().ok


def test_entry_hash_is_pinned():
    """The chain hashes over the shared canonical JSON (amtsweg.common.canonical); existing chains must keep
    verifying, so the hash of a fixed entry (umlauts and a float in the detail) may never change."""
    from datetime import UTC, datetime

    from amtsweg.audit.services import entry_hash

    digest = entry_hash(
        prev_hash=GENESIS_HASH,
        seq=7,
        at=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        event="message.received",
        message_id="m-1",
        delivery_id="",
        actor="system",
        detail={"grund": "Prüfung", "n": 2.5},
    )
    assert digest == "c259a326cbac18dd7c48045079a2fb5ce36fba94fb60cb4a5f538342f0c39fce"
