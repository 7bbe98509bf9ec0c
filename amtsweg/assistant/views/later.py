"""Save for later: the resume link by e-mail (``resume``), and opening such a link."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from amtsweg.assistant import resume, services
from amtsweg.assistant.models import Draft, ResumeMail
from amtsweg.assistant.views.base import (
    LIMIT_TEXTS,
    TOO_MANY,
    Ctx,
    base_context,
    ctx_for,
    draft_title,
    expired,
    load,
    missing,
    page,
    session_add,
    session_tokens,
)
from amtsweg.forms.fields import EMAIL_INVALID
from amtsweg.web.clients import client_ip


def _mail_state(mail: ResumeMail | None) -> str | None:
    """What the save page says about the last requested resume mail."""
    if mail is None:
        return None
    if mail.status == ResumeMail.Status.PENDING:
        return "retrying" if mail.error else "pending"
    return mail.status


def _resume_request(request: HttpRequest, ctx: Ctx, email: str) -> tuple[str | None, int]:
    """Send the resume link to ``email``; returns (error text or None, status)."""
    try:
        if len(email) > 254:
            raise ValidationError("too long")
        validate_email(email)
        resume.resume_link_request(
            draft=ctx.draft,
            email=email,
            base_url=request.build_absolute_uri("/"),
            session_key=request.session.session_key or f"draft-{ctx.draft.pk}",
            client=client_ip(request),
            language=translation.get_language() or "de",
        )
    except ValidationError:
        return EMAIL_INVALID, 200
    except services.ResumeLimitReached:
        return gettext(
            "Für diesen Antrag wurden bereits mehrere Links verschickt. Bitte nutzen Sie den Link aus "
            "der neuesten E-Mail."
        ), 200
    except services.Limited as exc:
        return LIMIT_TEXTS[exc.limit.scope], TOO_MANY
    return None, 200


@require_http_methods(["GET", "POST"])
def save_later(request: HttpRequest, key: str, ags: str, token: str):
    ctx = load(request, key, ags, token)
    if isinstance(ctx, HttpResponse):
        return ctx
    back_step = request.GET.get("schritt")
    back_url = ctx.step_url(back_step) if back_step in ctx.visible else ctx.resume_url()
    email_key = services.confirmation_email_key(form=ctx.form)
    context = {
        **base_context(ctx, back_step if back_step in ctx.visible else None),
        "back_url": back_url,
        "email": ctx.answers.get(email_key) if email_key and isinstance(ctx.answers.get(email_key), str) else "",
        "expires_at": ctx.draft.expires_at,
        "error": None,
        "sent": False,
    }
    context["mail"] = resume.resume_mail_latest(draft=ctx.draft)
    context["mail_state"] = _mail_state(context["mail"])
    if request.method == "POST":
        email = (request.POST.get("email") or "").strip()
        context["email"] = email[:254]
        context["error"], status = _resume_request(request, ctx, email)
        if context["error"]:
            context["save_errors"] = [{"text": context["error"], "href": "#fortsetzen-email"}]
            return page(request, "save.html", context, status=status)
        # The address is shown once, on this answer; it is not stored beyond sending.
        context.update(sent=True, mail_state="pending")
    return page(request, "save.html", context)


@require_GET
def resume_link(request: HttpRequest, token: str):
    try:
        draft = resume.draft_resume(token=token)
    except services.DraftUnavailable as exc:
        if exc.expired and exc.draft is not None:
            return expired(request, exc.draft)
        if exc.used and exc.draft is not None:
            return _used(request, exc.draft)
        return missing(request)
    if draft.submitted_number:
        return missing(request)
    session_add(request, draft.token)
    request.session.cycle_key()  # a new session id once the draft is bound to it
    ctx = ctx_for(draft)
    messages.success(request, gettext("Willkommen zurück. Sie können Ihren Antrag hier fortsetzen."))
    return redirect(ctx.resume_url())


def _used(request, draft: Draft) -> HttpResponse:
    """A single-use link opened again: in the browser that holds the draft, just continue there."""
    if draft.token in session_tokens(request) and not draft.submitted_number:
        return redirect(ctx_for(draft).resume_url())
    start_url = reverse("assistant:start", kwargs={"key": draft.version.definition.key, "ags": draft.gemeinde.ags})
    context = {"start_url": start_url, "title": draft_title(draft)}
    return page(request, "link_used.html", context, status=410)
