"""Hand-over of a stored submission, and later of its receipt, to the Integrationsdienst (data flows
submissions → hub; the hub does not look back).

Called from ``submission_submit`` inside its ``transaction.atomic()``: the hub's generic
``message_create`` stores the message, its deliveries and their tasks in the same transaction, so the
submission and its forwarding commit together or not at all.
"""

from __future__ import annotations

from amtsweg.hub.models import Message
from amtsweg.hub.selectors import message_for_vorgang
from amtsweg.hub.services import message_create, message_receipt_attach
from amtsweg.submissions.models import Submission


def submission_handover(*, submission: Submission) -> Message:
    """Create and route the hub message of ``submission`` (in the caller's transaction). Idempotent: a
    second call returns the existing message."""
    files = []
    for attachment in submission.attachments.order_by("position"):
        with attachment.file.open("rb") as handle:
            files.append((attachment.name, attachment.content_type, handle.read()))
    version = submission.form_version
    message, _created = message_create(
        idempotency_key=f"portal:{submission.idempotency_key}",
        source=Message.Source.PORTAL.value,  # type: ignore[attr-defined]  # Django choices; no django-stubs yet (ADR 0013)
        vorgang=submission.vorgang,
        authority=submission.authority,
        authority_key=submission.authority_key,
        data=submission.answers,
        data_xml=submission.data_xml,
        leistung=submission.leistung,
        leika_key=submission.leika_key,
        leistung_name=submission.leistung_name,
        gemeinde=submission.gemeinde,
        ags=submission.gemeinde_ags,
        ars=submission.gemeinde_ars,
        gemeinde_name=submission.gemeinde_name,
        form_key=version.definition.key,
        form_version=str(version.number),
        submitted_at=submission.submitted_at,
        attachments=files,
        receipt_expected=True,
    )
    return message


def submission_receipt_handover(*, submission: Submission, pdf: bytes) -> None:
    """Hand the rendered receipt over to the submission's hub message (in the caller's transaction), which
    releases the deliveries waiting for it."""
    message = message_for_vorgang(vorgang=submission.vorgang)
    if message is not None:
        message_receipt_attach(message_id=message.pk, pdf=pdf)
