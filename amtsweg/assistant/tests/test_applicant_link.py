"""A submission made while logged in belongs to the account (cases.Vorgang.applicant); anonymous ones don't."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from amtsweg.assistant.tests.test_flow import ALL_STEPS

pytestmark = pytest.mark.django_db


def _submit_all(wizard, client):
    for step in ALL_STEPS:
        assert wizard.post(step).status_code == 302, step
    done = client.post(wizard.url("antrag-pruefen"), {"wahrheit": "ja", "datenschutz": "ja"})
    assert done.status_code == 302


def test_logged_in_submit_links_the_account(client, wizard):
    from amtsweg.submissions.models import Submission

    user = get_user_model().objects.create_user(username="erika", email="erika@example.org", password="x" * 16)
    client.force_login(user)
    _submit_all(wizard, client)
    assert Submission.objects.get().vorgang.applicant == user


def test_anonymous_submit_has_no_applicant(client, wizard):
    from amtsweg.submissions.models import Submission

    _submit_all(wizard, client)
    assert Submission.objects.get().vorgang.applicant is None
