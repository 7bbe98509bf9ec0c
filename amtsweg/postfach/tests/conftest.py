"""Fixtures for Meine Anträge: real submissions (the Hundesteuer assistant), citizens with accounts, real SMTP."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from amtsweg.submissions.tests import conftest as _submissions

answers = _submissions.answers
dresden = _submissions.dresden
leistung = _submissions.leistung
private_storage_dir = _submissions.private_storage_dir
submit = _submissions.submit
version = _submissions.version
smtp_server = _submissions.smtp_server


def _citizen(name: str):
    return get_user_model().objects.create_user(username=name, email=f"{name}@example.org", password="x" * 16)


@pytest.fixture
def erika(db):
    return _citizen("erika")


@pytest.fixture
def max_(db):
    return _citizen("max")


@pytest.fixture
def own_case(submit, erika):
    """A submission made while Erika was logged in."""
    return submit(applicant=erika)
