"""Writes of the inbox that are not case events: the export of a case to the E-Akte (xdomea 3.0), and a
case worker's saved views.

The package is built by the hub's xdomea builder (``FVDaten.SGOAblegen.0605``, validated against the
official XSD before it is returned), fed with the case: the application's data XML, the receipt, the
attachments and every Bescheid. Ids are derived from the Vorgangsnummer and the number of events, so
exporting an unchanged case twice gives the same package.
"""

from __future__ import annotations

from django.db import transaction

from amtsweg.audit.services import audit_record
from amtsweg.cases.models import CaseEvent, Vorgang
from amtsweg.cases.selectors import case_events_for
from amtsweg.hub.adapters.base import Attachment, OutboundPayload
from amtsweg.hub.adapters.xdomea import XdomeaPackage, build_package
from amtsweg.submissions.selectors import submission_attachments, submission_for_vorgang


def _read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def case_xdomea_export(*, vorgang: Vorgang, actor) -> XdomeaPackage:
    """The case as an xdomea 3.0 package (ZIP), audited as ``case_exported``."""
    submission = submission_for_vorgang(vorgang=vorgang)
    events = list(case_events_for(vorgang=vorgang))
    attachments = []
    if submission is not None:
        for item in submission_attachments(submission=submission):
            attachments.append(Attachment(item.name, item.content_type, _read(item.file), item.sha512))
    for event in events:
        if event.kind == CaseEvent.Kind.BESCHEID and event.file:
            name = f"Bescheid-{vorgang.number}-{event.pk}.pdf"
            attachments.append(Attachment(name, "application/pdf", _read(event.file), event.file_sha512))
    receipt = _read(submission.receipt_pdf) if submission is not None and submission.receipt_pdf else None
    payload = OutboundPayload(
        message_id="",
        delivery_id="",
        idempotency_key=f"akte:{vorgang.number}:{len(events)}",
        vorgangsnummer=vorgang.number,
        leika_key=vorgang.leistung.leika_key if vorgang.leistung_id else "",
        ags=submission.gemeinde_ags if submission else "",
        ars=submission.gemeinde_ars if submission else "",
        authority_key=vorgang.authority.key,
        document=(submission.data_xml if submission else "<Antrag/>").encode("utf-8"),
        document_content_type="application/xml",
        document_name="antragsdaten.xml",
        receipt_pdf=receipt,
        attachments=tuple(attachments),
        metadata={
            "leistung_name": vorgang.leistung.name if vorgang.leistung_id else "",
            "received_at": vorgang.created.date().isoformat(),
        },
    )
    config = {"sender_name": "Serviceportal Amtsweg (Sachbearbeitung)", "recipient_name": vorgang.authority.name}
    package = build_package(payload=payload, config=config)
    with transaction.atomic():
        audit_record(
            event="case_exported",
            actor=f"user:{actor.pk}",
            detail={
                "vorgangsnummer": vorgang.number,
                "kind": "xdomea-0605",
                "count": len(package.primary_files),
            },
        )
    return package


# --- Saved views ------------------------------------------------------------------------------------------

SAVED_VIEWS_MAX = 30


class SavedViewRefused(Exception):
    """A saved view could not be stored; the message is German and shown to the user."""


def saved_view_save(*, user, name: str, query: str):
    """Store the list's filter and sort under ``name`` for ``user`` (the same name replaces the old view)."""
    from amtsweg.inbox.models import SavedView

    name = " ".join(name.split())[:80]
    if not name:
        raise SavedViewRefused("Bitte geben Sie der Ansicht einen Namen.")
    existing = SavedView.objects.filter(user=user, name=name).first()
    if existing is None and SavedView.objects.filter(user=user).count() >= SAVED_VIEWS_MAX:
        raise SavedViewRefused(f"Sie können höchstens {SAVED_VIEWS_MAX} Ansichten speichern. Bitte löschen Sie eine.")
    view, _ = SavedView.objects.update_or_create(user=user, name=name, defaults={"query": query[:500]})
    return view


def saved_view_delete(*, user, view_id: int) -> bool:
    """Delete the user's own view; False if there is none with this id (or it belongs to someone else)."""
    from amtsweg.inbox.models import SavedView

    deleted, _ = SavedView.objects.filter(user=user, pk=view_id).delete()
    return bool(deleted)
