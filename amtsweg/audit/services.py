"""Writes and checks of the transaction log (hash chain).

Why a chain: each entry's ``hash`` is SHA-256 over the previous entry's hash and the canonical JSON
of the entry itself, so editing any field, deleting an entry in the middle or reordering entries
is detected by ``audit_verify``. Cutting off the newest entries is only detected against an anchor
(a sequence number and hash noted elsewhere, e.g. in the operations log); ``audit_verify`` accepts one.

Appends are serialised so the chain stays linear with several workers: on PostgreSQL a
transaction-scoped advisory lock (held until the surrounding transaction ends, so it also covers
an empty table, where there is no last row to ``SELECT … FOR UPDATE``); on SQLite the platform
opens every transaction with ``BEGIN IMMEDIATE`` (settings), which already admits one writer at a
time. The unique ``seq`` is the last line of defence: a lost race fails loudly instead of forking.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from amtsweg.audit.models import AuditEntry
from amtsweg.common.canonical import canonical_json

GENESIS_HASH = "0" * 64
# Arbitrary constant key for pg_advisory_xact_lock ("AUDT").
_PG_LOCK_KEY = 0x41554454
_EVENT_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

# Detail keys that may be logged. Everything else is dropped: the log must never hold personal
# data, and a whitelist cannot be bypassed by a caller inventing a new key such as ``"name"``.
DETAIL_KEYS = frozenset(
    {
        "status",
        "previous_status",
        "attempt",
        "attempts",
        "max_attempts",
        "retryable",
        "next_attempt_at",
        "reason",
        "error",
        "target",
        "target_id",
        "target_type",
        "type_key",
        "adapter",
        "rule",
        "rule_key",
        "rule_version",
        "transform_kind",
        "schema_kind",
        "valid",
        "remote_reference",
        "http_status",
        "duration_ms",
        "source",
        "leika_key",
        "ags",
        "ars",
        "authority_key",
        "vorgangsnummer",
        "form_version",
        "kind",
        "api_client",
        "api_client_id",
        "idempotent_replay",
        "deliveries",
        "count",
        "size",
        "bytes",
        "sha512",
        "sha256",
        "data_sha512",
        "attachments",
        "content_type",
        "due_date",
        "documents_requested_count",
        "dry_run",
        "version",
        "outcome",
        "previous_error",
        # Who triggered an admin action (user id), when passed in detail rather than as ``actor``.
        "actor",
        # The case worker a Vorgang was assigned to (user id; inbox).
        "assignee_id",
    }
)
# Free-text values are cut to this length: enough for a readable reason, too little for a document.
MAX_TEXT = 300
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# IBAN: country code, check digits, 11–30 alphanumerics, optionally grouped by spaces.
_IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")
# Phone numbers and similar long digit runs (Vorgangsnummern and hashes are not affected: they
# contain letters or are hex in their own keys).
_PHONE_RE = re.compile(r"(?<![\w-])\+?\d[\d /()-]{8,}\d(?![\w-])")


def scrub_text(value: str) -> str:
    """``value`` with e-mail addresses, IBANs and phone numbers replaced, cut to MAX_TEXT characters."""
    value = _EMAIL_RE.sub("[E-Mail entfernt]", value)
    value = _IBAN_RE.sub("[IBAN entfernt]", value)
    value = _PHONE_RE.sub("[Nummer entfernt]", value)
    if len(value) > MAX_TEXT:
        value = value[: MAX_TEXT - 1] + "…"
    return value


def _scrub_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, list | tuple):
        # Lists of scalars only (e.g. attachment hashes); nested objects could smuggle anything in.
        return [_scrub_value(item) for item in value[:50] if not isinstance(item, dict | list | tuple)]
    if isinstance(value, datetime):
        return value.isoformat()
    return scrub_text(str(value))


def detail_scrub(detail: dict | None) -> dict:
    """Only whitelisted keys (DETAIL_KEYS), with scalar values scrubbed of personal-data patterns."""
    if not detail:
        return {}
    clean = {key: _scrub_value(value) for key, value in detail.items() if key in DETAIL_KEYS and value is not None}
    dropped = sum(1 for key in detail if key not in DETAIL_KEYS)
    if dropped:
        clean["dropped_keys"] = dropped
    return clean


def _at_text(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    *, prev_hash: str, seq: int, at: datetime, event: str, message_id: str, delivery_id: str, actor: str, detail: dict
) -> str:
    body = canonical_json(
        {
            "seq": seq,
            "at": _at_text(at),
            "event": event,
            "message_id": message_id,
            "delivery_id": delivery_id,
            "actor": actor,
            "detail": detail,
        }
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def audit_record(
    *,
    event: str,
    message_id: Any = "",
    delivery_id: Any = None,
    actor: str = "system",
    detail: dict | None = None,
) -> AuditEntry:
    """Append one entry to the chain (inside the caller's transaction, if any) and return it.

    ``detail`` is reduced to whitelisted keys and scrubbed (``detail_scrub``); ids may be UUIDs.
    """
    return audit_record_many(
        entries=[
            {"event": event, "message_id": message_id, "delivery_id": delivery_id, "actor": actor, "detail": detail}
        ]
    )[0]


def _entry_prepare(*, event: str, message_id: Any = "", delivery_id: Any = None, actor: str = "system", detail=None):
    if not _EVENT_RE.match(event or ""):
        raise ValueError(f"Unknown audit event format: {event!r}")
    # Round-trip through JSON so the hash is computed over exactly what the database returns.
    clean = json.loads(canonical_json(detail_scrub(detail)))
    return {
        "event": event,
        "message_id": str(message_id or ""),
        "delivery_id": str(delivery_id or ""),
        "actor": scrub_text(str(actor or "system"))[:100],
        "detail": clean,
    }


def audit_record_many(*, entries: list[dict]) -> list[AuditEntry]:
    """Append several entries (dicts with the keyword arguments of ``audit_record``) in order, under one
    chain lock and with one INSERT.

    Everything that does not need the lock (scrubbing, JSON) happens before taking it. Callers that
    write business rows in the same transaction should call this LAST: on PostgreSQL the chain lock is
    held until commit, so whatever follows it in the transaction serialises all writers.
    """
    prepared = [_entry_prepare(**entry) for entry in entries]
    if not prepared:
        return []
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.order_by("-seq").only("seq", "hash").first()
        seq = last.seq if last else 0
        prev_hash = last.hash if last else GENESIS_HASH
        at = timezone.now()
        created = []
        for item in prepared:
            seq += 1
            entry = AuditEntry(seq=seq, at=at, prev_hash=prev_hash, **item)
            entry.hash = entry_hash(prev_hash=prev_hash, seq=seq, at=at, **item)
            prev_hash = entry.hash
            created.append(entry)
        AuditEntry.objects.bulk_create(created)
    return created


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    head_seq: int | None = None
    head_hash: str = ""


def audit_verify(*, anchor_seq: int | None = None, anchor_hash: str = "") -> VerifyResult:
    """Recompute the whole chain; the first inconsistency is reported with a German reason.

    With an anchor (a seq and the hash noted for it earlier), also detects that entries up to and
    including that seq were cut off or rewritten wholesale.
    """
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    anchor_seen = False
    entries = AuditEntry.objects.order_by("seq").values_list(
        "seq", "at", "event", "message_id", "delivery_id", "actor", "detail", "prev_hash", "hash"
    )
    for seq, at, event, message_id, delivery_id, actor, detail, stored_prev, stored_hash in entries.iterator(
        chunk_size=2000
    ):
        if seq != expected_seq:
            reason = f"Eintrag Nr. {expected_seq} fehlt (nächster vorhandener: Nr. {seq})."
            return VerifyResult(False, checked, expected_seq, reason)
        if stored_prev != prev_hash:
            return VerifyResult(False, checked, seq, f"Eintrag Nr. {seq}: Verkettung zum Vorgänger ist gebrochen.")
        computed = entry_hash(
            prev_hash=stored_prev,
            seq=seq,
            at=at,
            event=event,
            message_id=message_id,
            delivery_id=delivery_id,
            actor=actor,
            detail=detail,
        )
        if computed != stored_hash:
            return VerifyResult(False, checked, seq, f"Eintrag Nr. {seq} wurde nachträglich verändert.")
        if anchor_seq is not None and seq == anchor_seq:
            anchor_seen = True
            if anchor_hash and stored_hash != anchor_hash:
                return VerifyResult(False, checked, seq, f"Eintrag Nr. {seq} passt nicht zum Ankerwert.")
        checked += 1
        prev_hash = stored_hash
        expected_seq = seq + 1
    if anchor_seq is not None and not anchor_seen:
        reason = f"Eintrag Nr. {anchor_seq} (Anker) fehlt – das Protokoll wurde gekürzt."
        return VerifyResult(False, checked, anchor_seq, reason)
    head_seq = expected_seq - 1 if checked else None
    return VerifyResult(True, checked, None, "", head_seq, prev_hash if checked else "")
