"""Meine Anträge: the logged-in citizen's Vorgänge, the detail with status timeline and Postfach thread,
attach-later and the reply. Only the applicant sees a Vorgang; anything else answers 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from amtsweg.cases.models import OPEN_STATUSES, CaseEvent, CaseStatus
from amtsweg.cases.selectors import (
    case_documents_for,
    case_events_for,
    nachforderung_open,
    vorgaenge_of,
    vorgang_may_withdraw,
    vorgang_of,
    vorgang_withdrawable,
)
from amtsweg.cases.services import CaseClosed, WithdrawalRefused, postfach_mark_read
from amtsweg.common.filecheck import CONTENT_TYPES, detect_kind
from amtsweg.postfach import services
from amtsweg.postfach.forms import AttachForm, ReplyForm, WithdrawForm
from amtsweg.postfach.timeline import entry_for, stages_for
from amtsweg.submissions.selectors import submission_for_vorgang, submission_receipt_status
from amtsweg.web.clients import client_ip
from amtsweg.web.downloads import private_file

PAGE_SIZE = 20
TOO_MANY = 429


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, f"postfach/{template}", context, status=status)
    add_never_cache_headers(response)
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
    documents: dict[int, list] = {}
    for document in case_documents_for(vorgang=vorgang):
        documents.setdefault(document.event_id, []).append(document)
    entries = [entry_for(event, documents.get(event.pk, [])) for event in case_events_for(vorgang=vorgang)]
    submission = submission_for_vorgang(vorgang=vorgang)
    receipt_ready = submission is not None and submission_receipt_status(submission=submission) == "ready"
    return {
        # The reopened upload step needs the original assistant, i.e. a portal submission.
        "upload_step": submission is not None and nachforderung_open(vorgang=vorgang) is not None,
        "may_withdraw": vorgang_withdrawable(vorgang=vorgang)
        and vorgang_may_withdraw(user=request.user, vorgang=vorgang),
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
                if vorgang.status == CaseStatus.ZURUECKGEZOGEN:
                    closed = gettext("Dieser Antrag ist zurückgezogen. Antworten sind nicht mehr möglich.")
                else:
                    closed = gettext(
                        "Dieser Antrag ist bereits beschieden oder abgeschlossen. Antworten sind nicht mehr möglich."
                    )
                form.add_error(
                    None, closed + " " + gettext("Bitte wenden Sie sich bei Fragen direkt an die zuständige Stelle.")
                )
            else:
                messages.success(request, gettext("Ihre Nachricht wurde an die zuständige Stelle übermittelt."))
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
    content_type = CONTENT_TYPES.get(kind or "", "application/pdf")
    return private_file(handle, name=name, content_type=content_type)


@login_required
@require_GET
def document_file(request: HttpRequest, number: str, event_id: int, position: int):
    """A file of the citizen's Nachreichung, for those who see the Vorgang."""
    vorgang = _vorgang_or_404(request, number)
    document = case_documents_for(vorgang=vorgang).filter(event_id=event_id, position=position).first()
    if document is None:
        raise Http404("Datei nicht gefunden")
    return private_file(document.file.open("rb"), name=document.name, content_type=document.content_type)


WITHDRAW_CLOSED = gettext_lazy(
    "Über diesen Antrag wurde bereits entschieden, er ist abgeschlossen oder bereits zurückgezogen. Er kann daher "
    "nicht mehr zurückgezogen werden."
)


@login_required
@require_http_methods(["GET", "POST"])
def vorgang_withdraw(request: HttpRequest, number: str):
    """Confirmation page and the withdrawal itself (applicant or the organisation's Inhaber)."""
    vorgang = _vorgang_or_404(request, number)
    form = WithdrawForm(request.POST or None)
    refusal: str = ""
    if not vorgang_may_withdraw(user=request.user, vorgang=vorgang):
        refusal = str(services.WITHDRAW_NOT_YOURS)
    elif vorgang.leistung is not None and not vorgang.leistung.withdrawal_allowed:
        refusal = gettext(
            "Diesen Antrag können Sie nicht online zurückziehen. Bitte wenden Sie sich an die zuständige Stelle."
        )
    elif not vorgang_withdrawable(vorgang=vorgang):
        refusal = str(WITHDRAW_CLOSED)
    status = 200 if not refusal or request.method == "GET" else 409
    if request.method == "POST" and not refusal:
        if form.is_valid():
            try:
                services.withdraw_submit(vorgang=vorgang, user=request.user, reason=form.cleaned_data["reason"])
            except services.PostfachError as error:
                refusal, status = str(error), 403
            except (CaseClosed, WithdrawalRefused):
                refusal, status = str(WITHDRAW_CLOSED), 409
            else:
                messages.success(
                    request, gettext("Ihr Antrag wurde zurückgezogen. Die zuständige Stelle ist informiert.")
                )
                return redirect("postfach:detail", number=vorgang.number)
        else:
            status = 400
    return _page(request, "withdraw.html", {"vorgang": vorgang, "form": form, "refusal": refusal}, status=status)


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
                messages.success(
                    request, gettext("Der Antrag {number} wurde Ihrem Konto hinzugefügt.").format(number=vorgang.number)
                )
                return redirect("postfach:detail", number=vorgang.number)
        else:
            status = 400
    return _page(request, "attach.html", {"form": form}, status=status)
