"""The reopened upload step of an application after a Nachforderung (``assistant.reopen``).

Linked from the Postfach ("Unterlagen hochladen"). Who sees the Vorgang in "Meine Anträge" may upload
(the applicant, members of the organisation it was made for); anyone else gets 404. Every POST stores
the posted files at once, so nothing is lost between a reload and the final "Unterlagen einreichen".
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from amtsweg.assistant import reopen, selectors, services, uploads, wizard
from amtsweg.assistant.rendering import widget_html
from amtsweg.assistant.views.base import page
from amtsweg.assistant.wizard import Widget
from amtsweg.cases.selectors import nachforderung_open, vorgang_of
from amtsweg.cases.services import CaseClosed
from amtsweg.submissions.selectors import (
    submission_answer_sections,
    submission_attachments,
    submission_for_vorgang,
)
from amtsweg.web.clients import client_key
from amtsweg.web.downloads import private_file

TEXT_MAX = 2000
REMOVE = "datei-entfernen:"


def _target(request: HttpRequest, number: str):
    """(vorgang, submission, nachforderung) of a Vorgang the user sees, with a portal submission; else 404."""
    vorgang = vorgang_of(user=request.user, number=number)
    submission = submission_for_vorgang(vorgang=vorgang) if vorgang is not None else None
    if vorgang is None or submission is None:
        raise Http404("Antrag nicht gefunden")
    return vorgang, submission, nachforderung_open(vorgang=vorgang)


@csrf_exempt
@login_required
def reopen_step(request: HttpRequest, number: str):
    # The upload limit must be installed before the CSRF check reads the body (as on the step pages).
    if request.method == "POST":
        uploads.install_upload_limit(request)
    return _reopen_step(request, number=number)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _reopen_step(request: HttpRequest, *, number: str) -> HttpResponse:
    vorgang, submission, nachforderung = _target(request, number)
    back = reverse("postfach:detail", kwargs={"number": vorgang.number})
    if nachforderung is None:
        context = {"vorgang": vorgang, "back_url": back}
        return page(request, "reopen_closed.html", context, status=409 if request.method == "POST" else 200)
    form = selectors.form_for(version=submission.form_version, authority=vorgang.authority)
    fields = reopen.reopen_fields(
        form=form, answers=submission.answers or {}, attachments=submission_attachments(submission=submission)
    )
    draft = reopen.reopen_draft(vorgang=vorgang, submission=submission, user=request.user)
    errors: dict[str, str] = {}
    text = ""
    status = 200
    if request.method == "POST":
        limit = max(1, len(fields)) * uploads.global_max_bytes() + 2 * uploads.MB
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
            context = {"back_url": request.path, "max_mb": uploads.global_max_bytes() // uploads.MB}
            return page(request, "too_large.html", context, status=413)
        text = (request.POST.get("nachricht") or "")[:TEXT_MAX]
        answers, errors = _store(request, draft, fields)
        action = request.POST.get("aktion") or "speichern"
        if action.startswith(REMOVE):
            answers = wizard.answer_set(answers, action[len(REMOVE) :], None)
        services.draft_save(draft=draft, answers=answers)
        if action == "einreichen" and not errors:
            try:
                reopen.reopen_submit(draft=draft, fields=fields, user=request.user, text=text)
            except reopen.NothingUploaded:
                errors[fields[0].path if fields else "nachricht"] = gettext(
                    "Bitte laden Sie mindestens eine Datei hoch, bevor Sie die Unterlagen einreichen."
                )
            except CaseClosed:
                return page(request, "reopen_closed.html", {"vorgang": vorgang, "back_url": back}, status=409)
            else:
                messages.success(request, gettext("Ihre Unterlagen wurden an die zuständige Stelle übermittelt."))
                return redirect(back)
        elif not errors:
            if not action.startswith(REMOVE):
                messages.success(request, gettext("Ihre Dateien sind gespeichert. Sie können später weitermachen."))
            return redirect(request.path)
        status = 400
    context = _context(request, vorgang, submission, form, fields, draft, nachforderung, errors, text)
    return page(request, "reopen.html", context, status=status)


def _store(request: HttpRequest, draft, fields) -> tuple[dict, dict[str, str]]:
    """Check and store each posted file; returns (answers, errors by path)."""
    answers = dict(draft.answers) if isinstance(draft.answers, dict) else {}
    errors: dict[str, str] = {}
    for field in fields:
        posted = request.FILES.get(wizard.dom_name(field.path))
        if posted is None:
            continue
        checked = uploads.upload_check(field=field.spec, upload=posted)
        if isinstance(checked, str):
            errors[field.path] = checked
            continue
        try:
            stored = services.upload_store(
                draft=draft, field_key=field.spec["key"], checked=checked, client_key=client_key(request)
            )
        except services.UploadQuotaExceeded as exceeded:
            errors[field.path] = str(exceeded)
            continue
        answers = wizard.answer_set(answers, field.path, stored)
    return answers, errors


def _context(request, vorgang, submission, form, fields, draft, nachforderung, errors, text) -> dict:
    answers = draft.answers if isinstance(draft.answers, dict) else {}
    action = request.path
    rows = []
    for field in fields:
        value = wizard.answer_get(answers, field.path)
        value = value if isinstance(value, dict) and value.get("ref") else None
        spec = {**field.spec, "label": field.label, "required": False}
        widget = Widget(spec=spec, path=field.path, kind="file", value=value, error=errors.get(field.path))
        if value:
            widget.file_url = reverse("assistant:reopen_file", kwargs={"number": vorgang.number, "ref": value["ref"]})
        rows.append({"field": field, "html": widget_html(widget, action=action)})
    titles = {s["title"] for s in reopen.reopen_steps(form=form)}
    payload = nachforderung.payload or {}
    return {
        "vorgang": vorgang,
        "form_title": form.title,
        "rows": rows,
        "earlier": [
            s
            for s in submission_answer_sections(submission=submission, language=get_language() or "de")
            if s["title"] in titles
        ],
        "request_text": payload.get("text") or "",
        "documents_requested": [str(d) for d in payload.get("documents_requested") or [] if d],
        "due_date": payload.get("due_date"),
        "errors": [{"text": msg, "href": f"#{wizard.dom_id(path)}"} for path, msg in errors.items()],
        "text": text,
        "text_max": TEXT_MAX,
        "back_url": reverse("postfach:detail", kwargs={"number": vorgang.number}),
    }


@login_required
@require_GET
def reopen_file(request: HttpRequest, number: str, ref: str):
    """A file uploaded into the reopened step, before it is handed in."""
    vorgang, submission, _ = _target(request, number)
    draft = reopen.reopen_draft_find(vorgang=vorgang)
    upload = selectors.upload_get(draft=draft, ref=ref) if draft is not None else None
    if upload is None:
        raise Http404("Datei nicht gefunden")
    try:
        handle = uploads.file_path(upload.path).open("rb")
    except (OSError, ValueError) as exc:
        raise Http404("Datei nicht gefunden") from exc
    return private_file(handle, name=upload.name, content_type=upload.content_type, sandbox=True)
