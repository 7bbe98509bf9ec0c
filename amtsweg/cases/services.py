"""Writes of cases: the one place that allocates Vorgangsnummern, and the back office's events."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from amtsweg.audit.services import audit_record
from amtsweg.cases.models import CaseEvent, CaseStatus, Vorgang
from amtsweg.cases.numbers import number_generate
from amtsweg.common.hashing import sha512_hex

if TYPE_CHECKING:
    from amtsweg.apiclients.models import ApiClient
    from amtsweg.catalog.models import Leistung
    from amtsweg.directory.models import Authority, Territory

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
# With 35 random bits a year a collision is already rare; several in a row mean something else is wrong.
NUMBER_ATTEMPTS = 8

_AUDIT_EVENTS = {"status": "status_posted", "nachforderung": "nachforderung_posted", "bescheid": "bescheid_posted"}


class NumberExhausted(RuntimeError):
    """No free Vorgangsnummer after ``NUMBER_ATTEMPTS`` draws."""


def vorgang_create(
    *,
    authority: Authority,
    channel: str,
    leistung: Leistung | None = None,
    gemeinde: Territory | None = None,
    created: datetime | None = None,
) -> Vorgang:
    """Create a Vorgang with a new, unique Vorgangsnummer (in the caller's transaction, if any).

    The number is drawn and inserted in one step; the unique index decides. On a collision the insert is
    rolled back to a savepoint and a new number drawn (no check-then-insert, so concurrent callers can
    never get the same number). ``created`` defaults to now; its local year goes into the number.
    """
    created = created or timezone.now()
    year = timezone.localtime(created).year
    for _attempt in range(NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                return Vorgang.objects.create(
                    number=number_generate(year=year),
                    channel=channel,
                    authority=authority,
                    leistung=leistung,
                    gemeinde=gemeinde,
                    created=created,
                )
        except IntegrityError:
            logger.warning("vorgangsnummer collision, drawing a new one")
    raise NumberExhausted("could not allocate a unique Vorgangsnummer")


def case_event_record(
    *,
    vorgang: Vorgang,
    authority: Authority,
    kind: str,
    payload: dict,
    api_client: ApiClient | None = None,
    file_name: str = "",
    file_content: bytes | None = None,
    audit_message_id: str = "",
) -> CaseEvent:
    """Append one event (and its file, e.g. the Bescheid PDF), keep the Vorgang's current status and
    write the audit entry, all in one transaction. ``audit_message_id``: the hub message the event
    refers to, for the audit trail (the caller knows it; cases does not know the hub)."""
    with transaction.atomic():
        event = CaseEvent(vorgang=vorgang, authority=authority, kind=kind, payload=payload, api_client=api_client)
        if file_content is not None:
            event.file_sha512 = sha512_hex(file_content)
            event.file.save(file_name or "bescheid.pdf", ContentFile(file_content), save=False)
        event.save()
        status = payload.get("status")
        if kind == CaseEvent.Kind.STATUS and status in CaseStatus.values:
            Vorgang.objects.filter(pk=vorgang.pk).update(status=status, updated=timezone.now())
            vorgang.status = status
        audit_record(
            event=_AUDIT_EVENTS[kind],
            message_id=audit_message_id,
            actor=f"api:{api_client.pk}" if api_client else "system",
            detail={
                "vorgangsnummer": vorgang.number,
                "kind": kind,
                "status": status,
                "due_date": payload.get("due_date"),
                "documents_requested_count": len(payload.get("documents_requested") or []) or None,
                "sha512": event.file_sha512 or None,
                "api_client_id": api_client.pk if api_client else None,
            },
        )
    return event
