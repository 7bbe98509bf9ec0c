"""One page per step: read the posted page and its files, let ``transitions`` decide, answer accordingly."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from amtsweg.assistant import services, transitions, uploads, wizard
from amtsweg.assistant.transitions import Outcome, Posted
from amtsweg.assistant.views.base import FROM_REVIEW, Ctx, base_context, load, outcome_apply, page
from amtsweg.forms.engine import clarification_outcome
from amtsweg.web.clients import client_key


def _step_response(request, ctx: Ctx, step: dict, outcome: Outcome) -> HttpResponse:
    """The step page for the stored answers, with the outcome's errors, revealed fields and notices."""
    errors = outcome.errors
    groups = wizard.step_page(
        form=ctx.form,
        step=step,
        answers=ctx.answers,
        errors=errors,
        revealed=set(outcome.revealed),
        evaluated=ctx.evaluated,
    )
    for group in groups:
        for widget in group.all_widgets():
            if widget.kind == "file" and isinstance(widget.value, dict) and widget.value.get("ref"):
                widget.file_url = ctx.url("upload", ref=widget.value["ref"])
    from_review = request.GET.get("von") == FROM_REVIEW
    index = ctx.visible.index(step["key"]) if step["key"] in ctx.visible else 0
    action = ctx.step_url(step["key"]) + (f"?von={FROM_REVIEW}" if from_review else "")
    focus = request.GET.get("fokus", "")
    context = {
        **base_context(ctx, step["key"]),
        "step": step,
        "groups": groups,
        "errors": wizard.error_links(groups, errors),
        "revealed": [
            {"label": w.label, "href": f"#{w.target_id}"} for g in groups for w in g.all_widgets() if w.revealed
        ],
        "notices": list(outcome.notices),
        "action": action,
        "is_first": index == 0,
        "from_review": from_review,
        "focus": focus if focus.replace("-", "").replace("_", "").isalnum() else "",
        "version_id": ctx.draft.version_id,
        "prefilled": _prefilled_here(request, ctx, step),
    }
    return page(request, "step.html", context)


def _prefilled_here(request, ctx: Ctx, step: dict) -> list[str]:
    """Labels of this step's fields that were filled from the account (start page consent)."""
    keys = (request.session.get("assistant_prefilled") or {}).get(ctx.token) or []
    here = [k for k in keys if k in ctx.form.fields and ctx.form.fields[k].step["key"] == step["key"]]
    return [ctx.form.fields[k].field.get("label") or k for k in here]


def _tampered(request, ctx: Ctx, step_key: str) -> bool:
    posted_version = request.POST.get("version")
    posted_step = request.POST.get("schritt")
    return (posted_version is not None and posted_version != str(ctx.draft.version_id)) or (
        posted_step is not None and posted_step != step_key
    )


def _files_store(request, ctx: Ctx, step: dict, answers: dict) -> tuple[dict, dict]:
    """Check and store the files posted for the step's file fields; returns (answers, errors)."""
    errors: dict[str, str] = {}
    for path, spec in wizard.file_fields(form=ctx.form, step=step, answers=ctx.answers):
        posted = request.FILES.get(wizard.dom_name(path))
        if posted is None:
            continue
        checked = uploads.upload_check(field=spec, upload=posted)
        if isinstance(checked, str):
            errors[path] = checked
            continue
        try:
            stored = services.upload_store(
                draft=ctx.draft, field_key=spec["key"], checked=checked, client_key=client_key(request)
            )
        except services.UploadQuotaExceeded as exceeded:
            errors[path] = str(exceeded)
            continue
        answers = wizard.answer_set(answers, path, stored)
    return answers, errors


def _too_large(request, ctx: Ctx, step: dict) -> HttpResponse | None:
    """Refuse a body larger than the step's file fields allow, before anything of it is read."""
    files = wizard.file_fields(form=ctx.form, step=step, answers=ctx.answers)
    limit = max(1, len(files)) * uploads.global_max_bytes() + 2 * uploads.MB
    if int(request.META.get("CONTENT_LENGTH") or 0) <= limit:
        return None
    context = {"back_url": ctx.step_url(step["key"]), "max_mb": uploads.global_max_bytes() // uploads.MB}
    return page(request, "too_large.html", context, status=413)


@csrf_exempt
def step_view(request: HttpRequest, key: str, ags: str, token: str, step: str):
    # The upload limit must be installed before the CSRF check reads the body, hence the wrapper.
    if request.method == "POST":
        uploads.install_upload_limit(request)
    return _step_view(request, key=key, ags=ags, token=token, step_key=step)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _step_view(request: HttpRequest, *, key: str, ags: str, token: str, step_key: str):
    ctx = load(request, key, ags, token)
    if isinstance(ctx, HttpResponse):
        return ctx
    state = ctx.state
    if request.method == "GET":
        outcome = transitions.step_open(form=ctx.form, state=state, step_key=step_key, visible=ctx.visible)
    else:
        refused = transitions.step_refused(form=ctx.form, state=state, step_key=step_key)
        if refused is not None:
            return outcome_apply(request, ctx, refused)
        step = ctx.form.steps_by_key[step_key]
        too_large = _too_large(request, ctx, step)
        if too_large is not None:
            return too_large
        answers = wizard.step_read(form=ctx.form, step=step, answers=ctx.answers, post=request.POST)
        answers, upload_errors = _files_store(request, ctx, step, answers)
        posted = Posted(
            answers=answers,
            action=request.POST.get("aktion") or "weiter",
            upload_errors=upload_errors,
            tampered=_tampered(request, ctx, step_key),
            from_review=request.GET.get("von") == FROM_REVIEW,
        )
        outcome = transitions.step_post(form=ctx.form, state=state, step_key=step_key, posted=posted)
    response = outcome_apply(request, ctx, outcome)
    if response is not None:
        return response
    return _step_response(request, ctx, ctx.form.steps_by_key[outcome.step], outcome)


@require_GET
def stop(request: HttpRequest, key: str, ags: str, token: str):
    ctx = load(request, key, ags, token)
    if isinstance(ctx, HttpResponse):
        return ctx
    outcome = clarification_outcome(form=ctx.form, answers=ctx.answers)
    if outcome is None:
        return redirect(ctx.resume_url())
    context = {**base_context(ctx, outcome.step_key), "stop": outcome, "change_url": ctx.step_url(outcome.step_key)}
    return page(request, "stop.html", context)
