"""The return channel: the back office reports on a Vorgang (status, Nachforderung, Bescheid) through
the hub API. Finds the Vorgang in the client's authority and records the event exactly once per
Idempotency-Key through ``cases.services``; the API views only translate HTTP to these calls."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db import transaction

from amtsweg.cases.models import CaseEvent, Vorgang
from amtsweg.cases.selectors import vorgang_by_number
from amtsweg.cases.services import PDF_MAGIC, case_event_record
from amtsweg.hub.selectors import message_for_vorgang
from amtsweg.hub.services.intake import IntakeRefused, idempotency_previous, idempotency_settle, max_file_bytes

if TYPE_CHECKING:
    from amtsweg.apiclients.models import ApiClient


def vorgang_for(*, client: ApiClient, number: str) -> Vorgang:
    """The Vorgang ``number`` if it belongs to the client's authority; otherwise refused (not_found, or
    forbidden for a client without authority). Another authority's case answers exactly like an unknown one."""
    not_found = IntakeRefused("not_found", "Vorgang nicht gefunden oder nicht in der Zuständigkeit dieses API-Zugangs.")
    if client.authority_id is None:
        raise IntakeRefused(
            "forbidden", "Dieser API-Zugang ist keiner Behörde zugeordnet und darf den Rückkanal nicht nutzen."
        )
    vorgang = vorgang_by_number(number=number)
    if vorgang is None or vorgang.authority_id != client.authority_id:
        raise not_found
    return vorgang


def case_event_accept(
    *,
    client: ApiClient,
    vorgang: Vorgang,
    kind: str,
    key: str | None,
    request_sha256: str,
    payload: dict,
    file_name: str = "",
    file_content: bytes | None = None,
) -> tuple[CaseEvent, bool]:
    """Record the back office's event (one transaction). With an Idempotency-Key a repeat returns the first
    event; the same key for another request is refused ("conflict"). Returns (event, created)."""
    endpoint = f"vorgang-{kind}"
    with transaction.atomic():
        if key:
            previous = idempotency_previous(client=client, endpoint=endpoint, key=key, request_sha256=request_sha256)
            if previous is not None:
                return CaseEvent.objects.get(pk=previous), False
        message = message_for_vorgang(vorgang=vorgang)
        event = case_event_record(
            vorgang=vorgang,
            authority=client.authority,
            kind=kind,
            payload=payload,
            api_client=client,
            file_name=file_name,
            file_content=file_content,
            audit_message_id=str(message.pk) if message is not None else "",
        )
        if key:
            holder, same_request = idempotency_settle(
                client=client, endpoint=endpoint, key=key, request_sha256=request_sha256, result_id=str(event.pk)
            )
            if holder != str(event.pk):
                # A concurrent request with the same key won: undo ours, answer like a repeat.
                transaction.set_rollback(True)
                if not same_request:
                    raise IntakeRefused("conflict")
                return CaseEvent.objects.get(pk=holder), False
    return event, True


def bescheid_check(content: bytes) -> None:
    """Refuse a Bescheid that is too large or not a PDF (by its content, not its name)."""
    if len(content) > max_file_bytes():
        raise IntakeRefused(
            "too_large", f"Der Bescheid ist zu groß (höchstens {max_file_bytes() // (1024 * 1024)} MB)."
        )
    # A real PDF starts with its header and ends with an end-of-file marker; a renamed file does not.
    if not content.startswith(PDF_MAGIC) or b"%%EOF" not in content[-1024:]:
        raise IntakeRefused("unprocessable", "Der Bescheid ist keine PDF-Datei (Inhalt geprüft, nicht der Dateiname).")


def bescheid_name(name: str) -> str:
    """A safe file name for the Bescheid (no path, harmless characters, ends in .pdf, at most 100 chars)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip("._") or "bescheid"
    if not stem.lower().endswith(".pdf"):
        stem += ".pdf"
    return stem[-100:]
