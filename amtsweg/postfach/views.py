"""Meine Anträge: the logged-in citizen's Vorgänge, the detail with status timeline and Postfach thread,
attach-later and the reply. Only the applicant sees a Vorgang; anything else answers 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from amtsweg.cases.models import OPEN_STATUSES, CaseEvent
from amtsweg.cases.selectors import case_events_for, vorgaenge_of, vorgang_of
from amtsweg.cases.services import CaseClosed, postfach_mark_read
from amtsweg.common.filecheck import CONTENT_TYPES, detect_kind
from amtsweg.postfach import services
from amtsweg.postfach.forms import AttachForm, ReplyForm
from amtsweg.postfach.timeline import entry_for, stages_for
from amtsweg.submissions.selectors import submission_for_vorgang, submission_receipt_status
from amtsweg.web.clients import client_ip

PAGE_SIZE = 20
TOO_MANY = 429


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, f"postfach/{template}", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def _vorgang_or_404(request: HttpRequest, number: str):
    vorgang = vorgang_of(user=request.user, number=number)
    # Same answer for "unknown" and "someone else's", so numbers cannot be probed.
    if vorgang is None:
        raise Http404("Antrag nicht gefunden")
    return vorgang


@login_required
@require_GET
def vorgang_list(request: HttpRequest):
    page = Paginator(vorgaenge_of(user=request.user), PAGE_SIZE).get_page(request.GET.get("seite"))
    return _page(request, "list.html", {"page": page})


def _detail_context(request: HttpRequest, vorgang, reply_form: ReplyForm) -> dict:
    entries = [entry_for(event) for event in case_events_for(vorgang=vorgang)]
    submission = submission_for_vorgang(vorgang=vorgang)
    receipt_ready = submission is not None and submission_receipt_status(submission=submission) == "ready"
    return {
        "vorgang": vorgang,
        "entries": entries,
        "stages": stages_for(status=vorgang.status, received=vorgang.created),
        "messages_thread": [e for e in entries if e.event.kind != CaseEvent.Kind.STATUS],
        "submission": submission,
        "receipt_ready": receipt_ready,
        "reply_form": reply_form,
        "is_open": vorgang.status in OPEN_STATUSES,
    }


@login_required
@require_http_methods(["GET", "POST"])
def vorgang_detail(request: HttpRequest, number: str):
    vorgang = _vorgang_or_404(request, number)
    max_file = settings.AMTSWEG_POSTFACH_MAX_FILE
    form = ReplyForm(request.POST or None, request.FILES or None, max_file=max_file)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.reply_submit(
                    vorgang=vorgang, user=request.user, text=form.cleaned_data["text"], upload=form.cleaned_data["file"]
                )
            except services.PostfachError as error:
                form.add_error("file", str(error))
            except CaseClosed:
                form.add_error(
                    None,
                    "Dieser Antrag ist bereits beschieden oder abgeschlossen. Antworten sind nicht mehr möglich. "
                    "Bitte wenden Sie sich bei Fragen direkt an die zuständige Stelle.",
                )
            else:
                messages.success(request, "Ihre Nachricht wurde an die zuständige Stelle übermittelt.")
                return redirect("postfach:detail", number=vorgang.number)
        status = 400
    context = _detail_context(request, vorgang, form)
    response = _page(request, "detail.html", context, status=status)
    # Shown now: the authority's messages count as read (after rendering, so they appear as new once).
    postfach_mark_read(vorgang=vorgang)
    return response


@login_required
@require_GET
def event_file(request: HttpRequest, number: str, event_id: int):
    """The Bescheid PDF (or the file of the citizen's own reply), for the applicant only."""
    vorgang = _vorgang_or_404(request, number)
    kinds = (CaseEvent.Kind.BESCHEID, CaseEvent.Kind.ANTWORT)
    event = case_events_for(vorgang=vorgang).filter(pk=event_id, kind__in=kinds).first()
    if event is None or not event.file:
        raise Http404("Datei nicht gefunden")
    handle = event.file.open("rb")
    kind = detect_kind(handle.read(16))
    handle.seek(0)
    name = event.file.name.rsplit("/", 1)[-1]
    response = FileResponse(
        handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES.get(kind or "", "application/pdf")
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def vorgang_attach(request: HttpRequest):
    form = AttachForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                vorgang = services.vorgang_claim(
                    user=request.user,
                    number=form.cleaned_data["number"],
                    code=form.cleaned_data["code"],
                    client=client_ip(request),
                )
            except services.PostfachError as error:
                form.add_error(None, str(error))
                status = TOO_MANY if str(error) == services.ATTACH_LIMITED else 400
            else:
                messages.success(request, f"Der Antrag {vorgang.number} wurde Ihrem Konto hinzugefügt.")
                return redirect("postfach:detail", number=vorgang.number)
        else:
            status = 400
    return _page(request, "attach.html", {"form": form}, status=status)
