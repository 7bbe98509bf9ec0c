"""The citizen's wizard: start page, one page per step, review and submit, drafts and uploads.

Every page works without JavaScript (plain POST + redirect); htmx only re-renders the step's fields
when a row is added or removed or an answer shows or hides other fields. Views stay thin: reading
and rendering a page is in ``wizard``, writes are in ``services``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from amtsweg.assistant import resume, selectors, services, uploads, wizard
from amtsweg.assistant.models import Draft, ResumeMail
from amtsweg.core import limits
from amtsweg.core.clients import client_ip, client_key
from amtsweg.forms.engine import (
    STEP_ERROR_KEY,
    ResolvedForm,
    answers_finalize,
    clarification_outcome,
    form_validate,
    step_validate,
)
from amtsweg.forms.fields import EMAIL_INVALID

logger = logging.getLogger(__name__)

SESSION_KEY = "assistant_drafts"
SESSION_LIMIT = 20
FROM_REVIEW = "pruefen"
TAMPERED = (
    "Einige technische Angaben dieser Seite passten nicht zu Ihrem Antrag und wurden nicht übernommen. "
    "Ihre Eingaben sind gespeichert."
)


# Flood limits (docs/security-limits.md): what the citizen reads when one is reached.
LIMIT_TEXTS = {
    limits.MAILS_PER_ADDRESS.scope: "An diese E-Mail-Adresse wurden in kurzer Zeit zu viele E-Mails geschickt. "
    "Bitte versuchen Sie es in einer Stunde erneut.",
    limits.MAILS_PER_CLIENT.scope: "Sie haben in kurzer Zeit zu viele Links angefordert. "
    "Bitte versuchen Sie es in einer Stunde erneut.",
    limits.MAILS_PER_SESSION.scope: "Sie haben in kurzer Zeit zu viele Links angefordert. "
    "Bitte versuchen Sie es in einer Stunde erneut.",
    limits.MAILS_GLOBAL.scope: "Gerade werden sehr viele E-Mails verschickt. "
    "Bitte versuchen Sie es in einigen Minuten erneut.",
    limits.DRAFTS_PER_CLIENT.scope: "Sie haben in kurzer Zeit zu viele Anträge begonnen. "
    "Bitte versuchen Sie es in einer Stunde erneut. Begonnene Anträge können Sie weiter ausfüllen.",
    limits.SUBMISSIONS_PER_CLIENT.scope: "Sie haben in kurzer Zeit zu viele Anträge abgeschickt. "
    "Bitte versuchen Sie es in einer Stunde erneut. Ihre Angaben bleiben so lange gespeichert.",
}
TOO_MANY = 429


# --- session binding ----------------------------------------------------------------------------


def _session_tokens(request: HttpRequest) -> list[str]:
    tokens = request.session.get(SESSION_KEY, [])
    return tokens if isinstance(tokens, list) else []


def _session_add(request: HttpRequest, token: str) -> None:
    tokens = [t for t in _session_tokens(request) if t != token]
    tokens.append(token)
    request.session[SESSION_KEY] = tokens[-SESSION_LIMIT:]


# --- context ------------------------------------------------------------------------------------


@dataclass
class Ctx:
    draft: Draft
    form: ResolvedForm

    @property
    def key(self) -> str:
        return self.draft.version.definition.key

    @property
    def ags(self) -> str:
        return self.draft.gemeinde.ags

    @property
    def token(self) -> str:
        return self.draft.token

    @property
    def answers(self) -> dict:
        return self.draft.answers if isinstance(self.draft.answers, dict) else {}

    @cached_property
    def visible(self) -> list[str]:
        return wizard.step_keys(self.form, self.answers)

    def reset(self) -> None:
        self.__dict__.pop("visible", None)

    def url(self, name: str, **kwargs) -> str:
        return reverse(f"assistant:{name}", kwargs={"key": self.key, "ags": self.ags, "token": self.token, **kwargs})

    def step_url(self, step_key: str) -> str:
        return self.url("step", step=step_key)

    @property
    def review_url(self) -> str:
        return self.url("review")

    @property
    def start_url(self) -> str:
        return reverse("assistant:start", kwargs={"key": self.key, "ags": self.ags})

    def first_incomplete(self) -> str | None:
        done = set(self.draft.completed_steps or [])
        return next((k for k in self.visible if k not in done), None)

    def resume_url(self) -> str:
        """Where a citizen continues: the first step not yet completed, else the review page."""
        first = self.first_incomplete()
        return self.step_url(first) if first else self.review_url


def _page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, f"assistant/{template}", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def _missing(request, *, key: str | None = None, ags: str | None = None) -> HttpResponse:
    start_url = reverse("assistant:start", kwargs={"key": key, "ags": ags}) if key and ags else None
    return _page(request, "draft_missing.html", {"start_url": start_url}, status=404)


def _expired(request, draft: Draft) -> HttpResponse:
    start_url = reverse("assistant:start", kwargs={"key": draft.version.definition.key, "ags": draft.gemeinde.ags})
    return _page(
        request, "draft_expired.html", {"start_url": start_url, "title": draft.version.definition.title}, status=410
    )


def _load(request, key: str, ags: str, token: str) -> Ctx | HttpResponse:
    draft = selectors.draft_by_token(token=token)
    # Unknown, not bound to this session, or not matching the URL: one answer, so tokens cannot be probed.
    if (
        draft is None
        or token not in _session_tokens(request)
        or draft.version.definition.key != key
        or draft.gemeinde.ags != ags
    ):
        return _missing(request, key=key, ags=ags)
    if draft.submitted_number:
        return redirect("submissions:confirmation", number=draft.submitted_number)
    if selectors.draft_is_expired(draft=draft):
        return _expired(request, draft)
    return Ctx(draft=draft, form=selectors.form_for(version=draft.version, authority=draft.authority))


def _progress(ctx: Ctx, current: str | None) -> list[dict]:
    done = set(ctx.draft.completed_steps or [])
    reachable = True
    items = []
    for key in ctx.visible:
        step = ctx.form.steps_by_key[key]
        items.append(
            {
                "title": step["title"],
                "url": ctx.step_url(key) if reachable and key != current else None,
                "state": "current" if key == current else "done" if key in done else "todo",
            }
        )
        reachable = reachable and key in done
    items.append(
        {
            "title": "Angaben prüfen und absenden",
            "url": ctx.review_url if reachable and current is not None else None,
            "state": "current" if current is None else "todo",
        }
    )
    return items


def _base_context(ctx: Ctx, current: str | None) -> dict:
    progress = _progress(ctx, current)
    number = next((i for i, item in enumerate(progress, start=1) if item["state"] == "current"), len(progress))
    return {
        "ctx": ctx,
        "form_title": ctx.form.title,
        "authority": ctx.draft.authority,
        "gemeinde": ctx.draft.gemeinde,
        "progress": progress,
        "step_number": number,
        "step_total": len(progress),
        "contact": ctx.form.contact,
    }


# --- start --------------------------------------------------------------------------------------


def _needs(form: ResolvedForm) -> list[str]:
    """What to have at hand, derived from the form's fields."""
    kinds = {ref.field["type"] for ref in form.fields.values()}
    items = []
    if "email" in kinds:
        items.append("eine E-Mail-Adresse für die Eingangsbestätigung")
    if "iban" in kinds:
        items.append("Ihre Bankverbindung (IBAN), falls Sie am Lastschriftverfahren teilnehmen möchten")
    for ref in form.fields.values():
        if ref.field["type"] == "file":
            hint = wizard.file_hint(ref.field)
            items.append(f"gegebenenfalls als Datei: {ref.field.get('label') or 'Nachweis'} ({hint})")
    return items


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, key: str, ags: str):
    offer = selectors.offer_get(key=key, ags=ags)
    version = selectors.version_for_new_draft(definition=offer.definition) if offer else None
    if offer is None or version is None:
        return _page(request, "unavailable.html", {}, status=404)
    form = selectors.form_for(version=version, authority=offer.authority)
    if request.method == "POST":
        first = wizard.step_keys(form, {})
        try:
            draft = services.draft_create(
                version=version,
                authority=offer.authority,
                gemeinde=offer.gemeinde,
                first_step=first[0] if first else "",
                client=client_ip(request),
            )
        except services.Limited as exc:
            context = {"title": form.title, "text": LIMIT_TEXTS[exc.limit.scope], "back_url": request.path}
            return _page(request, "too_many.html", context, status=TOO_MANY)
        _session_add(request, draft.token)
        ctx = Ctx(draft=draft, form=form)
        return redirect(ctx.resume_url())
    open_drafts = selectors.drafts_open(
        tokens=_session_tokens(request), definition=offer.definition, gemeinde=offer.gemeinde
    )
    resume_links = [
        Ctx(draft=d, form=selectors.form_for(version=d.version, authority=d.authority)) for d in open_drafts
    ]
    context = {
        "offer": offer,
        "form": form,
        "description": form.document.get("description") or "",
        "needs": _needs(form),
        "step_titles": [s["title"] for s in wizard_visible_initial(form)],
        "contact": form.contact,
        "open_drafts": [{"url": c.resume_url(), "updated": c.draft.updated} for c in resume_links],
    }
    return _page(request, "start.html", context)


def wizard_visible_initial(form: ResolvedForm) -> list[dict]:
    return [form.steps_by_key[k] for k in wizard.step_keys(form, {})]


@require_GET
def draft_entry(request: HttpRequest, key: str, ags: str, token: str):
    ctx = _load(request, key, ags, token)
    if isinstance(ctx, HttpResponse):
        return ctx
    return redirect(ctx.resume_url())


# --- steps --------------------------------------------------------------------------------------


def _guard_order(request, ctx: Ctx, step_key: str) -> HttpResponse | None:
    """Redirect when the step is not part of the assistant for these answers or comes too early."""
    if step_key not in ctx.visible:
        messages.warning(request, "Dieser Schritt ist für Ihre Angaben nicht vorgesehen. Bitte machen Sie hier weiter.")
        return redirect(ctx.resume_url())
    done = set(ctx.draft.completed_steps or [])
    step = ctx.form.steps_by_key[step_key]
    if not step.get("clarification") and clarification_outcome(form=ctx.form, answers=ctx.answers) is not None:
        return redirect(ctx.url("stop"))
    for key in ctx.visible[: ctx.visible.index(step_key)]:
        if key not in done:
            messages.warning(request, "Bitte füllen Sie zuerst diesen Schritt vollständig aus.")
            return redirect(ctx.step_url(key))
    return None


def _step_response(request, ctx: Ctx, step: dict, *, errors=None, revealed=None, notices=None, status=200):
    answers = ctx.answers
    groups = wizard.step_page(form=ctx.form, step=step, answers=answers, errors=errors or {}, revealed=revealed)
    for group in groups:
        for widget in [w for r in group.rows for w in r.widgets] + group.widgets:
            if widget.kind == "file" and isinstance(widget.value, dict) and widget.value.get("ref"):
                widget.file_url = ctx.url("upload", ref=widget.value["ref"])
    from_review = request.GET.get("von") == FROM_REVIEW
    index = ctx.visible.index(step["key"]) if step["key"] in ctx.visible else 0
    action = ctx.step_url(step["key"]) + (f"?von={FROM_REVIEW}" if from_review else "")
    focus = request.GET.get("fokus", "")
    context = {
        **_base_context(ctx, step["key"]),
        "step": step,
        "groups": groups,
        "errors": wizard.error_links(groups, errors or {}),
        "revealed": [
            {"label": w.label, "href": f"#{w.target_id}"}
            for g in groups
            for w in [x for r in g.rows for x in r.widgets] + g.widgets
            if w.revealed
        ],
        "notices": notices or [],
        "action": action,
        "is_first": index == 0,
        "from_review": from_review,
        "focus": focus if focus.replace("-", "").replace("_", "").isalnum() else "",
        "version_id": ctx.draft.version_id,
    }
    return _page(request, "step.html", context, status=status)


def _tampered(request, ctx: Ctx, step_key: str) -> bool:
    posted_version = request.POST.get("version")
    posted_step = request.POST.get("schritt")
    return (posted_version is not None and posted_version != str(ctx.draft.version_id)) or (
        posted_step is not None and posted_step != step_key
    )


def _upload_errors(request, ctx: Ctx, step: dict, answers: dict) -> tuple[dict, dict]:
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


def _repeat_action(ctx: Ctx, step: dict, answers: dict, action: str) -> tuple[dict, str | None, str | None]:
    """Apply "hinzufuegen:<group>" / "entfernen:<group>:<i>"; returns (answers, focus id, problem)."""
    parts = action.split(":")
    group = (
        next((g for g in step["groups"] if g["key"] == parts[1] and g.get("repeat") is not None), None)
        if len(parts) >= 2
        else None
    )
    if group is None or not isinstance(answers.get(group["key"]), list):
        return answers, None, TAMPERED
    rows = list(answers[group["key"]])
    repeat = group["repeat"]
    label = repeat.get("item_label") or "Eintrag"
    if parts[0] == "hinzufuegen":
        if repeat.get("max") is not None and len(rows) >= repeat["max"]:
            return answers, None, f"Sie können höchstens {repeat['max']} × „{label}“ angeben."
        rows.append({})
        return {**answers, group["key"]: rows}, f"gruppe-{group['key']}-{len(rows)}", None
    if len(parts) != 3 or not parts[2].isdigit() or int(parts[2]) >= len(rows):
        return answers, None, TAMPERED
    if len(rows) <= repeat.get("min", 0):
        return answers, None, f"Bitte geben Sie mindestens {repeat.get('min', 0)} × „{label}“ an."
    rows.pop(int(parts[2]))
    return {**answers, group["key"]: rows}, f"gruppe-{group['key']}-ueberschrift", None


def _validation_errors(ctx: Ctx, step: dict, answers: dict, revealed: set[str]) -> dict:
    errors = step_validate(form=ctx.form, step_key=step["key"], answers=answers)
    # Fields that appeared only because of this page's answers were never shown: no error for them yet.
    return {
        path: message
        for path, message in errors.items()
        if not any(path == r or path.startswith(f"{r}.") for r in revealed)
    }


@csrf_exempt
def step_view(request: HttpRequest, key: str, ags: str, token: str, step: str):
    # The upload limit must be installed before the CSRF check reads the body, hence the wrapper.
    if request.method == "POST":
        uploads.install_upload_limit(request)
    return _step_view(request, key=key, ags=ags, token=token, step_key=step)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _step_view(request: HttpRequest, *, key: str, ags: str, token: str, step_key: str):
    ctx = _load(request, key, ags, token)
    if isinstance(ctx, HttpResponse):
        return ctx
    step = ctx.form.steps_by_key.get(step_key)
    if request.method == "GET":
        if step is None:
            messages.warning(request, "Diesen Schritt gibt es in diesem Antrag nicht.")
            return redirect(ctx.resume_url())
        return _guard_order(request, ctx, step_key) or _step_response(request, ctx, step)

    if step is None or step_key not in ctx.visible:
        messages.warning(request, "Dieser Schritt ist für Ihre Angaben nicht vorgesehen. Bitte machen Sie hier weiter.")
        return redirect(ctx.resume_url())
    limit = (
        max(1, len(wizard.file_fields(form=ctx.form, step=step, answers=ctx.answers))) * uploads.global_max_bytes()
        + 2 * uploads.MB
    )
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit:
        context = {"back_url": ctx.step_url(step_key), "max_mb": uploads.global_max_bytes() // uploads.MB}
        return _page(request, "too_large.html", context, status=413)

    notices = [TAMPERED] if _tampered(request, ctx, step_key) else []
    action = request.POST.get("aktion") or "weiter"
    shown_before = wizard.shown_paths(ctx.form, step, ctx.answers)
    answers = wizard.step_read(form=ctx.form, step=step, answers=ctx.answers, post=request.POST)
    answers, upload_errors = _upload_errors(request, ctx, step, answers)
    completed = [k for k in ctx.draft.completed_steps or [] if k != step_key]

    def save(current: str = step_key, done: list[str] = completed) -> None:
        services.draft_save(draft=ctx.draft, answers=answers, current_step=current, completed_steps=done)
        ctx.reset()

    prior_missing = _guard_order(request, ctx, step_key)
    if prior_missing is not None:  # posted out of order: keep what was entered, go to the missing step
        save()
        return prior_missing

    if action.startswith(("hinzufuegen:", "entfernen:")):
        answers, focus, problem = _repeat_action(ctx, step, answers, action)
        save()
        if problem or upload_errors:
            return _step_response(
                request, ctx, step, errors=upload_errors, notices=notices + ([problem] if problem else [])
            )
        url = ctx.step_url(step_key) + f"?fokus={focus}" + (f"&von={FROM_REVIEW}" if request.GET.get("von") else "")
        return redirect(f"{url}#{focus}")
    if action.startswith("datei-entfernen:"):
        path = action.split(":", 1)[1]
        if path in {p for p, _ in wizard.file_fields(form=ctx.form, step=step, answers=answers)}:
            answers = wizard.answer_set(answers, path, None)
        else:
            notices.append(TAMPERED)
        save()
        return _step_response(request, ctx, step, errors=upload_errors, notices=notices)
    if action == "zurueck":
        valid = not step_validate(form=ctx.form, step_key=step_key, answers=answers)
        save(done=completed + [step_key] if valid and step_key in (ctx.draft.completed_steps or []) else completed)
        if upload_errors:
            return _step_response(request, ctx, step, errors=upload_errors, notices=notices)
        index = ctx.visible.index(step_key) if step_key in ctx.visible else 0
        if index == 0:
            return redirect(ctx.start_url)
        return redirect(ctx.step_url(ctx.visible[index - 1]))
    if action == "spaeter":
        save(done=completed + [step_key] if step_key in (ctx.draft.completed_steps or []) else completed)
        return redirect(ctx.url("save") + f"?schritt={step_key}")
    if action == "aktualisieren":  # htmx: an answer changed which fields the step shows
        save()
        return _step_response(request, ctx, step, errors=upload_errors, notices=notices)

    # "weiter": validate this step on the server
    revealed = wizard.shown_paths(ctx.form, step, answers) - shown_before
    errors = {**_validation_errors(ctx, step, answers, revealed), **upload_errors}
    if errors or revealed or notices:
        save()
        return _step_response(request, ctx, step, errors=errors, revealed=revealed, notices=notices)
    done = completed + [step_key]
    if step.get("clarification") and clarification_outcome(form=ctx.form, answers=answers) is not None:
        save(done=done)
        return redirect(ctx.url("stop"))
    visible = wizard.step_keys(ctx.form, answers)
    first_open = next((k for k in visible if k not in done), None)
    following = visible[visible.index(step_key) + 1 :] if step_key in visible else []
    if request.GET.get("von") == FROM_REVIEW and first_open is None:
        target = None
    else:
        target = following[0] if following else first_open
    save(current=target or "", done=done)
    return redirect(ctx.step_url(target) if target else ctx.review_url)


# --- clarification stop -------------------------------------------------------------------------


@require_GET
def stop(request: HttpRequest, key: str, ags: str, token: str):
    ctx = _load(request, key, ags, token)
    if isinstance(ctx, HttpResponse):
        return ctx
    outcome = clarification_outcome(form=ctx.form, answers=ctx.answers)
    if outcome is None:
        return redirect(ctx.resume_url())
    context = {**_base_context(ctx, outcome.step_key), "stop": outcome, "change_url": ctx.step_url(outcome.step_key)}
    return _page(request, "stop.html", context)


# --- review and submit --------------------------------------------------------------------------


def _review_sections(ctx: Ctx, final: dict) -> list[dict]:
    """Per visible step: blocks of (label, value, change link); one block per repeat row."""
    sections = []
    for key in ctx.visible:
        step = ctx.form.steps_by_key[key]
        blocks: list[dict] = [{"heading": None, "items": []}]
        for group in step["groups"]:
            answerable = [f for f in group["fields"] if f["type"] != "info"]
            if group.get("repeat") is None:
                blocks[0]["items"].extend(
                    _review_item(ctx, step, spec, spec["key"], final.get(spec["key"]))
                    for spec in answerable
                    if spec["key"] in final or spec.get("required")
                )
                continue
            rows = final.get(group["key"]) if isinstance(final.get(group["key"]), list) else []
            label = (group.get("repeat") or {}).get("item_label") or group.get("title") or "Eintrag"
            for i, row in enumerate(rows):
                blocks.append(
                    {
                        "heading": f"{label} {i + 1}",
                        "items": [
                            _review_item(
                                ctx, step, spec, wizard.row_path(group["key"], i, spec["key"]), row.get(spec["key"])
                            )
                            for spec in answerable
                            if spec["key"] in row or spec.get("required")
                        ],
                    }
                )
        sections.append({"key": key, "title": step["title"], "blocks": [b for b in blocks if b["items"]]})
    return sections


def _review_item(ctx: Ctx, step: dict, spec: dict, path: str, value) -> dict:
    item = {
        "label": spec.get("label") or spec["key"],
        "value": wizard.display_value(spec, value, ctx.form.codelists),
        "change_url": None
        if "compute" in spec
        else f"{ctx.step_url(step['key'])}?von={FROM_REVIEW}#{wizard.dom_id(path)}",
        "computed": "compute" in spec,
        "file_url": ctx.url("upload", ref=value["ref"]) if isinstance(value, dict) and value.get("ref") else None,
    }
    return item


def _review_guard(request, ctx: Ctx) -> HttpResponse | None:
    if clarification_outcome(form=ctx.form, answers=ctx.answers) is not None:
        return redirect(ctx.url("stop"))
    first = ctx.first_incomplete()
    if first is not None:
        messages.warning(request, "Bitte füllen Sie zuerst alle Schritte vollständig aus.")
        return redirect(ctx.step_url(first))
    errors = form_validate(form=ctx.form, answers=ctx.answers)
    if errors:
        step_key = wizard.error_step(ctx.form, ctx.answers, errors)
        services.draft_save(
            draft=ctx.draft,
            answers=ctx.answers,
            completed_steps=[k for k in ctx.draft.completed_steps if k != step_key],
        )
        messages.warning(request, "Einige Angaben passen nicht mehr zusammen. Bitte prüfen Sie diesen Schritt.")
        return redirect(ctx.step_url(step_key) if step_key else ctx.resume_url())
    return None


def _review_response(request, ctx: Ctx, *, errors=None, checked=None, status=200):
    final = answers_finalize(form=ctx.form, answers=ctx.answers)
    declaration = ctx.form.declaration
    needs_email = services.confirmation_email_key(form=ctx.form) is None
    context = {
        **_base_context(ctx, None),
        "sections": _review_sections(ctx, final),
        "declaration": {
            "truth": declaration.get("truth") or "Ich versichere, dass meine Angaben vollständig und richtig sind.",
            "privacy": declaration.get("privacy")
            or "Ich habe die Datenschutzhinweise gelesen und bin mit der Verarbeitung meiner Daten einverstanden.",
        },
        "errors": errors or [],
        "error_paths": {e.get("field") for e in errors or []},
        "checked": checked or {},
        "needs_email": needs_email,
        "email_invalid": EMAIL_INVALID,
        "back_url": ctx.step_url(ctx.visible[-1]) if ctx.visible else ctx.start_url,
    }
    return _page(request, "review.html", context, status=status)


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, key: str, ags: str, token: str):
    from amtsweg.submissions.access import session_remember
    from amtsweg.submissions.services import SubmissionInvalid

    ctx = _load(request, key, ags, token)
    if isinstance(ctx, HttpResponse):
        return ctx
    guard = _review_guard(request, ctx)
    if guard is not None:
        return guard
    if request.method == "GET":
        return _review_response(request, ctx)

    checked = {
        "wahrheit": request.POST.get("wahrheit") == "ja",
        "datenschutz": request.POST.get("datenschutz") == "ja",
        "email": (request.POST.get("bestaetigung_email") or "").strip()[:254],
    }
    errors = []
    if not checked["wahrheit"]:
        errors.append(
            {
                "text": "Bitte bestätigen Sie, dass Ihre Angaben vollständig und richtig sind.",
                "href": "#erklaerung-wahrheit",
                "field": "wahrheit",
            }
        )
    if not checked["datenschutz"]:
        errors.append(
            {
                "text": "Bitte stimmen Sie der Verarbeitung Ihrer Daten zu.",
                "href": "#erklaerung-datenschutz",
                "field": "datenschutz",
            }
        )
    email = None
    if services.confirmation_email_key(form=ctx.form) is None:
        try:
            validate_email(checked["email"])
            email = checked["email"]
        except ValidationError:
            errors.append(
                {
                    "text": EMAIL_INVALID,
                    "href": "#bestaetigung-email",
                    "field": "email",
                }
            )
    if errors:
        return _review_response(request, ctx, errors=errors, checked=checked)
    try:
        submission = services.draft_submit(
            draft=ctx.draft,
            form=ctx.form,
            email=email,
            site_url=request.build_absolute_uri("/"),
            client=client_ip(request),
        )
    except services.Limited as exc:
        errors = [{"text": LIMIT_TEXTS[exc.limit.scope], "href": None, "field": STEP_ERROR_KEY}]
        return _review_response(request, ctx, errors=errors, checked=checked, status=TOO_MANY)
    except SubmissionInvalid as exc:
        logger.info("submission refused draft=%s paths=%s", ctx.draft.pk, sorted(exc.errors))
        step_key = wizard.error_step(ctx.form, ctx.answers, exc.errors)
        href = f"{ctx.step_url(step_key)}?von={FROM_REVIEW}" if step_key else None
        errors = [{"text": message, "href": href, "field": path} for path, message in exc.errors.items()]
        if set(exc.errors) - {STEP_ERROR_KEY, "email"} and step_key:
            services.draft_save(
                draft=ctx.draft,
                answers=ctx.answers,
                completed_steps=[k for k in ctx.draft.completed_steps if k != step_key],
            )
        return _review_response(request, ctx, errors=errors, checked=checked)
    session_remember(request=request, submission=submission)
    return redirect(submission.get_absolute_url())


# --- save for later / resume --------------------------------------------------------------------


def _mail_state(mail: ResumeMail | None) -> str | None:
    """What the save page says about the last requested resume mail."""
    if mail is None:
        return None
    if mail.status == ResumeMail.Status.PENDING:
        return "retrying" if mail.error else "pending"
    return mail.status


@require_http_methods(["GET", "POST"])
def save_later(request: HttpRequest, key: str, ags: str, token: str):
    ctx = _load(request, key, ags, token)
    if isinstance(ctx, HttpResponse):
        return ctx
    back_step = request.GET.get("schritt")
    back_url = ctx.step_url(back_step) if back_step in ctx.visible else ctx.resume_url()
    email_key = services.confirmation_email_key(form=ctx.form)
    context = {
        **_base_context(ctx, back_step if back_step in ctx.visible else None),
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
        status = 200
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
            )
        except ValidationError:
            context["error"] = EMAIL_INVALID
        except services.ResumeLimitReached:
            context["error"] = (
                "Für diesen Antrag wurden bereits mehrere Links verschickt. Bitte nutzen Sie den Link aus "
                "der neuesten E-Mail."
            )
        except services.Limited as exc:
            context["error"], status = LIMIT_TEXTS[exc.limit.scope], TOO_MANY
        if context["error"]:
            context["save_errors"] = [{"text": context["error"], "href": "#fortsetzen-email"}]
            return _page(request, "save.html", context, status=status)
        # The address is shown once, on this answer; it is not stored beyond sending.
        context.update(sent=True, mail_state="pending")
    return _page(request, "save.html", context)


@require_GET
def resume_link(request: HttpRequest, token: str):
    try:
        draft = resume.draft_resume(token=token)
    except services.DraftUnavailable as exc:
        if exc.expired and exc.draft is not None:
            return _expired(request, exc.draft)
        if exc.used and exc.draft is not None:
            return _used(request, exc.draft)
        return _missing(request)
    if draft.submitted_number:
        return _missing(request)
    _session_add(request, draft.token)
    request.session.cycle_key()  # a new session id once the draft is bound to it
    ctx = Ctx(draft=draft, form=selectors.form_for(version=draft.version, authority=draft.authority))
    messages.success(request, "Willkommen zurück. Sie können Ihren Antrag hier fortsetzen.")
    return redirect(ctx.resume_url())


def _used(request, draft: Draft) -> HttpResponse:
    """A single-use link opened again: in the browser that holds the draft, just continue there."""
    if draft.token in _session_tokens(request) and not draft.submitted_number:
        ctx = Ctx(draft=draft, form=selectors.form_for(version=draft.version, authority=draft.authority))
        return redirect(ctx.resume_url())
    start_url = reverse("assistant:start", kwargs={"key": draft.version.definition.key, "ags": draft.gemeinde.ags})
    context = {"start_url": start_url, "title": draft.version.definition.title}
    return _page(request, "link_used.html", context, status=410)


# --- uploads ------------------------------------------------------------------------------------


@require_GET
def upload_download(request: HttpRequest, key: str, ags: str, token: str, ref: str):
    ctx = _load(request, key, ags, token)
    if isinstance(ctx, HttpResponse):
        if ctx.status_code in (404, 410):
            raise Http404("Datei nicht gefunden")
        return ctx
    upload = selectors.upload_get(draft=ctx.draft, ref=ref)
    if upload is None:
        raise Http404("Datei nicht gefunden")
    try:
        handle = uploads.file_path(upload.path).open("rb")
    except (OSError, ValueError) as exc:
        raise Http404("Datei nicht gefunden") from exc
    response = FileResponse(handle, as_attachment=True, filename=upload.name, content_type=upload.content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
