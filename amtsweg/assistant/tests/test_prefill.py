"""Prefill from the Servicekonto (issue 10 §4): with consent, matching fields, marked, changeable."""

from __future__ import annotations

import datetime as dt

import pytest

from amtsweg.accounts.models import Profile
from amtsweg.accounts.tests.conftest import make_user
from amtsweg.assistant.tests.conftest import STEP_DATA, Wizard

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen(client):
    user = make_user("erika@example.org")
    Profile.objects.create(
        user=user,
        given_name="Erika",
        family_name="Mustermann",
        birth_date=dt.date(1980, 5, 1),
        street="Schloßstraße",
        house_number="1",
        postal_code="01067",
        city="Dresden",
    )
    client.force_login(user)
    return user


def _start(client, start_url, consent: bool) -> Wizard:
    wizard = Wizard(client, start_url)
    response = client.post(start_url, {"aus_konto": "ja"} if consent else {})
    assert response.status_code == 302
    wizard.base = response["Location"].rsplit("/", 2)[0] + "/"
    wizard.through("anliegen")
    return wizard


def test_start_page_asks_for_consent_only_with_an_account(client, start_url, citizen):
    page = client.get(start_url).content.decode()
    assert "Angaben aus meinem Konto übernehmen" in page
    assert 'name="aus_konto" value="ja" aria-describedby' in page  # not ticked in advance
    assert "Vorname, Nachname, Geburtsdatum, Anschrift, E-Mail-Adresse" in page
    client.logout()
    assert "Angaben aus meinem Konto übernehmen" not in client.get(start_url).content.decode()


def test_with_consent_the_fields_are_filled_marked_and_changeable(client, start_url, citizen):
    wizard = _start(client, start_url, consent=True)
    answers = wizard.draft.answers
    assert answers["vorname"] == "Erika" and answers["nachname"] == "Mustermann"
    assert answers["email"] == "erika@example.org"
    assert answers["anschrift"]["postal_code"] == "01067"
    assert answers["geburtsdatum"] == "1980-05-01"
    page = wizard.get("halter").content.decode()
    assert "Aus Ihrem Konto übernommen: Vorname, Nachname, Geburtsdatum, Anschrift, E-Mail-Adresse" in page
    assert 'value="Erika"' in page and 'value="Schloßstraße"' in page
    # Corrected on the step: the application takes the new value, the profile stays as it was.
    changed = {**STEP_DATA["halter"], "f-vorname": "Erika Maria"}
    assert wizard.post("halter", changed).status_code == 302
    assert wizard.draft.answers["vorname"] == "Erika Maria"
    assert Profile.objects.get(user=citizen).given_name == "Erika"


def test_without_consent_nothing_is_filled(client, start_url, citizen):
    wizard = _start(client, start_url, consent=False)
    assert "vorname" not in wizard.draft.answers
    assert "Aus Ihrem Konto übernommen" not in wizard.get("halter").content.decode()


def test_anonymous_consent_field_is_ignored(client, start_url):
    wizard = _start(client, start_url, consent=True)
    assert "vorname" not in wizard.draft.answers
