"""The assistant's pages kept per process (ADR 0031): the start page whole for first visits, with each visitor's
own CSRF token, and fragments of the step page — and every change of what they show reaching the page at once."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from amtsweg.assistant import selectors

from .conftest import Wizard

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _first_visit(start_url, *, kept: bool | None = None) -> tuple[Client, str, str]:
    """A new browser (no cookies, CSRF enforced) opens the start page: (client, page, its form's token).
    ``kept``: whether the page must come from the process's store (no template rendered) or be rendered."""
    client = Client(enforce_csrf_checks=True)
    response = client.get(start_url)
    assert response.status_code == 200
    if kept is not None:
        assert (not response.templates) is kept
    html = response.content.decode()
    return client, html, TOKEN.search(html).group(1)


@pytest.mark.django_db
def test_first_visits_share_the_page_but_each_gets_its_own_working_token(start_url):
    first, first_html, first_token = _first_visit(start_url, kept=False)
    second, second_html, second_token = _first_visit(start_url, kept=True)
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    assert first_token != second_token
    # The same page apart from the token, and no trace of the first visitor's token in the second page.
    assert TOKEN.sub("", first_html) == TOKEN.sub("", second_html)
    assert first_token not in second_html
    # The second page came from the process's store (rendered once) and its token starts a draft.
    response = second.post(start_url, {"csrfmiddlewaretoken": second_token})
    assert response.status_code == 302
    assert "/anliegen/" in response["Location"]
    # Another visitor's token is refused: the page kept no token that works for everyone.
    third = Client(enforce_csrf_checks=True)
    third.get(start_url)
    assert third.post(start_url, {"csrfmiddlewaretoken": first_token}).status_code == 403


@pytest.mark.django_db
def test_start_page_follows_the_overlay_at_once(start_url, activation, version, authority):
    from amtsweg.forms.services import overlay_set

    _first_visit(start_url, kept=False)
    _, html, _ = _first_visit(start_url, kept=True)
    assert "Steueramt Dresden" in html
    overlay_set(
        definition=version.definition,
        authority=authority,
        parameters={"gebuehr_erster_hund": "108.00"},
        texts={},
        contact={"name": "Bürgerbüro Steuern", "email": "steuern@dresden.example", "phone": "0351 488-1"},
    )
    _, html, _ = _first_visit(start_url, kept=False)
    assert "Bürgerbüro Steuern" in html and "Steueramt Dresden" not in html


@pytest.mark.django_db
def test_start_page_follows_a_new_published_version(start_url, version):
    from amtsweg.forms.services import definition_load

    _, html, _ = _first_visit(start_url)
    assert "Anmeldung zur Hundesteuer" in html
    document = {**version.document, "title": "Hund anmelden (neue Fassung)"}
    definition_load(document=document, publish=True)
    _, html, _ = _first_visit(start_url)
    assert "Hund anmelden (neue Fassung)" in html


@pytest.mark.django_db
def test_start_page_gone_when_the_activation_is_withdrawn(start_url, version, authority):
    from amtsweg.assistant.services import activation_set

    assert _first_visit(start_url)[0] is not None
    activation_set(definition=version.definition, authority=authority, live=False)
    assert Client().get(start_url).status_code == 404


@pytest.mark.django_db
def test_start_page_follows_the_authority_in_the_reference_data(start_url, authority):
    from amtsweg.directory.models import Authority
    from amtsweg.forms.models import Overlay

    Overlay.objects.all().delete()  # the card then shows the authority's own contact data
    _, html, _ = _first_visit(start_url)
    assert authority.name in html
    from amtsweg.directory.services.version import reference_version_bump

    Authority.objects.filter(pk=authority.pk).update(name="Landeshauptstadt Dresden, Steuern und Kasse")
    reference_version_bump()
    _, html, _ = _first_visit(start_url)
    assert "Landeshauptstadt Dresden, Steuern und Kasse" in html


@pytest.mark.django_db
def test_a_visitor_with_a_draft_gets_the_page_rendered_for_them(client, start_url):
    assert "schon begonnen" not in client.get(start_url).content.decode()
    wizard = Wizard(client, start_url)
    wizard.start()
    assert "schon begonnen" in client.get(start_url).content.decode()
    # … while a first visit still gets the shared page without that draft.
    _, html, _ = _first_visit(start_url)
    assert "schon begonnen" not in html


@pytest.mark.django_db
def test_english_first_visit_is_kept_apart_from_german(start_url):
    from django.conf import settings

    german = _first_visit(start_url)[1]
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(start_url).content.decode()
    assert 'lang="en"' in english and 'lang="de"' in german.split(">", 2)[1]
    assert "Das brauchen Sie" in german and "Das brauchen Sie" not in english


@pytest.mark.django_db
def test_step_page_contact_follows_the_overlay(client, start_url, version, authority):
    from amtsweg.forms.services import overlay_set

    wizard = Wizard(client, start_url)
    wizard.start()
    step = client.get(wizard.base + "anliegen/")
    assert "Steueramt Dresden" in step.content.decode()
    overlay_set(
        definition=version.definition,
        authority=authority,
        parameters={"gebuehr_erster_hund": "108.00"},
        texts={},
        contact={"name": "Bürgerbüro Steuern", "email": "steuern@dresden.example", "phone": "0351 488-1"},
    )
    html = client.get(wizard.base + "anliegen/").content.decode()
    assert "Bürgerbüro Steuern" in html and "Steueramt Dresden" not in html


@pytest.mark.django_db
def test_step_page_progress_follows_the_draft(client, start_url):
    from .conftest import STEP_DATA

    wizard = Wizard(client, start_url)
    wizard.start()
    before = client.get(wizard.base + "anliegen/").content.decode()
    assert "erledigt" not in before
    response = client.post(wizard.base + "anliegen/", {**STEP_DATA["anliegen"], "aktion": "weiter"})
    assert response.status_code == 302
    # The next step: the steps list (a fragment keyed by the progress) now marks the first one done.
    after = client.get(wizard.base + "halter/").content.decode()
    assert "erledigt" in after
    assert "Schritt 2 von" in after


@pytest.mark.django_db
def test_raised_assurance_level_applies_to_the_next_step_at_once(client, start_url, leistung):
    from amtsweg.catalog.models import Leistung

    wizard = Wizard(client, start_url)
    wizard.start()
    assert client.get(wizard.base + "anliegen/").status_code == 200
    # The version (with its Leistung) is cached per process; the level is read with the draft.
    Leistung.objects.filter(pk=leistung.pk).update(required_assurance_level="substanziell")
    assert client.get(wizard.base + "anliegen/").status_code == 403


@pytest.mark.django_db
def test_overlay_is_read_again_only_when_its_stamp_changes(activation, version, authority, django_assert_num_queries):
    from amtsweg.forms.services import overlay_set

    version = selectors.version_get(pk=version.pk)
    form, key = selectors.form_keyed(version=version, authority=authority, language="de")
    with django_assert_num_queries(1):  # the stamp only
        again, same_key = selectors.form_keyed(version=version, authority=authority, language="de")
    assert again is form and same_key == key
    overlay_set(
        definition=version.definition,
        authority=authority,
        parameters={"gebuehr_erster_hund": "120.00"},
        texts={},
        contact={"name": "Steueramt Dresden"},
    )
    changed, new_key = selectors.form_keyed(version=version, authority=authority, language="de")
    assert new_key != key
    assert changed.parameters["gebuehr_erster_hund"] != form.parameters["gebuehr_erster_hund"]
