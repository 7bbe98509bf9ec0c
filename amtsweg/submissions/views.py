"""Confirmation page, its htmx partials (receipt, forwarding) and the receipt download (session or staff only)."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from amtsweg.forms.translations import document_title
from amtsweg.hub.selectors import vorgang_forwarding
from amtsweg.submissions.access import may_access
from amtsweg.submissions.receipt import receipt_download_name
from amtsweg.submissions.selectors import submission_by_number, submission_receipt_status
from amtsweg.web.downloads import private_file


def _submission_or_404(request: HttpRequest, number: str):
    submission = submission_by_number(number=number)
    # Same answer for "unknown" and "not yours", so numbers cannot be probed.
    if submission is None or not may_access(request=request, submission=submission):
        raise Http404("Antrag nicht gefunden")
    return submission


@require_GET
@never_cache
def confirmation(request: HttpRequest, number: str):
    submission = _submission_or_404(request, number)
    context = {
        "submission": submission,
        "form_title": document_title(document=submission.form_version.document, language=request.LANGUAGE_CODE),
        "status": submission_receipt_status(submission=submission),
        "forwarding": vorgang_forwarding(vorgang=submission.vorgang),
    }
    return render(request, "submissions/confirmation.html", context)


@require_GET
@never_cache
def forwarding_status(request: HttpRequest, number: str):
    """htmx partial: the forwarding state (the page itself shows the same without JavaScript)."""
    submission = _submission_or_404(request, number)
    context = {"submission": submission, "forwarding": vorgang_forwarding(vorgang=submission.vorgang)}
    return render(request, "submissions/partials/forwarding.html", context)


@require_GET
@never_cache
def receipt_status(request: HttpRequest, number: str):
    submission = _submission_or_404(request, number)
    context = {"submission": submission, "status": submission_receipt_status(submission=submission)}
    return render(request, "submissions/partials/status.html", context)


@require_GET
def receipt_download(request: HttpRequest, number: str):
    submission = _submission_or_404(request, number)
    if submission_receipt_status(submission=submission) != "ready":
        raise Http404("Die Eingangsbestätigung wird noch erstellt.")
    return private_file(
        submission.receipt_pdf.open("rb"),
        name=receipt_download_name(submission=submission),
        content_type="application/pdf",
    )
