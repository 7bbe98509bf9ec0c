"""Fixtures of the authorisation walk: the submission fixtures of the submissions tests, and Freiberg."""

from __future__ import annotations

import pytest

from amtsweg.submissions.tests import conftest as _submissions

dresden = _submissions.dresden
leistung = _submissions.leistung
private_storage_dir = _submissions.private_storage_dir
version = _submissions.version


@pytest.fixture
def freiberg(db):
    from amtsweg.directory.models import Territory

    return Territory.objects.get(kind=Territory.Kind.GEMEINDE, ags="14522180", valid_until__isnull=True)
