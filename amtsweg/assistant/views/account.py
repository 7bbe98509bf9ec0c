"""The logged-in citizen's drafts, listed in "Meine Anträge": continue on any device, delete.

Only the owner (``Draft.user``) reaches a draft here; any other id answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET, require_http_methods

from amtsweg.assistant import selectors, services
from amtsweg.assistant.views.base import ctx_for, page, session_add
from amtsweg.forms.translations import document_title


def _own_draft(request: HttpRequest, pk: int):
    draft = selectors.draft_of(user=request.user, pk=pk)
    if draft is None:
        raise Http404("Entwurf nicht gefunden")
    return draft


@login_required
@require_GET
def account_draft_resume(request: HttpRequest, pk: int):
    draft = _own_draft(request, pk)
    if selectors.draft_is_expired(draft=draft):
        raise Http404("Entwurf abgelaufen")
    session_add(request, draft.token)
    return redirect(ctx_for(draft).resume_url())


@login_required
@require_http_methods(["GET", "POST"])
def account_draft_delete(request: HttpRequest, pk: int):
    draft = _own_draft(request, pk)
    if request.method == "POST":
        services.draft_delete(draft=draft)
        messages.success(request, gettext("Der begonnene Antrag wurde gelöscht."))
        return redirect("postfach:list")
    title = document_title(document=draft.version.document, language=get_language() or "de")
    return page(request, "account_draft_delete.html", {"draft": draft, "draft_title": title})
