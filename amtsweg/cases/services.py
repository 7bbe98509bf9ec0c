"""Writes of cases: the one place that allocates Vorgangsnummern, and the back office's events."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from amtsweg.audit.services import audit_record
from amtsweg.cases.bescheid import bescheid_pdf
from amtsweg.cases.deadline import DEFAULT_PROCESSING_DAYS, due_after_pause, working_days_add
from amtsweg.cases.models import AUTHORITY_KINDS, OPEN_STATUSES, CaseDocument, CaseEvent, CaseStatus, Vorgang
from amtsweg.cases.numbers import number_generate
from amtsweg.common.hashing import sha512_hex

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from amtsweg.accounts.models import Organisation
    from amtsweg.apiclients.models import ApiClient
    from amtsweg.catalog.models import Leistung
    from amtsweg.directory.models import Authority, Territory

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
# With 35 random bits a year a collision is already rare; several in a row mean something else is wrong.
NUMBER_ATTEMPTS = 8

_AUDIT_EVENTS = {
    "status": "status_posted",
    "nachforderung": "nachforderung_posted",
    "bescheid": "bescheid_posted",
    "antwort": "citizen_reply_posted",
    "nachreichung": "documents_resubmitted",
    "ruecknahme": "application_withdrawn",
}


class NumberExhausted(RuntimeError):
    """No free Vorgangsnummer after ``NUMBER_ATTEMPTS`` draws."""


def vorgang_create(
    *,
    authority: Authority,
    channel: str,
    leistung: Leistung | None = None,
    gemeinde: Territory | None = None,
    created: datetime | None = None,
    applicant: User | None = None,
    organisation: Organisation | None = None,
) -> Vorgang:
    """Create a Vorgang with a new, unique Vorgangsnummer (in the caller's transaction, if any).

    The number is drawn and inserted in one step; the unique index decides. On a collision the insert is
    rolled back to a savepoint and a new number drawn (no check-then-insert, so concurrent callers can
    never get the same number). ``created`` defaults to now; its local year goes into the number.
    ``applicant``: the citizen's user account when submitted while logged in (else None);
    ``organisation``: the Organisationskonto the applicant acted for (its members see the Vorgang).
    """
    created = created or timezone.now()
    year = timezone.localtime(created).year
    days = leistung.processing_days if leistung is not None else DEFAULT_PROCESSING_DAYS
    due_date = working_days_add(timezone.localdate(created), days)
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
                    due_date=due_date,
                    applicant=applicant,
                    organisation=organisation,
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
    actor: str = "",
) -> CaseEvent:
    """Append one event (and its file, e.g. the Bescheid PDF), keep the Vorgang's current status and
    deadline clock and write the audit entry, all in one transaction. ``audit_message_id``: the hub
    message the event refers to, for the audit trail (the caller knows it; cases does not know the hub).
    ``actor``: who acted (``user:<id>`` from the inbox); default the API client or "system".

    Status: a status event sets the reported status; a Nachforderung sets "nachforderung" (and stops the
    clock), a Bescheid "beschieden". Any other status after a Nachforderung restarts the clock."""
    with transaction.atomic():
        event = CaseEvent(vorgang=vorgang, authority=authority, kind=kind, payload=payload, api_client=api_client)
        if file_content is not None:
            event.file_sha512 = sha512_hex(file_content)
            event.file.save(file_name or "bescheid.pdf", ContentFile(file_content), save=False)
        event.save()
        status = payload.get("status")
        reported = CaseStatus(status) if status in CaseStatus.values else None
        implied = {
            CaseEvent.Kind.NACHFORDERUNG: CaseStatus.NACHFORDERUNG,
            CaseEvent.Kind.BESCHEID: CaseStatus.BESCHIEDEN,
            CaseEvent.Kind.RUECKNAHME: CaseStatus.ZURUECKGEZOGEN,
        }
        new_status = implied.get(CaseEvent.Kind(kind), reported)
        if new_status is not None:
            _status_set(vorgang=vorgang, status=new_status)
        audit_record(
            event=_AUDIT_EVENTS[kind],
            message_id=audit_message_id,
            actor=actor or (f"api:{api_client.pk}" if api_client else "system"),
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
        if kind in AUTHORITY_KINDS and vorgang.applicant_id is not None:
            _notify_on_commit(event_id=event.pk)
    return event


def _notify_on_commit(*, event_id: int) -> None:
    """The worker tells the applicant THAT something arrived (cases.tasks.postfach_notify), once committed."""
    from amtsweg.cases.tasks import postfach_notify

    transaction.on_commit(lambda: postfach_notify.enqueue(event_id))


def _status_set(*, vorgang: Vorgang, status: str) -> None:
    """Set the status and keep the deadline clock: stopped by a Nachforderung, restarted by anything else."""
    today = timezone.localdate()
    fields = {"status": status, "updated": timezone.now()}
    if status == CaseStatus.NACHFORDERUNG:
        if vorgang.paused_since is None:
            fields["paused_since"] = today
    elif vorgang.paused_since is not None:
        if vorgang.due_date is not None:
            fields["due_date"] = due_after_pause(due=vorgang.due_date, paused_since=vorgang.paused_since, resumed=today)
        fields["paused_since"] = None
    Vorgang.objects.filter(pk=vorgang.pk).update(**fields)
    for name, value in fields.items():
        setattr(vorgang, name, value)


# --- Work in the inbox (Sachbearbeitung). Every action is audited with the acting user's id. ----------


class CaseClosed(ValueError):
    """The action is not possible on a decided or closed case."""


def _actor(user) -> str:
    return f"user:{user.pk}"


def _require_open(vorgang: Vorgang) -> None:
    if vorgang.status == CaseStatus.ZURUECKGEZOGEN:
        raise CaseClosed("Der Antrag wurde zurückgezogen.")
    if vorgang.status not in OPEN_STATUSES:
        raise CaseClosed("Der Vorgang ist bereits beschieden oder abgeschlossen.")


def vorgang_assign(*, vorgang: Vorgang, assignee, actor) -> Vorgang:
    """Give the case to ``assignee`` (``actor`` itself: claim it; None: release it). The caller checks
    that both work for the case's authority."""
    with transaction.atomic():
        Vorgang.objects.filter(pk=vorgang.pk).update(assignee=assignee, updated=timezone.now())
        vorgang.assignee = assignee
        audit_record(
            event="case_assigned",
            actor=_actor(actor),
            detail={"vorgangsnummer": vorgang.number, "assignee_id": assignee.pk if assignee else None},
        )
    return vorgang


def nachforderung_request(*, vorgang: Vorgang, actor, text: str, due_date, documents: list[str]) -> CaseEvent:
    """Ask the applicant for documents: a Nachforderung event (the clock stops until it is resolved)."""
    _require_open(vorgang)
    payload = {"text": text, "due_date": due_date.isoformat() if due_date else None, "documents_requested": documents}
    return case_event_record(
        vorgang=vorgang,
        authority=vorgang.authority,
        kind=CaseEvent.Kind.NACHFORDERUNG,
        payload=payload,
        actor=_actor(actor),
    )


def processing_resume(*, vorgang: Vorgang, actor, note: str = "") -> CaseEvent:
    """The requested documents are in (or the request is withdrawn): back to "in Bearbeitung"."""
    _require_open(vorgang)
    payload = {"status": CaseStatus.IN_BEARBEITUNG.value, "note": note}
    return case_event_record(
        vorgang=vorgang, authority=vorgang.authority, kind=CaseEvent.Kind.STATUS, payload=payload, actor=_actor(actor)
    )


def bescheid_issue(*, vorgang: Vorgang, actor, text: str) -> CaseEvent:
    """Decide: render ``text`` as the Bescheid PDF/A (``cases.bescheid.bescheid_pdf``) and record it as a
    Bescheid event (the citizen's Postfach shows it; the status becomes "beschieden")."""
    _require_open(vorgang)
    pdf = bescheid_pdf(vorgang=vorgang, text=text)
    if not pdf.startswith(PDF_MAGIC):
        raise ValueError("not a PDF")
    return case_event_record(
        vorgang=vorgang,
        authority=vorgang.authority,
        kind=CaseEvent.Kind.BESCHEID,
        payload={"text": text},
        file_name=f"Bescheid-{vorgang.number}.pdf",
        file_content=pdf,
        actor=_actor(actor),
    )


def vorgang_close(*, vorgang: Vorgang, actor, note: str = "") -> CaseEvent:
    """Close the case (after the Bescheid, or when it is settled otherwise)."""
    if vorgang.status == CaseStatus.ABGESCHLOSSEN:
        raise CaseClosed("Der Vorgang ist bereits abgeschlossen.")
    payload = {"status": CaseStatus.ABGESCHLOSSEN.value, "note": note}
    return case_event_record(
        vorgang=vorgang, authority=vorgang.authority, kind=CaseEvent.Kind.STATUS, payload=payload, actor=_actor(actor)
    )


# --- The citizen's side (Postfach). The caller checks that ``user`` is the Vorgang's applicant. ---------


class AttachRefused(ValueError):
    """The Vorgangsnummer/Zugangscode pair does not fit (same message for every reason)."""


def vorgang_attach(*, vorgang: Vorgang, user) -> Vorgang:
    """Link a Vorgang to the citizen's account after the Zugangscode was checked (cases.codes). A Vorgang
    of another account is refused like a wrong code, so nothing about it is revealed."""
    with transaction.atomic():
        linked = Vorgang.objects.filter(pk=vorgang.pk).filter(
            models.Q(applicant__isnull=True) | models.Q(applicant=user)
        )
        if not linked.update(applicant=user):
            raise AttachRefused("not attachable")
        vorgang.applicant = user
        audit_record(event="case_attached", actor=_actor(user), detail={"vorgangsnummer": vorgang.number})
    return vorgang


def citizen_reply_record(
    *, vorgang: Vorgang, user, text: str, file_name: str = "", file_content: bytes | None = None
) -> CaseEvent:
    """The applicant's answer (text, optional file already checked by ``common.filecheck``) as an
    ``antwort`` event; refused with ``CaseClosed`` once the case is decided or closed."""
    _require_open(vorgang)
    return case_event_record(
        vorgang=vorgang,
        authority=vorgang.authority,
        kind=CaseEvent.Kind.ANTWORT,
        payload={"text": text},
        file_name=file_name,
        file_content=file_content,
        actor=_actor(user),
    )


def postfach_mark_read(*, vorgang: Vorgang) -> int:
    """The applicant opened the thread: the authority's unread events count as read now."""
    return CaseEvent.objects.filter(vorgang=vorgang, kind__in=AUTHORITY_KINDS, read_at__isnull=True).update(
        read_at=timezone.now()
    )


class WithdrawalRefused(ValueError):
    """The Leistung does not allow withdrawing online; ``str(error)`` is the German message."""


def vorgang_withdraw(*, vorgang: Vorgang, user, reason: str = "", delivered: bool = False) -> CaseEvent:
    """The applicant (or the organisation's Inhaber; the caller checks) withdraws the application: a
    ``ruecknahme`` event, status "zurueckgezogen". Refused with ``CaseClosed`` once decided, closed or
    withdrawn, with ``WithdrawalRefused`` where the Leistung does not allow it. ``delivered``: the
    application had reached the authority's Fachverfahren (the caller asks the hub), kept in the event so
    the back office's reading of the return channel knows it must act on it (ADR 0023)."""
    if vorgang.leistung is not None and not vorgang.leistung.withdrawal_allowed:
        raise WithdrawalRefused(
            "Diesen Antrag können Sie nicht online zurückziehen. Bitte wenden Sie sich an die zuständige Stelle."
        )
    with transaction.atomic():
        # Locked and read again: a Bescheid posted a moment ago wins over the withdrawal.
        current = Vorgang.objects.select_for_update().get(pk=vorgang.pk)
        vorgang.status = current.status
        if current.status in (CaseStatus.BESCHIEDEN, CaseStatus.ABGESCHLOSSEN):
            raise CaseClosed(
                "Über diesen Antrag wurde bereits entschieden oder er ist abgeschlossen. Er kann daher nicht mehr "
                "zurückgezogen werden."
            )
        _require_open(current)
        return case_event_record(
            vorgang=vorgang,
            authority=vorgang.authority,
            kind=CaseEvent.Kind.RUECKNAHME,
            payload={"text": reason, "status": CaseStatus.ZURUECKGEZOGEN.value, "delivered": delivered},
            actor=_actor(user),
        )


def nachreichung_record(
    *, vorgang: Vorgang, user, files: list[tuple[str, str, str, bytes]], text: str = ""
) -> CaseEvent:
    """The applicant's documents for an open Nachforderung, uploaded into the reopened step: one
    ``nachreichung`` event with a ``CaseDocument`` per file (``files``: field label, name, content type and
    content, already checked), and processing resumes ("in Bearbeitung", the deadline clock runs again).
    Refused with ``CaseClosed`` once decided, closed or withdrawn."""
    if not files:
        raise ValueError("no files")
    with transaction.atomic():
        current = Vorgang.objects.select_for_update().get(pk=vorgang.pk)
        _require_open(current)
        vorgang.status, vorgang.paused_since, vorgang.due_date = current.status, current.paused_since, current.due_date
        payload = {
            "text": text,
            "documents": [label for label, _name, _type, _content in files],
            "status": CaseStatus.IN_BEARBEITUNG.value,
        }
        event = case_event_record(
            vorgang=vorgang,
            authority=vorgang.authority,
            kind=CaseEvent.Kind.NACHREICHUNG,
            payload=payload,
            actor=_actor(user),
        )
        for position, (label, name, content_type, content) in enumerate(files, start=1):
            document = CaseDocument(
                event=event,
                position=position,
                field_label=label[:255],
                name=name[:255],
                content_type=content_type,
                size=len(content),
                sha512=sha512_hex(content),
            )
            document.file.save(f"{position}-{name}"[:100], ContentFile(content), save=False)
            document.save()
    return event
