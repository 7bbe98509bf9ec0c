"""Every citizen page in English (issue 11 §4, docs/i18n.md): no German UI word outside ``lang="de"``.

The walk takes its URLs from the authorisation walk's table (``test_authz_walk.URLS``: every URL pattern has
a row there, or that test fails), so a new citizen page is walked here without a change to this file. It
requests every GET URL that anonymous visitors, citizens and organisation members may use, with the real
objects of the authorisation world (side A: Dresden), as each of those roles, with the language cookie set
to English, following redirects. Pages of staff (inbox, Konfigurationsportal, Beteiligung, admin) are
German by design and left out by their rule. Then the steps, review, stop and save pages of the demo
Hundesteuer assistant (its own texts have English translations) and the error pages 404, 410, 429 and 500.

On every HTML answer: the document is marked English, and no text a screen reader reads (text, ``aria-label``,
``title``, ``placeholder``, ``alt``, the page title) contains a German word of ``english.GERMAN_WORDS`` —
except inside elements marked ``lang="de"`` (catalogue content, authority names, what the authority wrote).
"""

from __future__ import annotations

import copy

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from amtsweg.web.tests.authz_world import world_build
from amtsweg.web.tests.english import english_placeholders, german_words, is_fragment, page_language, page_texts
from amtsweg.web.tests.test_authz_walk import (
    ANY,
    APPLICANT,
    CASE_READER,
    NOBODY,
    ORG_MEMBER,
    ORG_OWNER,
    OUTSIDE_ADDRESS,
    PUBLIC,
    SIGNED_IN,
    UNNAMED,
    URLS,
    _kwargs,
    _path,
    admitted,
    all_patterns,
)

LANGUAGE_COOKIE = "amtsweg_language"
# The rules under which citizens and organisation members (or anyone) use a URL. NOBODY: capabilities with
# an unknown token, whose "not found" pages citizens meet.
CITIZEN_RULES = {PUBLIC, ANY, SIGNED_IN, APPLICANT, ORG_MEMBER, ORG_OWNER, CASE_READER, NOBODY}
CITIZEN_ROLES = ("anonymous", "citizen_a", "org_a")
DEMO_ASSISTANT, DEMO_AGS = "hundesteuer", "14522180"  # Freiberg: the demo overlay's Kommune


@pytest.fixture
def version(db):
    """The submissions tests' Hundesteuer assistant, with an English text for each of its own texts."""
    from amtsweg.forms.definition import definition_parse
    from amtsweg.forms.services import definition_load
    from amtsweg.forms.translations import translation_missing
    from amtsweg.submissions.tests.conftest import DEFINITION

    document = english_placeholders(definition_parse(text=DEFINITION.read_text(encoding="utf-8")))
    assert translation_missing(document=document, language="en") == []
    return definition_load(document=document, publish=True)


@pytest.fixture
def world(db, version, leistung, dresden, freiberg, settings):
    settings.AMTSWEG_STAFF_MFA_REQUIRED = False
    world = world_build(version=version, leistung=leistung, gemeinden={"a": dresden, "b": freiberg})
    # Side A's authority asks for a document: the Postfach shows the request, the Nachreichung page its form.
    from amtsweg.cases.services import nachforderung_request

    nachforderung_request(
        vorgang=world.side("a").vorgang,
        actor=world.users["sb_a"],
        text="Bitte reichen Sie den Nachweis der Haftpflichtversicherung ein.",
        due_date=timezone.localdate() + timezone.timedelta(days=14),
        documents=["Versicherungsnachweis"],
    )
    return world


def _english_client(world, role: str) -> Client:
    client = Client(REMOTE_ADDR=OUTSIDE_ADDRESS)
    client.cookies[LANGUAGE_COOKIE] = "en"
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def _findings(label: str, response) -> list[str]:
    """What is German on an HTML answer (nothing for other content types)."""
    if "text/html" not in response.get("Content-Type", "") or getattr(response, "streaming", False):
        return []
    html = response.content.decode("utf-8", errors="replace")
    if not html.strip():
        return []
    found = [f"{label}: {text}" for text in german_words(page_texts(html))]
    if not is_fragment(html) and page_language(html) != "en":
        found.append(f"{label}: <html lang={page_language(html)!r}>")
    return found


def _citizen_urls(world):
    """(name, path, rule, side) of every GET URL of the table that citizens may use, filled with side A."""
    for pattern in all_patterns():
        if pattern.route.startswith(("admin/", "api/", "^api/")):
            continue
        name = pattern.name or UNNAMED[pattern.route]
        url = URLS[name]
        if url.rule not in CITIZEN_RULES or url.post_only or url.json:
            continue
        side = (
            "a"
            if set(pattern.params) & {"number", "vorgangsnummer", "event_id", "position", "pk", "member_pk"}
            else None
        )
        path = _path(pattern, _kwargs(pattern, world, side))
        yield name, f"{path}?{url.query}" if url.query else path, url.rule, side


def test_every_citizen_page_is_english(world):
    clients = {role: _english_client(world, role) for role in CITIZEN_ROLES}
    findings: list[str] = []
    walked = set()
    for name, path, rule, side in _citizen_urls(world):
        for role in CITIZEN_ROLES:
            if rule not in (ANY, NOBODY) and not admitted(rule, role, side):
                continue
            response = clients[role].get(path, follow=True)
            assert response.status_code < 500, f"{role} GET {path}: {response.status_code}"
            findings += _findings(f"{role} {path} ({name})", response)
            walked.add(name)
    assert not findings, "German UI text on English pages:\n  " + "\n  ".join(findings)
    # The walk reaches the pages the issue names (a sample: the table adds any new one by itself).
    expected = {"finder:start", "finder:leistung", "finder:themen", "finder:lebenslage", "postfach:detail"}
    expected |= {"postfach:withdraw", "assistant:reopen", "accounts:organisation", "accounts:data_export"}
    expected |= {"submissions:confirmation", "assistant:account_draft_resume", "rollout:monitor", "projekte:tabelle"}
    assert expected <= walked, expected - walked


def _demo_answers() -> dict:
    from amtsweg.forms.tests.test_real_services import VALID

    return copy.deepcopy(VALID[DEMO_ASSISTANT])


def _organisation_member():
    from django.contrib.auth import get_user_model

    from amtsweg.accounts.models import Membership, Organisation

    user = get_user_model().objects.create_user(username="member", email="member@example.org", password="x" * 16)
    organisation = Organisation.objects.create(name="Apfelgrund GmbH")
    Membership.objects.create(organisation=organisation, user=user, role="inhaber")
    return user


def test_demo_assistant_pages_are_english(db, settings):
    """The demo Hundesteuer assistant of Freiberg: start, every step with real answers, review, stop, save,
    and an expired draft (410)."""
    from amtsweg.assistant.models import Draft
    from amtsweg.demo.forms import demo_forms_ensure
    from amtsweg.forms.selectors import form_resolve

    settings.ALLOWED_HOSTS = ["testserver"]
    demo_forms_ensure()
    client = Client(REMOTE_ADDR=OUTSIDE_ADDRESS)
    client.cookies[LANGUAGE_COOKIE] = "en"
    start = reverse("assistant:start", kwargs={"key": DEMO_ASSISTANT, "ags": DEMO_AGS})
    findings = _findings(f"GET {start}", client.get(start))
    # An organisation member chooses for whom to apply.
    member = _organisation_member()
    organisation_client = Client(REMOTE_ADDR=OUTSIDE_ADDRESS)
    organisation_client.cookies[LANGUAGE_COOKIE] = "en"
    organisation_client.force_login(member)
    page = organisation_client.get(start)
    assert "Apfelgrund GmbH" in page.content.decode()
    findings += _findings(f"GET {start} (organisation member)", page)
    response = client.post(start)
    assert response.status_code == 302, response.status_code
    draft = Draft.objects.get()
    form = form_resolve(version=draft.version, language="en")
    steps = [step["key"] for step in form.steps]
    Draft.objects.filter(pk=draft.pk).update(answers=_demo_answers(), completed_steps=steps, current_step=steps[-1])
    kwargs = {"key": DEMO_ASSISTANT, "ags": DEMO_AGS, "token": draft.token}
    paths = [reverse("assistant:step", kwargs={**kwargs, "step": step}) for step in steps]
    paths += [reverse(f"assistant:{name}", kwargs=kwargs) for name in ("review", "save", "draft")]
    for path in paths:
        response = client.get(path, follow=True)
        assert response.status_code < 500, f"GET {path}: {response.status_code}"
        findings += _findings(f"GET {path}", response)
    # The stop page ("no application needed"): the citizen does not live in the Gemeinde.
    Draft.objects.filter(pk=draft.pk).update(answers={**_demo_answers(), "wohnsitz_hier": False})
    client.post(paths[0], {"f-anlass": "anmeldung", "f-wohnsitz_hier": "nein", "aktion": "weiter"})
    response = client.get(reverse("assistant:stop", kwargs=kwargs))
    assert response.status_code == 200, response.status_code
    assert "Your municipality of residence is responsible" in response.content.decode()
    findings += _findings("stop page", response)
    # A review with an error (no declaration ticked) shows the error summary in English.
    response = client.post(reverse("assistant:review", kwargs=kwargs), {})
    findings += _findings("POST review without declarations", response)
    # An expired draft: 410 with a page to start again.
    Draft.objects.filter(pk=draft.pk).update(expires_at=timezone.now() - timezone.timedelta(days=1))
    response = client.get(paths[0])
    assert response.status_code == 410, response.status_code
    findings += _findings("expired draft (410)", response)
    assert not findings, "German UI text on English pages:\n  " + "\n  ".join(findings)


def test_error_pages_are_english(db):
    """404, 500 and the login lockout (429) in English."""
    client = Client(REMOTE_ADDR=OUTSIDE_ADDRESS, raise_request_exception=False)
    client.cookies[LANGUAGE_COOKIE] = "en"
    findings = _findings("404", client.get("/gibt-es-nicht/"))
    from django.test import RequestFactory
    from django.utils import translation

    from amtsweg.web.views import login_locked_out, server_error

    request = RequestFactory().get("/")
    with translation.override("en"):
        findings += _findings("500", server_error(request))
        response = login_locked_out(request)
    assert response.status_code == 429
    findings += _findings("429 login lockout", response)
    assert not findings, "German UI text on English pages:\n  " + "\n  ".join(findings)


def test_citizen_form_errors_are_english(world):
    """The error states of the citizen forms (the walk above only GETs): invalid or empty submissions."""
    side = world.side("a")
    number = side.vorgang.number
    posts = [
        ("anonymous", reverse("account_login"), {"login": "niemand@example.org", "password": "falsch-falsch"}),
        ("anonymous", reverse("account_signup"), {"email": "kaputt", "password1": "a", "password2": "b"}),
        ("anonymous", reverse("account_reset_password"), {"email": "kaputt"}),
        ("citizen_a", reverse("accounts:profile"), {"birth_date": "31.02.", "postal_code": "abc"}),
        ("citizen_a", reverse("accounts:organisation_create"), {}),
        ("citizen_a", reverse("postfach:attach"), {"number": "AW-2026-UNBEKANN", "code": "falsch"}),
        ("citizen_a", reverse("postfach:detail", kwargs={"number": number}), {"text": ""}),
        ("citizen_a", reverse("postfach:withdraw", kwargs={"number": number}), {"reason": ""}),
        ("citizen_a", reverse("assistant:reopen", kwargs={"number": number}), {"aktion": "einreichen"}),
        ("org_a", reverse("accounts:organisation", kwargs={"pk": side.organisation.pk}), {"email": "kaputt"}),
    ]
    findings: list[str] = []
    for role, path, data in posts:
        client = _english_client(world, role)
        response = client.post(path, data, follow=True)
        assert response.status_code < 500, f"{role} POST {path}: {response.status_code}"
        findings += _findings(f"{role} POST {path}", response)
        page = response.content.decode()
        if path != reverse("accounts:organisation_create"):
            assert "kern-error" in page or "kern-alert--danger" in page, f"{role} POST {path}: no error shown"
    assert not findings, "German UI text on English pages:\n  " + "\n  ".join(findings)
