"""What every wizard page shares: the draft bound to the session, its context, page frame and outcomes."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import cached_property

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from amtsweg.accounts.gate import assurance_gate
from amtsweg.assistant import selectors, services, wizard
from amtsweg.assistant.models import Draft
from amtsweg.assistant.transitions import DraftState, Go, Outcome, first_open
from amtsweg.forms.engine import ResolvedForm
from amtsweg.forms.translations import document_title
from amtsweg.web import limits

SESSION_KEY = "assistant_drafts"
_STEP_PROBE = "schritt"
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
SESSION_LIMIT = 20
FROM_REVIEW = "pruefen"

# Flood limits (docs/security-limits.md): what the citizen reads when one is reached.
LIMIT_TEXTS = {
    limits.MAILS_PER_ADDRESS.scope: _(
        "An diese E-Mail-Adresse wurden in kurzer Zeit zu viele E-Mails geschickt. "
        "Bitte versuchen Sie es in einer Stunde erneut."
    ),
    limits.MAILS_PER_CLIENT.scope: _(
        "Sie haben in kurzer Zeit zu viele Links angefordert. Bitte versuchen Sie es in einer Stunde erneut."
    ),
    limits.MAILS_PER_SESSION.scope: _(
        "Sie haben in kurzer Zeit zu viele Links angefordert. Bitte versuchen Sie es in einer Stunde erneut."
    ),
    limits.MAILS_GLOBAL.scope: _(
        "Gerade werden sehr viele E-Mails verschickt. Bitte versuchen Sie es in einigen Minuten erneut."
    ),
    limits.DRAFTS_PER_CLIENT.scope: _(
        "Sie haben in kurzer Zeit zu viele Anträge begonnen. "
        "Bitte versuchen Sie es in einer Stunde erneut. Begonnene Anträge können Sie weiter ausfüllen."
    ),
    limits.SUBMISSIONS_PER_CLIENT.scope: _(
        "Sie haben in kurzer Zeit zu viele Anträge abgeschickt. "
        "Bitte versuchen Sie es in einer Stunde erneut. Ihre Angaben bleiben so lange gespeichert."
    ),
}
TOO_MANY = 429


# --- session binding ----------------------------------------------------------------------------


def session_tokens(request: HttpRequest) -> list[str]:
    tokens = request.session.get(SESSION_KEY, [])
    return tokens if isinstance(tokens, list) else []


def session_add(request: HttpRequest, token: str) -> None:
    tokens = [t for t in session_tokens(request) if t != token]
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

    @property
    def state(self) -> DraftState:
        return DraftState(answers=self.answers, completed_steps=tuple(self.draft.completed_steps or []))

    @cached_property
    def evaluated(self) -> tuple[dict, dict]:
        """The stored answers with their computed values, and the scope the form's conditions read
        (``wizard.scope_for``): the form logic is evaluated once per request, every use reads this."""
        return wizard.scope_for(self.form, self.answers)

    @cached_property
    def visible(self) -> list[str]:
        return wizard.step_keys(self.form, self.answers, scope=self.evaluated[1])

    @cached_property
    def counted(self) -> list[str]:
        """The steps "Schritt X von Y" and the progress list count (``wizard.counted_steps``)."""
        return wizard.counted_steps(self.form, self.answers, scope=self.evaluated[1])

    def reset(self) -> None:
        for name in ("evaluated", "visible", "counted"):
            self.__dict__.pop(name, None)

    def url(self, name: str, **kwargs) -> str:
        return reverse(f"assistant:{name}", kwargs={"key": self.key, "ags": self.ags, "token": self.token, **kwargs})

    @cached_property
    def _step_prefix(self) -> str:
        """The step URL up to the step key: reversed once per page (a page links every counted step)."""
        return self.url("step", step=_STEP_PROBE).removesuffix(f"{_STEP_PROBE}/")

    def step_url(self, step_key: str) -> str:
        if not _SLUG.fullmatch(step_key):  # what the URL's <slug:step> takes as is; anything else as Django does
            return self.url("step", step=step_key)
        return f"{self._step_prefix}{step_key}/"

    @property
    def review_url(self) -> str:
        return self.url("review")

    @property
    def start_url(self) -> str:
        return reverse("assistant:start", kwargs={"key": self.key, "ags": self.ags})

    def first_incomplete(self) -> str | None:
        return first_open(self.visible, self.draft.completed_steps or [])

    def resume_url(self) -> str:
        """Where a citizen continues: the first step not yet completed, else the review page."""
        first = self.first_incomplete()
        return self.step_url(first) if first else self.review_url


def ctx_for(draft: Draft) -> Ctx:
    return Ctx(draft=draft, form=selectors.form_for(version=draft.version, authority=draft.authority))


def page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, f"assistant/{template}", context, status=status)
    add_never_cache_headers(response)  # drafts hold personal data: no browser or proxy may keep a copy
    return response


def missing(request, *, key: str | None = None, ags: str | None = None) -> HttpResponse:
    start_url = reverse("assistant:start", kwargs={"key": key, "ags": ags}) if key and ags else None
    return page(request, "draft_missing.html", {"start_url": start_url}, status=404)


def draft_title(draft: Draft) -> str:
    """The assistant's title in the page language (its translations block; German fallback)."""
    return document_title(document=draft.version.document, language=get_language() or "de")


def expired(request, draft: Draft) -> HttpResponse:
    start_url = reverse("assistant:start", kwargs={"key": draft.version.definition.key, "ags": draft.gemeinde.ags})
    return page(request, "draft_expired.html", {"start_url": start_url, "title": draft_title(draft)}, status=410)


def load(request, key: str, ags: str, token: str) -> Ctx | HttpResponse:
    draft = selectors.draft_by_token(token=token)
    # Unknown, not bound to this session, or not matching the URL: one answer, so tokens cannot be probed.
    # The logged-in owner needs no session binding: "fortsetzen" from Meine Anträge on any device.
    owner = draft is not None and draft.user_id is not None and draft.user_id == request.user.pk
    if (
        draft is None
        or draft.vorgang_id is not None  # a reopened upload step has its own page (assistant.views.reopen)
        or (token not in session_tokens(request) and not owner)
        or draft.version.definition.key != key
        or draft.gemeinde.ags != ags
    ):
        return missing(request, key=key, ags=ags)
    if draft.submitted_number:
        return redirect("submissions:confirmation", number=draft.submitted_number)
    if selectors.draft_is_expired(draft=draft):
        return expired(request, draft)
    # Every step, the review and the submission: the login must (still) have the Leistung's Vertrauensniveau.
    leistung, fresh = _leistung_now(draft)
    refused = assurance_gate(request, leistung=leistung, fresh=fresh)
    if refused is not None:
        return refused
    return ctx_for(draft)


def _leistung_now(draft: Draft) -> tuple[object, bool]:
    """The draft's Leistung with the assurance level read with the draft in this request (``draft_by_token``),
    and whether it is that fresh: the per-process cached version carries the Leistung as it was, and a raised
    level must apply at once (else the gate reads it itself)."""
    leistung = draft.version.definition.leistung
    level = getattr(draft, selectors.ASSURANCE_NOW, None)
    if leistung is None or level is None:
        return leistung, False
    leistung = copy.copy(leistung)  # the cached one is shared between requests
    leistung.required_assurance_level = level
    return leistung, True


def _progress(ctx: Ctx, current: str | None) -> list[dict]:
    """The counted steps plus the review page; a step links back while all before it are done."""
    done = set(ctx.draft.completed_steps or [])
    reachable = True
    items = []
    for key in ctx.counted:
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
            "title": gettext("Angaben prüfen und absenden"),
            "url": ctx.review_url if reachable and current is not None else None,
            "state": "current" if current is None else "todo",
        }
    )
    return items


def base_context(ctx: Ctx, current: str | None) -> dict:
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


# --- carrying out a transition ------------------------------------------------------------------


def outcome_apply(request: HttpRequest, ctx: Ctx, outcome: Outcome) -> HttpResponse | None:
    """Store what the outcome says, queue its messages and redirect; None when the page is to be shown."""
    if outcome.save is not None:
        save = outcome.save
        services.draft_save(
            draft=ctx.draft,
            answers=save.answers,
            current_step=save.current_step,
            completed_steps=save.completed_steps,
            user=request.user,
        )
        ctx.reset()
    for text in outcome.warnings:
        messages.warning(request, text)
    if outcome.go == Go.SHOW:
        return None
    return redirect(outcome_url(request, ctx, outcome))


def outcome_url(request: HttpRequest, ctx: Ctx, outcome: Outcome) -> str:
    if outcome.go == Go.STEP and outcome.focus:
        query = f"?fokus={outcome.focus}" + (f"&von={FROM_REVIEW}" if request.GET.get("von") else "")
        return f"{ctx.step_url(outcome.step)}{query}#{outcome.focus}"
    if outcome.go == Go.STEP:
        return ctx.step_url(outcome.step)
    if outcome.go == Go.REVIEW:
        return ctx.review_url
    if outcome.go == Go.START:
        return ctx.start_url
    if outcome.go == Go.SAVE_LATER:
        return ctx.url("save") + f"?schritt={outcome.step}"
    if outcome.go == Go.STOP:
        return ctx.url("stop")
    raise ValueError(f"no URL for {outcome.go}")
