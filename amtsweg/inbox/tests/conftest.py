"""Fixtures for the inbox: real submissions (the Hundesteuer assistant) in two authorities, staff of each."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

# The submission fixtures (assistant, answers, private storage) are shared with the submissions tests.
from amtsweg.submissions.tests import conftest as _submissions

answers = _submissions.answers
dresden = _submissions.dresden
leistung = _submissions.leistung
private_storage_dir = _submissions.private_storage_dir
submit = _submissions.submit
version = _submissions.version


@pytest.fixture
def freiberg(db):
    from amtsweg.directory.models import Territory

    return Territory.objects.get(kind=Territory.Kind.GEMEINDE, ags="14522180", valid_until__isnull=True)


@pytest.fixture
def case_a(submit):
    """A submission in Dresden (authority A)."""
    return submit()


@pytest.fixture
def case_b(submit, freiberg):
    """A submission in Freiberg (authority B)."""
    return submit(gemeinde=freiberg)


def _staff(username, *, authority, role="sachbearbeitung", permissions=()):
    from django.contrib.auth.models import Permission

    from amtsweg.directory.services import membership_set

    user = get_user_model().objects.create_user(username=username, password="x" * 16, is_staff=True)
    for app_label, codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label=app_label))
    membership_set(user=user, authority=authority, role=role)
    return user


ADMIN_PERMISSIONS = [
    ("submissions", "view_submission"),
    ("submissions", "change_submission"),
    ("submissions", "delete_submission"),
    ("hub", "view_message"),
    ("hub", "change_message"),
    ("hub", "view_delivery"),
    ("hub", "change_delivery"),
    ("cases", "view_vorgang"),
    ("cases", "delete_vorgang"),
    ("cases", "view_caseevent"),
]


@pytest.fixture
def staff_a(case_a):
    return _staff("sb.dresden", authority=case_a.authority, permissions=ADMIN_PERMISSIONS)


@pytest.fixture
def staff_b(case_b):
    return _staff("sb.freiberg", authority=case_b.authority, permissions=ADMIN_PERMISSIONS)


@pytest.fixture
def make_staff():
    return _staff
