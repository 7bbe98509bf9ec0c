"""Applying "für die Organisation" (issue 10 §2, §4): the choice on the start page, the draft and the
Vorgang record it, the organisation's data prefill matching fields."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from amtsweg.accounts.models import Membership, Organisation, Role
from amtsweg.accounts.prefill import prefill_answers
from amtsweg.assistant.models import Draft

pytestmark = pytest.mark.django_db

GEWERBE = Path(__file__).resolve().parents[2] / "forms" / "definitions" / "gewerbeanzeige.yaml"


@pytest.fixture
def member():
    user = get_user_model().objects.create_user(username="erika", email="erika@example.org", password="x" * 16)
    organisation = Organisation.objects.create(
        name="Muster GmbH", register_court="Amtsgericht Chemnitz", register_number="HRB 12345"
    )
    Membership.objects.create(organisation=organisation, user=user, role=Role.BEARBEITER)
    return user


def test_start_page_offers_the_choice_and_the_draft_records_it(client, start_url, member):
    client.force_login(member)
    page = client.get(start_url).content.decode()
    assert "Für wen stellen Sie den Antrag?" in page and "Muster GmbH" in page
    organisation = Organisation.objects.get()
    assert client.post(start_url, {"fuer": str(organisation.pk)}).status_code == 302
    assert Draft.objects.get().organisation == organisation
    assert client.post(start_url, {"fuer": "selbst"}).status_code == 302
    assert Draft.objects.filter(organisation__isnull=True, user=member).count() == 1


def test_foreign_organisation_is_refused(client, start_url, member):
    other = Organisation.objects.create(name="Fremd AG")
    client.force_login(member)
    assert client.post(start_url, {"fuer": str(other.pk)}).status_code == 400
    assert not Draft.objects.exists()


def test_no_choice_without_memberships(client, start_url):
    user = get_user_model().objects.create_user(username="max", password="x" * 16)
    client.force_login(user)
    assert "Für wen stellen Sie den Antrag?" not in client.get(start_url).content.decode()


def test_organisation_data_prefills_the_gewerbeanzeige(member):
    from amtsweg.forms.selectors import form_resolve
    from amtsweg.forms.services import definition_load_file

    version = definition_load_file(path=GEWERBE, publish=True)
    form = form_resolve(version=version, overlay=None)
    organisation = Organisation.objects.get()
    personal = prefill_answers(user=member, form=form)
    assert "firma" not in personal
    answers = prefill_answers(user=member, form=form, organisation=organisation)
    assert answers["firma"] == "Muster GmbH"
    assert answers["registergericht"] == "Amtsgericht Chemnitz"
    assert answers["registernummer"] == "12345"
    assert answers["registereintrag"] == "ja"


def test_submitted_for_the_organisation_the_vorgang_records_it(client, start_url, member):
    from amtsweg.assistant.tests.conftest import Wizard
    from amtsweg.assistant.tests.test_flow import ALL_STEPS
    from amtsweg.submissions.models import Submission

    organisation = Organisation.objects.get()
    client.force_login(member)
    response = client.post(start_url, {"fuer": str(organisation.pk)})
    wizard = Wizard(client, start_url)
    wizard.base = response["Location"].rsplit("/", 2)[0] + "/"
    for step in ALL_STEPS:
        assert wizard.post(step).status_code == 302, step
    done = client.post(wizard.url("antrag-pruefen"), {"wahrheit": "ja", "datenschutz": "ja"})
    assert done.status_code == 302
    vorgang = Submission.objects.get().vorgang
    assert vorgang.applicant == member and vorgang.organisation == organisation
