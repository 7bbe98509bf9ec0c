"""The web layer's speed parts (ADR 0031): sessions read with one statement, {% fragment %}, pages with a form
kept for first visits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.template import engines
from django.test import RequestFactory
from django.utils import timezone, translation

from amtsweg.web.fragments import fragment_get
from amtsweg.web.page_cache import first_visit_key, form_page_get, form_page_store
from amtsweg.web.sessions import SessionStore


@pytest.mark.django_db
def test_session_store_reads_what_django_wrote_and_nothing_expired():
    store = SessionStore()
    store["assistant_drafts"] = ["abc"]
    store.save()
    assert SessionStore(session_key=store.session_key)["assistant_drafts"] == ["abc"]
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    expired = SessionStore(session_key=store.session_key)
    assert expired.get("assistant_drafts") is None
    assert expired.session_key is None  # as Django's store: a new key on the next save
    assert SessionStore(session_key="nichtvorhanden12345678").load() == {}


def test_fragment_is_kept_under_its_values_and_language(rf):
    template = engines["django"].from_string(
        '{% load web_fragments %}{% fragment "probe" value %}{{ value }}/{{ other }}{% endfragment %}'
    )
    assert template.render({"value": 1, "other": "a"}) == "1/a"
    # Same values: the kept body, even though "other" (not a value of the tag) changed — the rule for templates.
    assert template.render({"value": 1, "other": "b"}) == "1/a"
    assert template.render({"value": 2, "other": "b"}) == "2/b"
    with translation.override("en"):
        assert template.render({"value": 1, "other": "c"}) == "1/c"


def _page(token: str, extra: str = "") -> HttpResponse:
    return HttpResponse(f'<form><input type="hidden" name="csrfmiddlewaretoken" value="{token}"></form>{extra}')


def test_form_page_kept_with_a_placeholder_and_served_with_the_visitors_token(rf: RequestFactory):
    request = rf.get("/antrag/x/12345678/")
    key = first_visit_key(request, "probe")
    form_page_store(request, key, _page("TOKEN-OF-THE-FIRST"))
    kept = fragment_get(key)
    assert kept is not None and "TOKEN-OF-THE-FIRST" not in kept
    second = rf.get("/antrag/x/12345678/")
    served = form_page_get(second, key).content.decode()
    assert "TOKEN-OF-THE-FIRST" not in served
    assert "CSRF_COOKIE" in second.META  # the middleware sets the second visitor's own cookie


def test_form_page_not_kept_when_the_token_is_elsewhere_or_the_visitor_has_a_session(rf: RequestFactory):
    request = rf.get("/antrag/x/12345678/")
    key = first_visit_key(request, "probe-elsewhere")
    form_page_store(request, key, _page("TOK", extra='<meta name="csrf" content="TOK">'))
    assert fragment_get(key) is None
    with_session = rf.get("/antrag/x/12345678/", HTTP_COOKIE="sessionid=abc")
    assert first_visit_key(with_session, "probe") is None
    assert first_visit_key(rf.get("/antrag/x/12345678/?a=1"), "probe") is None
    assert first_visit_key(rf.post("/antrag/x/12345678/"), "probe") is None
