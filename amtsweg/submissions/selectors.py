"""Reads for submissions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from amtsweg.cases.numbers import number_is_valid, number_normalize
from amtsweg.submissions.models import Submission, SubmissionAttachment

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from amtsweg.cases.models import Vorgang


def submission_by_number(*, number: str) -> Submission | None:
    """The submission with this Vorgangsnummer (case and confusable letters forgiven), or None."""
    number = number_normalize(number)
    if not number_is_valid(number):
        return None
    return (
        Submission.objects.select_related("vorgang", "form_version__definition", "leistung", "authority")
        .filter(vorgang__number=number)
        .first()
    )


def submission_receipt_status(*, submission: Submission) -> str:
    """``"ready"`` once the PDF receipt is stored, else ``"pending"``."""
    return "ready" if submission.receipt_ready_at is not None and submission.receipt_pdf else "pending"


def submission_for_vorgang(*, vorgang: Vorgang) -> Submission | None:
    """The portal submission of a Vorgang (None for applications that came through the hub API)."""
    return (
        Submission.objects.select_related("form_version__definition", "leistung", "authority")
        .filter(vorgang=vorgang)
        .first()
    )


def submission_answer_sections(*, submission: Submission, language: str = "de") -> list[dict]:
    """The answers grouped by step and group with labels and display values, exactly as the receipt
    shows them: German for the case worker's view, ``language`` for the citizen's (Nachreichung)."""
    from amtsweg.submissions.receipt import receipt_sections

    return receipt_sections(submission=submission, language=language)


def submission_attachments(*, submission: Submission) -> QuerySet[SubmissionAttachment]:
    return submission.attachments.order_by("position")
