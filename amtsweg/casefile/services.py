"""Writes of the case file: events posted by back-office systems (return channel)."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction

from amtsweg.casefile.models import CaseEvent
from amtsweg.common.hashing import sha512_hex

PDF_MAGIC = b"%PDF-"


def case_event_record(
    *,
    vorgangsnummer: str,
    authority,
    kind: str,
    payload: dict,
    submission=None,
    message_id=None,
    api_client=None,
    file_name: str = "",
    file_content: bytes | None = None,
) -> CaseEvent:
    """Append one event (and its file, e.g. the Bescheid PDF) and write the audit entry in the same transaction."""
    from amtsweg.audit.services import audit_record

    with transaction.atomic():
        event = CaseEvent(
            vorgangsnummer=vorgangsnummer,
            submission=submission,
            message_id=message_id,
            authority=authority,
            kind=kind,
            payload=payload,
            api_client=api_client,
        )
        if file_content is not None:
            event.file_sha512 = sha512_hex(file_content)
            event.file.save(file_name or "bescheid.pdf", ContentFile(file_content), save=False)
        event.save()
        audit_record(
            event={"status": "status_posted", "nachforderung": "nachforderung_posted", "bescheid": "bescheid_posted"}[
                kind
            ],
            message_id=message_id or "",
            actor=f"api:{api_client.pk}" if api_client else "system",
            detail={
                "vorgangsnummer": vorgangsnummer,
                "kind": kind,
                "status": payload.get("status"),
                "due_date": payload.get("due_date"),
                "documents_requested_count": len(payload.get("documents_requested") or []) or None,
                "sha512": event.file_sha512 or None,
                "api_client_id": api_client.pk if api_client else None,
            },
        )
    return event
