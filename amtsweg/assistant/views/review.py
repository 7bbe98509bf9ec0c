"""The review page: every answer with a link to change it, the declarations, and the submit."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from amtsweg.assistant import services, transitions, wizard
from amtsweg.assistant.views.base import (
    FROM_REVIEW,
    LIMIT_TEXTS,
    TOO_MANY,
    Ctx,
    base_context,
    load,
    outcome_apply,
    page,
)
from amtsweg.assistant.wizard import GroupView
from amtsweg.forms.engine import STEP_ERROR_KEY, answers_finalize, is_shown
from amtsweg.forms.fields import EMAIL_INVALID
from amtsweg.forms.paths import nested_row_path
from amtsweg.submissions.access import session_remember
from amtsweg.submissions.services import SubmissionInvalid
from amtsweg.web.clients import client_ip

logger = logging.getLogger(__name__)


def _review_sections(ctx: Ctx, final: dict) -> list[dict]:
    """Per visible step: blocks of (label, value, change link) for the questions the step asked.

    Only what the citizen was asked appears: fields hidden by logic (or removed by the Kommune's
    overlay) are left out, as ``wizard.shown_paths`` decides for the stored answers. A repeatable
    group becomes one block per entry ("Hund 1", "Hund 2"), or one row "keine Angabe" when it has none.
    """
    sections = []
    for key in ctx.visible:
        step = ctx.form.steps_by_key[key]
        shown = wizard.shown_paths(ctx.form, step, ctx.answers)
        blocks: list[dict] = [{"heading": None, "items": []}]
        for group in step["groups"]:
            answerable = [f for f in group["fields"] if f["type"] != "info"]
            if group.get("repeat") is None:
                blocks[0]["items"].extend(
                    _review_item(ctx, step, spec, spec["key"], final.get(spec["key"]))
                    for spec in answerable
                    if spec["key"] in shown
                )
                continue
            rows = final.get(group["key"]) if isinstance(final.get(group["key"]), list) else []
            label = (group.get("repeat") or {}).get("item_label") or group.get("title") or gettext("Eintrag")
            for i, row in enumerate(rows):
                paths = [(spec, wizard.row_path(group["key"], i, spec["key"])) for spec in answerable]
                blocks.append(
                    {
                        "heading": f"{label} {i + 1}",
                        "items": [
                            _review_item(ctx, step, spec, path, row.get(spec["key"]))
                            for spec, path in paths
                            if path in shown
                        ],
                    }
                )
                blocks += _nested_blocks(ctx, step, group, i, row, outer=f"{label} {i + 1}")
            if not rows and any(g["key"] == group["key"] for g in _shown_groups(ctx, step)):
                # An empty (optional) list is one row, its link leads to the "hinzufügen" button.
                blocks[0]["items"].append(
                    {
                        "label": group.get("title") or label,
                        "value": gettext("keine Angabe"),
                        "change_url": f"{ctx.step_url(step['key'])}?von={FROM_REVIEW}#{GroupView(spec=group).add_id}",
                        "computed": False,
                        "file_url": None,
                    }
                )
        sections.append({"key": key, "title": step["title"], "blocks": [b for b in blocks if b["items"]]})
    return sections


def _shown_groups(ctx: Ctx, step: dict) -> list[dict]:
    _, scope = ctx.evaluated
    return [g for g in step["groups"] if is_shown(g, scope)]


def _nested_blocks(ctx: Ctx, step: dict, group: dict, i: int, row: dict, *, outer: str) -> list[dict]:
    """One block per row of the nested groups (ADR 0027) in outer row ``i``, named with the outer row."""
    blocks = []
    for sub in group.get("subgroups") or []:
        nested = row.get(sub["key"]) if isinstance(row.get(sub["key"]), list) else []
        label = sub["repeat"].get("item_label") or sub.get("title") or gettext("Eintrag")
        answerable = [f for f in sub["fields"] if f["type"] != "info"]
        for j, inner in enumerate(nested):
            items = [
                _review_item(
                    ctx,
                    step,
                    spec,
                    nested_row_path(group["key"], i, sub["key"], j, spec["key"]),
                    inner.get(spec["key"]),
                )
                for spec in answerable
                if spec["key"] in inner or spec.get("required")
            ]
            blocks.append({"heading": f"{label} {j + 1} ({outer})", "items": items})
    return blocks


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


def _review_response(request, ctx: Ctx, *, errors=None, checked=None, status=200):
    final = answers_finalize(form=ctx.form, answers=ctx.answers)
    declaration = ctx.form.declaration
    needs_email = services.confirmation_email_key(form=ctx.form) is None
    context = {
        **base_context(ctx, None),
        "sections": _review_sections(ctx, final),
        "declaration": {
            "truth": declaration.get("truth")
            or gettext("Ich versichere, dass meine Angaben vollständig und richtig sind."),
            "privacy": declaration.get("privacy")
            or gettext(
                "Ich habe die Datenschutzhinweise gelesen und bin mit der Verarbeitung meiner Daten einverstanden."
            ),
        },
        "errors": errors or [],
        "error_paths": {e.get("field") for e in errors or []},
        "checked": checked or {},
        "needs_email": needs_email,
        "email_invalid": EMAIL_INVALID,
        "back_url": ctx.step_url(ctx.visible[-1]) if ctx.visible else ctx.start_url,
    }
    return page(request, "review.html", context, status=status)


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, key: str, ags: str, token: str):
    ctx = load(request, key, ags, token)
    if isinstance(ctx, HttpResponse):
        return ctx
    elsewhere = transitions.review_open(form=ctx.form, state=ctx.state)
    if elsewhere is not None:
        return outcome_apply(request, ctx, elsewhere)
    if request.method == "GET":
        return _review_response(request, ctx)
    checked = {
        "wahrheit": request.POST.get("wahrheit") == "ja",
        "datenschutz": request.POST.get("datenschutz") == "ja",
        "email": (request.POST.get("bestaetigung_email") or "").strip()[:254],
    }
    needs_email = services.confirmation_email_key(form=ctx.form) is None
    errors = transitions.declaration_errors(checked=checked, needs_email=needs_email)
    if errors:
        return _review_response(request, ctx, errors=errors, checked=checked)
    return _submit(request, ctx, checked=checked, email=checked["email"] if needs_email else None)


def _submit(request: HttpRequest, ctx: Ctx, *, checked: dict, email: str | None) -> HttpResponse:
    try:
        submission = services.draft_submit(
            draft=ctx.draft,
            form=ctx.form,
            email=email,
            site_url=request.build_absolute_uri("/"),
            client=client_ip(request),
            applicant=request.user if request.user.is_authenticated else None,
            language=translation.get_language() or "de",
        )
    except services.Limited as exc:
        errors = [{"text": LIMIT_TEXTS[exc.limit.scope], "href": None, "field": STEP_ERROR_KEY}]
        return _review_response(request, ctx, errors=errors, checked=checked, status=TOO_MANY)
    except SubmissionInvalid as exc:
        logger.info("submission refused draft=%s paths=%s", ctx.draft.pk, sorted(exc.errors))
        step_key, save = transitions.submission_refused(form=ctx.form, state=ctx.state, errors=exc.errors)
        href = f"{ctx.step_url(step_key)}?von={FROM_REVIEW}" if step_key else None
        errors = [{"text": message, "href": href, "field": path} for path, message in exc.errors.items()]
        if save is not None:
            services.draft_save(draft=ctx.draft, answers=save.answers, completed_steps=save.completed_steps)
        return _review_response(request, ctx, errors=errors, checked=checked)
    session_remember(request=request, submission=submission)
    return redirect(submission.get_absolute_url())
