"""Test-session setup shared by all apps.

The reference data (Saxony's register, PLZ, generated authorities, the OZG/LeiKa
catalogue) is loaded once per test database by the same ``bootstrap`` command the
platform uses, so tests run against the real data. Each test then runs in a
transaction that is rolled back.
"""

import os

import pytest
from django.core.management import call_command

os.environ.setdefault("AMTSWEG_MODE", "test")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("bootstrap", "--reference-only", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
