"""The assistant's start page (what to have at hand, drafts to continue) and a draft's entry link."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from amtsweg.accounts.gate import assurance_gate
from amtsweg.accounts.prefill import prefill_answers, prefill_labels
from amtsweg.accounts.selectors import membership_get, organisations_for
from amtsweg.assistant import selectors, services, wizard
from amtsweg.assistant.views.base import (
    LIMIT_TEXTS,
    TOO_MANY,
    Ctx,
    ctx_for,
    load,
    page,
    session_add,
    session_tokens,
)
from amtsweg.forms.engine import ResolvedForm, answers_normalize
from amtsweg.jurisdiction.selectors import reference_snapshot
from amtsweg.web.clients import client_ip
from amtsweg.web.page_cache import first_visit_key, form_page_get, form_page_store

# Draft token -> field keys filled from the account (marked on their step until the draft is done).
PREFILLED_KEY = "assistant_prefilled"


def _needs(form: ResolvedForm) -> list[str]:
    """What to have at hand, derived from the form's fields."""
    kinds = {ref.field["type"] for ref in form.fields.values()}
    items = []
    if "email" in kinds:
        items.append(gettext("eine E-Mail-Adresse für die Eingangsbestätigung"))
    if "iban" in kinds:
        items.append(gettext("Ihre Bankverbindung (IBAN), falls Sie am Lastschriftverfahren teilnehmen möchten"))
    for ref in form.fields.values():
        if ref.field["type"] == "file":
            hint = wizard.file_hint(ref.field)
            label = ref.field.get("label") or gettext("Nachweis")
            items.append(gettext("gegebenenfalls als Datei: {label} ({hint})").format(label=label, hint=hint))
    return items


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, key: str, ags: str):
    snap = reference_snapshot()
    offer = selectors.offer_get(key=key, ags=ags, snap=snap)
    version = selectors.version_for_new_draft(definition=offer.definition) if offer else None
    if offer is None or version is None:
        return page(request, "unavailable.html", {}, status=404)
    # offer_get read the definition with its Leistung in this request: no second look-up of the level.
    refused = assurance_gate(request, leistung=offer.definition.leistung, fresh=True)
    if refused is not None:
        return refused
    form, form_key = selectors.form_keyed(version=version, authority=offer.authority)
    key = _page_key(request, offer, form_key, snap.stamp)
    cached = form_page_get(request, key)
    if cached is not None:
        add_never_cache_headers(cached)
        return cached
    memberships = list(organisations_for(user=request.user)) if request.user.is_authenticated else []
    if request.method == "POST":
        return _draft_start(request, offer=offer, version=version, form=form, memberships=memberships)
    open_drafts = selectors.drafts_open(
        tokens=session_tokens(request), definition=offer.definition, gemeinde=offer.gemeinde, user=request.user
    )
    resume_links = [ctx_for(d) for d in open_drafts]
    context = {
        "offer": offer,
        "form": form,
        "description": form.document.get("description") or "",
        "needs": _needs(form),
        "step_titles": [form.steps_by_key[k]["title"] for k in wizard.counted_steps(form, {})],
        "contact": form.contact,
        "open_drafts": [{"url": c.resume_url(), "updated": c.draft.updated} for c in resume_links],
        "prefill": prefill_labels(form=form, keys=prefill_answers(user=request.user, form=form)),
        "memberships": memberships,
    }
    response = page(request, "start.html", context)
    form_page_store(request, key, response)
    return response


def _draft_start(request: HttpRequest, *, offer, version, form: ResolvedForm, memberships: list) -> HttpResponse:
    """Start ("Antrag starten"): a new draft bound to the session (and account), prefilled on consent."""
    organisation, refused = _organisation_chosen(request, memberships)
    if refused is not None:
        return refused
    first = wizard.step_keys(form, {})
    try:
        draft = services.draft_create(
            version=version,
            authority=offer.authority,
            gemeinde=offer.gemeinde,
            first_step=first[0] if first else "",
            client=client_ip(request),
            user=request.user,
            organisation=organisation,
        )
    except services.Limited as exc:
        context = {"title": form.title, "text": LIMIT_TEXTS[exc.limit.scope], "back_url": request.path}
        return page(request, "too_many.html", context, status=TOO_MANY)
    session_add(request, draft.token)
    # Once-only: with the citizen's consent, the account's profile fills matching fields.
    consent = request.POST.get("aus_konto") == "ja"
    prefill = prefill_answers(user=request.user, form=form, organisation=organisation) if consent else {}
    if prefill:
        draft = services.draft_save(draft=draft, answers=answers_normalize(form=form, answers=prefill))
        request.session[PREFILLED_KEY] = {**request.session.get(PREFILLED_KEY, {}), draft.token: list(prefill)}
    ctx = Ctx(draft=draft, form=form)
    return redirect(ctx.resume_url())


def _page_key(request: HttpRequest, offer: selectors.Offer, form_key: tuple, stamp: object) -> str | None:
    """The key of the whole start page for a first visit (``web.page_cache``, ADR 0031): no session, so no
    drafts, no account, no organisations, no messages; the rest of the page is the form (its key: version,
    content, overlay stamp, language), the offer's definition, and the authority and Gemeinde from the
    reference data (the stamp of the snapshot they were read from)."""
    definition = offer.definition
    return first_visit_key(
        request,
        form_key,
        (definition.pk, definition.key, definition.title),
        offer.authority.pk,
        offer.gemeinde.pk,
        stamp,
    )


def _organisation_chosen(request: HttpRequest, memberships: list) -> tuple[object | None, HttpResponse | None]:
    """The organisation the citizen applies for ("fuer" = its id), None for themselves; a foreign or
    unknown id is refused (the choice only lists the user's own memberships)."""
    choice = request.POST.get("fuer") or "selbst"
    if choice == "selbst" or not memberships:
        return None, None
    membership = membership_get(user=request.user, organisation_id=int(choice)) if choice.isdigit() else None
    if membership is None:
        return None, page(request, "unavailable.html", {}, status=400)
    return membership.organisation, None


@require_GET
def draft_entry(request: HttpRequest, key: str, ags: str, token: str):
    ctx = load(request, key, ags, token)
    if isinstance(ctx, HttpResponse):
        return ctx
    return redirect(ctx.resume_url())
