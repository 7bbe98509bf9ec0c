"""Intake through the hub API: idempotency (check and remember) and the acceptance of an application
from an external portal. The API views only translate HTTP to these calls and ``IntakeRefused`` back.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import transaction

from amtsweg.apiclients.selectors import idempotency_lookup
from amtsweg.apiclients.services import idempotency_remember
from amtsweg.cases.models import Vorgang
from amtsweg.cases.services import vorgang_create
from amtsweg.common.canonical import canonical_json
from amtsweg.common.filecheck import FileRefused, attachment_sanitize
from amtsweg.hub.models import Message
from amtsweg.hub.services.messages import message_create

ENDPOINT_ANTRAEGE = "antraege"


class IntakeRefused(Exception):  # noqa: N818 - a refusal, not a programming error
    """A request the API refuses, with a German ``detail`` and optional field ``errors``. ``kind`` tells the
    API its answer: invalid (400), forbidden (403), not_found (404), conflict (409), too_large (413),
    unprocessable (422); ``detail`` None means the kind's standard text."""

    def __init__(self, kind: str, detail: str | None = None, *, errors: dict | None = None):
        super().__init__(detail or kind)
        self.kind, self.detail, self.errors = kind, detail, errors


def max_file_bytes() -> int:
    return int(getattr(settings, "AMTSWEG_UPLOAD_MAX_MB", 10)) * 1024 * 1024


def request_digest(value) -> str:
    """SHA-256 of the canonical JSON of a request: the same request always gives the same digest."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


# --- idempotency ---------------------------------------------------------------------------------------


def idempotency_previous(*, client, endpoint: str, key: str, request_sha256: str) -> str | None:
    """The result id stored for (client, endpoint, key), or None; a different request under the same key
    is refused ("conflict")."""
    previous = idempotency_lookup(client=client, endpoint=endpoint, key=key)
    if previous is None:
        return None
    if previous.request_sha256 != request_sha256:
        raise IntakeRefused("conflict")
    return previous.result_id


def idempotency_settle(*, client, endpoint: str, key: str, request_sha256: str, result_id: str) -> tuple[str, bool]:
    """Remember ``result_id`` for the key in the caller's transaction. Returns (the id that holds, whether it
    was stored for the same request): ours, or the one a concurrent request with the same key stored first."""
    record = idempotency_remember(
        client=client, endpoint=endpoint, key=key, request_sha256=request_sha256, result_id=result_id
    )
    return str(record.result_id), record.request_sha256 == request_sha256


# --- applications from external portals ------------------------------------------------------------------


def api_message_previous(*, client, key: str, request_sha256: str) -> Message | None:
    """The message an earlier request with this Idempotency-Key created (repeat), or None."""
    result_id = idempotency_previous(client=client, endpoint=ENDPOINT_ANTRAEGE, key=key, request_sha256=request_sha256)
    return Message.objects.get(pk=result_id) if result_id is not None else None


def api_attachment_accept(*, name: str, content_type: str, content: bytes) -> dict:
    """Check an attachment like citizens' uploads (size, parsed, no active content, images re-encoded)."""
    if len(content) > max_file_bytes():
        raise IntakeRefused(
            "too_large", f"Die Anlage „{name}“ ist zu groß (höchstens {max_file_bytes() // (1024 * 1024)} MB)."
        )
    try:
        content = attachment_sanitize(name=name, content_type=content_type, data=content)
    except FileRefused as refused:
        raise IntakeRefused("invalid", str(refused), errors={"attachments": [str(refused)]}) from None
    return {"name": name, "content_type": content_type, "content": content}


def api_message_accept(
    *, client, key: str, request_sha256: str, leika_key: str, ags: str, data: dict, attachments: list[dict]
) -> Message:
    """Accept an application: find Leistung, Gemeinde and the responsible authority, create and route the
    message and remember the Idempotency-Key, all in one transaction. ``attachments`` come from
    ``api_attachment_accept``. A concurrent repeat with the same key returns the first message."""
    leistung, gemeinde, authority = _resolve(client=client, leika_key=leika_key, ags=ags)
    with transaction.atomic():
        try:
            message = _message_create(
                client=client,
                idempotency_key=f"api-{client.pk}-{key}",
                leika_key=leika_key,
                data=data,
                attachments=attachments,
                leistung=leistung,
                gemeinde=gemeinde,
                authority=authority,
            )
        except ValueError as error:
            errors = getattr(error, "errors", None) or {"__all__": [str(error)]}
            raise IntakeRefused("unprocessable", "Der Antrag kann nicht verarbeitet werden.", errors=errors) from None
        holder, same_request = idempotency_settle(
            client=client, endpoint=ENDPOINT_ANTRAEGE, key=key, request_sha256=request_sha256, result_id=str(message.pk)
        )
    # After the commit, as it always was: our message stands even when the key turns out to be taken.
    if not same_request:
        raise IntakeRefused("conflict")
    if holder != str(message.pk):
        message = Message.objects.get(pk=holder)
    return message


def _resolve(*, client, leika_key: str, ags: str):
    from amtsweg.catalog.selectors import leistung_by_leika_key
    from amtsweg.directory.selectors import gemeinde_by_ags
    from amtsweg.jurisdiction.selectors import responsible_authority

    leistung = leistung_by_leika_key(leika_key=leika_key)
    errors = {}
    if leistung is None:
        errors["leika_key"] = [f"Eine Leistung mit dem LeiKa-Schlüssel {leika_key} ist nicht bekannt."]
    gemeinde = gemeinde_by_ags(ags=ags)
    if gemeinde is None:
        errors["ags"] = [f"Eine Gemeinde mit dem Schlüssel {ags} ist nicht bekannt."]
    if errors or leistung is None or gemeinde is None:
        raise IntakeRefused("unprocessable", "Leistung oder Gemeinde unbekannt.", errors=errors)
    resolution = responsible_authority(leistung=leistung, gemeinde=gemeinde)
    authority = getattr(resolution, "authority", None)
    if authority is None:
        raise IntakeRefused(
            "unprocessable", "Für diese Leistung ist in dieser Gemeinde keine zuständige Behörde hinterlegt."
        )
    if client.authority_id is not None and authority.pk != client.authority_id:
        raise IntakeRefused(
            "forbidden",
            f"Dieser API-Zugang darf nur Anträge für seine eigene Behörde einreichen; zuständig wäre {authority.name}.",
        )
    return leistung, resolution.gemeinde or gemeinde, authority


def _message_create(
    *, client, idempotency_key: str, leika_key: str, data: dict, attachments: list[dict], leistung, gemeinde, authority
) -> Message:
    """Create and route the hub message (in the caller's transaction)."""
    from amtsweg.hub.api_xml import api_data_xml

    message, _created = message_create(
        idempotency_key=idempotency_key,
        source="api",
        vorgang=vorgang_create(
            authority=authority,
            channel=Vorgang.Channel.API.value,  # type: ignore[attr-defined]  # Django choices; no django-stubs (ADR 0013)
            leistung=leistung,
            gemeinde=gemeinde,
        ),
        authority=authority,
        data=data,
        data_xml=api_data_xml(data=data, leika_key=leika_key),
        leistung=leistung,
        leika_key=leika_key,
        gemeinde=gemeinde,
        attachments=[(item["name"], item["content_type"], item["content"]) for item in attachments],
        client_ref=str(client.pk),
    )
    return message
