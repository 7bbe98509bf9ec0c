"""Pages of the Sachbearbeitung inbox: thin views over inbox selectors and cases services.

Only staff who work for an authority (``directory.AuthorityMembership``; superusers: all) get in;
a case of another authority answers 404, like an unknown number, so numbers cannot be probed.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amtsweg.cases import services as case_services
from amtsweg.cases.bescheid import bescheid_text_default
from amtsweg.cases.deadline import clock_state
from amtsweg.cases.models import OPEN_STATUSES, CaseEvent, CaseStatus
from amtsweg.cases.selectors import case_documents_for, case_events_for
from amtsweg.directory.selectors import authority_ids_of, colleagues_of, colleagues_of_user
from amtsweg.inbox import services as inbox_services
from amtsweg.inbox.forms import AssignForm, BescheidForm, FilterForm, NachforderungForm
from amtsweg.inbox.selectors import (
    inbox_case,
    inbox_cases,
    inbox_leistungen,
    inbox_page_rows,
    nachforderung_vorlagen_for,
    saved_views_for,
    view_query_clean,
)
from amtsweg.inbox.services import case_xdomea_export
from amtsweg.submissions.selectors import (
    submission_answer_sections,
    submission_attachments,
    submission_for_vorgang,
    submission_receipt_status,
)
from amtsweg.web.downloads import private_file


def staff_only(view):
    """Signed-in, active staff with at least one authority (or superuser); others go to the login."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if authority_ids_of(user) == set():
            raise Http404("Keine Behörde zugeordnet")
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapper


def _case_or_404(request, number):
    vorgang = inbox_case(user=request.user, number=number)
    if vorgang is None:
        raise Http404("Vorgang nicht gefunden")
    return vorgang


def _colleagues(user, vorgang=None):
    if vorgang is not None:
        return list(colleagues_of(authority=vorgang.authority))
    return list(colleagues_of_user(user))


@require_GET
@staff_only
def case_list(request: HttpRequest):
    form = FilterForm(
        request.GET or None, leistungen=inbox_leistungen(user=request.user), colleagues=_colleagues(request.user)
    )
    filters = form.to_filter() if request.GET else FilterForm().to_filter()
    cases = inbox_cases(user=request.user, filters=filters)
    page, vorgaenge = inbox_page_rows(cases=cases, page_number=request.GET.get("seite"))
    today = timezone.localdate()
    rows = [
        {
            "vorgang": vorgang,
            "clock": clock_state(
                due=vorgang.due_date,
                paused_since=vorgang.paused_since,
                today=today,
                open_case=vorgang.status in OPEN_STATUSES,
            ),
        }
        for vorgang in vorgaenge
    ]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "filtered": any(v for v in request.GET.values()),
        "saved_views": list(saved_views_for(user=request.user)),
        "view_query": view_query_clean(request.GET),
    }
    return render(request, "inbox/list.html", context)


@require_POST
@staff_only
def view_save(request: HttpRequest):
    """Save the list's current filter and sort (a hidden field of the list page) under a name."""
    query = view_query_clean(QueryDict(request.POST.get("query", "")))
    try:
        view = inbox_services.saved_view_save(user=request.user, name=request.POST.get("name", ""), query=query)
    except inbox_services.SavedViewRefused as error:
        messages.error(request, str(error))
        return redirect(reverse("inbox:list") + (f"?{query}" if query else ""))
    messages.success(request, f"Die Ansicht „{view.name}“ ist gespeichert.")
    return redirect(reverse("inbox:list") + (f"?{view.query}" if view.query else ""))


@require_POST
@staff_only
def view_delete(request: HttpRequest, pk: int):
    if not inbox_services.saved_view_delete(user=request.user, view_id=pk):
        raise Http404("Ansicht nicht gefunden")
    messages.success(request, "Die Ansicht wurde gelöscht.")
    return redirect("inbox:list")


@require_GET
@staff_only
def case_detail(request: HttpRequest, number: str):
    vorgang = _case_or_404(request, number)
    submission = submission_for_vorgang(vorgang=vorgang)
    colleagues = _colleagues(request.user, vorgang)
    context = {
        "vorgang": vorgang,
        "open": vorgang.status in OPEN_STATUSES,
        "clock": clock_state(
            due=vorgang.due_date,
            paused_since=vorgang.paused_since,
            today=timezone.localdate(),
            open_case=vorgang.status in OPEN_STATUSES,
        ),
        "submission": submission,
        "sections": submission_answer_sections(submission=submission) if submission else [],
        "attachments": list(submission_attachments(submission=submission)) if submission else [],
        "receipt_ready": submission is not None and submission_receipt_status(submission=submission) == "ready",
        "events": _timeline(vorgang),
        "assign_form": AssignForm(initial={"assignee": vorgang.assignee_id}, colleagues=colleagues),
        "nachforderung_form": NachforderungForm(vorlagen=nachforderung_vorlagen_for(vorgang=vorgang)),
    }
    return render(request, "inbox/case.html", context)


def _timeline(vorgang):
    """The events with the German label of a reported status."""
    labels = dict(CaseStatus.choices)
    events = list(case_events_for(vorgang=vorgang))
    documents: dict[int, list] = {}
    for document in case_documents_for(vorgang=vorgang):
        documents.setdefault(document.event_id, []).append(document)
    for event in events:
        event.status_label = labels.get(event.payload.get("status"), "")
        # Files the citizen uploaded into the reopened step (Nachreichung).
        event.case_documents = documents.get(event.pk, [])
    return events


def _done(request, vorgang, text):
    messages.success(request, text)
    return redirect("inbox:case", number=vorgang.number)


def _refused(request, vorgang, error):
    messages.error(request, str(error))
    return redirect("inbox:case", number=vorgang.number)


@require_POST
@staff_only
def case_claim(request: HttpRequest, number: str):
    vorgang = _case_or_404(request, number)
    case_services.vorgang_assign(vorgang=vorgang, assignee=request.user, actor=request.user)
    return _done(request, vorgang, "Sie bearbeiten diesen Vorgang jetzt.")


@require_POST
@staff_only
def case_assign(request: HttpRequest, number: str):
    vorgang = _case_or_404(request, number)
    form = AssignForm(request.POST, colleagues=_colleagues(request.user, vorgang))
    if not form.is_valid():
        return _refused(request, vorgang, "Bitte wählen Sie eine Kollegin oder einen Kollegen Ihrer Behörde.")
    assignee = form.colleagues.get(form.cleaned_data["assignee"]) if form.cleaned_data["assignee"] else None
    case_services.vorgang_assign(vorgang=vorgang, assignee=assignee, actor=request.user)
    return _done(request, vorgang, "Der Vorgang wurde zugewiesen." if assignee else "Der Vorgang ist freigegeben.")


@require_POST
@staff_only
def case_nachforderung(request: HttpRequest, number: str):
    vorgang = _case_or_404(request, number)
    vorlagen = nachforderung_vorlagen_for(vorgang=vorgang)
    if "vorlage_uebernehmen" in request.POST:
        return _nachforderung_vorlage(request, vorgang, vorlagen)
    form = NachforderungForm(request.POST, vorlagen=vorlagen)
    if not form.is_valid():
        context = {"vorgang": vorgang, "form": form}
        return render(request, "inbox/nachforderung.html", context, status=400)
    try:
        case_services.nachforderung_request(
            vorgang=vorgang,
            actor=request.user,
            text=form.cleaned_data["text"],
            due_date=form.cleaned_data["due_date"],
            documents=form.documents_list(),
        )
    except case_services.CaseClosed as error:
        return _refused(request, vorgang, error)
    return _done(request, vorgang, "Die Unterlagen wurden nachgefordert. Die Bearbeitungsfrist ruht.")


def _nachforderung_vorlage(request, vorgang, vorlagen):
    """ "Vorlage übernehmen" (works without JavaScript): the form again, text and documents from the chosen
    template of the case's authority, the due date as entered. Nothing is recorded yet."""
    vorlage = None
    raw = request.POST.get("vorlage", "")
    if raw.isdigit():
        vorlage = vorlagen.filter(pk=int(raw)).first()
    data = {"due_date": request.POST.get("due_date", ""), "vorlage": raw}
    if vorlage is None:
        data.update(text=request.POST.get("text", ""), documents=request.POST.get("documents", ""))
        messages.error(request, "Bitte wählen Sie eine Vorlage aus.")
    else:
        data.update(text=vorlage.text, documents=vorlage.documents)
    form = NachforderungForm(initial=data, vorlagen=vorlagen)
    return render(request, "inbox/nachforderung.html", {"vorgang": vorgang, "form": form, "vorlage": vorlage})


@require_POST
@staff_only
def case_resume(request: HttpRequest, number: str):
    vorgang = _case_or_404(request, number)
    try:
        case_services.processing_resume(vorgang=vorgang, actor=request.user)
    except case_services.CaseClosed as error:
        return _refused(request, vorgang, error)
    return _done(request, vorgang, "Die Bearbeitung wird fortgesetzt. Die Frist läuft weiter.")


@require_http_methods(["GET", "POST"])
@staff_only
def case_bescheid(request: HttpRequest, number: str):
    """GET: the Bescheid form prefilled from the Leistung's template; POST: render the PDF/A and record it."""
    vorgang = _case_or_404(request, number)
    if vorgang.status not in OPEN_STATUSES:
        return _refused(request, vorgang, "Der Vorgang ist bereits beschieden oder abgeschlossen.")
    if request.method == "POST":
        form = BescheidForm(request.POST)
        if form.is_valid():
            text = form.cleaned_data["text"]
            case_services.bescheid_issue(vorgang=vorgang, actor=request.user, text=text)
            return _done(request, vorgang, "Der Bescheid wurde erstellt.")
        return render(request, "inbox/bescheid.html", {"vorgang": vorgang, "form": form}, status=400)
    form = BescheidForm(initial={"text": bescheid_text_default(vorgang=vorgang)})
    return render(request, "inbox/bescheid.html", {"vorgang": vorgang, "form": form})


@require_POST
@staff_only
def case_close(request: HttpRequest, number: str):
    vorgang = _case_or_404(request, number)
    try:
        case_services.vorgang_close(vorgang=vorgang, actor=request.user)
    except case_services.CaseClosed as error:
        return _refused(request, vorgang, error)
    return _done(request, vorgang, "Der Vorgang ist abgeschlossen.")


def _pdf(handle, filename, content_type="application/pdf"):
    return private_file(handle, name=filename, content_type=content_type)


@require_GET
@staff_only
def receipt_download(request: HttpRequest, number: str):
    vorgang = _case_or_404(request, number)
    submission = submission_for_vorgang(vorgang=vorgang)
    if submission is None or submission_receipt_status(submission=submission) != "ready":
        raise Http404("Keine Eingangsbestätigung")
    return _pdf(submission.receipt_pdf.open("rb"), f"Eingangsbestaetigung-{vorgang.number}.pdf")


@require_GET
@staff_only
def attachment_download(request: HttpRequest, number: str, position: int):
    vorgang = _case_or_404(request, number)
    submission = submission_for_vorgang(vorgang=vorgang)
    attachment = submission_attachments(submission=submission).filter(position=position).first() if submission else None
    if attachment is None:
        raise Http404("Anlage nicht gefunden")
    return _pdf(attachment.file.open("rb"), attachment.name, attachment.content_type or "application/octet-stream")


@require_GET
@staff_only
def event_file_download(request: HttpRequest, number: str, event_id: int):
    vorgang = _case_or_404(request, number)
    kinds = (CaseEvent.Kind.BESCHEID, CaseEvent.Kind.ANTWORT)
    event = case_events_for(vorgang=vorgang).filter(pk=event_id, kind__in=kinds).first()
    if event is None or not event.file:
        raise Http404("Datei nicht gefunden")
    if event.kind == CaseEvent.Kind.ANTWORT:
        # The citizen's reply file (PDF, JPEG or PNG, checked by common.filecheck on upload).
        return private_file(event.file.open("rb"), name=event.file.name.rsplit("/", 1)[-1])
    return _pdf(event.file.open("rb"), f"Bescheid-{vorgang.number}.pdf")


@require_GET
@staff_only
def document_download(request: HttpRequest, number: str, event_id: int, position: int):
    """A file of the citizen's Nachreichung (checked by the assistant's upload checks on upload)."""
    vorgang = _case_or_404(request, number)
    document = case_documents_for(vorgang=vorgang).filter(event_id=event_id, position=position).first()
    if document is None:
        raise Http404("Datei nicht gefunden")
    return private_file(document.file.open("rb"), name=document.name, content_type=document.content_type)


@require_POST
@staff_only
def case_export(request: HttpRequest, number: str):
    """The case as an xdomea 3.0 package (ZIP) for the E-Akte, as a download."""
    vorgang = _case_or_404(request, number)
    package = case_xdomea_export(vorgang=vorgang, actor=request.user)
    response = HttpResponse(package.zip_bytes, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{package.zip_name}"'
    return response
