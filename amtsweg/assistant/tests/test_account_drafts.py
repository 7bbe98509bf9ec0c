"""Drafts in "Meine Anträge" (issue 10 §5): owned when started or saved while logged in, continued on any
device of the owner without the e-mailed link, deleted; another user's draft answers 404."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from amtsweg.assistant.models import Draft
from amtsweg.assistant.tests.conftest import STEP_DATA, Wizard

pytestmark = pytest.mark.django_db


def _citizen(name: str):
    return get_user_model().objects.create_user(username=name, email=f"{name}@example.org", password="x" * 16)


@pytest.fixture
def erika():
    return _citizen("erika")


def test_started_while_logged_in_is_listed_and_continues_on_another_device(client, start_url, erika):
    client.force_login(erika)
    wizard = Wizard(client, start_url)
    wizard.start()
    wizard.through("anliegen")
    draft = wizard.draft
    assert draft.user == erika
    listing = client.get(reverse("postfach:list")).content.decode()
    assert "Begonnene Anträge" in listing and draft.gemeinde.name in listing
    resume = reverse("assistant:account_draft_resume", kwargs={"pk": draft.pk})
    assert resume in listing

    # A second device: a fresh session of the same account, no e-mailed link.
    other_device = Client()
    other_device.force_login(erika)
    response = other_device.get(resume)
    assert response.status_code == 302
    step = other_device.get(response["Location"])
    assert step.status_code == 200
    # The answers of the first device are there.
    assert 'value="anmeldung" checked' in step.content.decode() or "Halter" in step.content.decode()


def test_anonymous_draft_becomes_the_users_when_saved_logged_in(client, start_url, erika):
    wizard = Wizard(client, start_url)
    wizard.start()
    assert wizard.draft.user is None
    client.force_login(erika)  # logging in keeps the session's data (new key), so the draft stays bound
    response = wizard.post("anliegen", STEP_DATA["anliegen"])
    assert response.status_code == 302
    assert wizard.draft.user == erika


def test_another_users_draft_is_404_and_not_listed(client, start_url, erika):
    client.force_login(erika)
    wizard = Wizard(client, start_url)
    wizard.start()
    draft = wizard.draft
    max_ = _citizen("max")
    intruder = Client()
    intruder.force_login(max_)
    assert draft.gemeinde.name not in intruder.get(reverse("postfach:list")).content.decode()
    assert intruder.get(reverse("assistant:account_draft_resume", kwargs={"pk": draft.pk})).status_code == 404
    assert intruder.get(reverse("assistant:account_draft_delete", kwargs={"pk": draft.pk})).status_code == 404
    assert intruder.post(reverse("assistant:account_draft_delete", kwargs={"pk": draft.pk})).status_code == 404
    # Nor does the draft's own URL open for them (token known, not theirs, not in their session).
    assert intruder.get(wizard.url("anliegen")).status_code == 404
    assert Draft.objects.filter(pk=draft.pk).exists()


def test_delete_with_confirmation(client, start_url, erika):
    client.force_login(erika)
    wizard = Wizard(client, start_url)
    wizard.start()
    draft = wizard.draft
    url = reverse("assistant:account_draft_delete", kwargs={"pk": draft.pk})
    page = client.get(url)
    assert page.status_code == 200 and "Endgültig löschen" in page.content.decode()
    done = client.post(url, follow=True)
    assert "Der begonnene Antrag wurde gelöscht" in done.content.decode()
    assert not Draft.objects.filter(pk=draft.pk).exists()


def test_submitted_draft_leaves_the_list(client, start_url, erika):
    client.force_login(erika)
    wizard = Wizard(client, start_url)
    wizard.start()
    Draft.objects.filter(pk=wizard.draft.pk).update(submitted_number="AW-2026-XXXXXXXX")
    assert "Sie haben keine begonnenen Anträge" in client.get(reverse("postfach:list")).content.decode()


def test_drafts_table_in_english(client, start_url, erika):
    from amtsweg.postfach.tests.test_english import _german_ui_words

    client.force_login(erika)
    wizard = Wizard(client, start_url)
    wizard.start()
    wizard.through("anliegen")
    client.cookies["amtsweg_language"] = "en"
    listing = client.get(reverse("postfach:list")).content.decode()
    assert "Started applications" in listing and "Last changed" in listing
    assert _german_ui_words(listing) == []
