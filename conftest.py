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


def pytest_collection_modifyitems(config, items):
    # PostgreSQL-only tests run in the second pass of ./dev test (DATABASE_URL=postgres://…).
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (./dev test runs it with DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("bootstrap", "--reference-only", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture(autouse=True)
def _own_flood_counters(settings):
    """Each test counts its flood limits (amtsweg.web.limits) afresh; the limits themselves stay on."""
    import uuid

    settings.AMTSWEG_LIMITS_KEY_PREFIX = uuid.uuid4().hex[:12]


@pytest.fixture(autouse=True)
def _own_fragment_cache():
    """Rendered fragments and pages are kept per process (ADR 0027), keyed by the reference-data stamp; each
    test's rows are rolled back without a new stamp, so a page kept by one test must not answer the next."""
    from amtsweg.web.fragments import fragments_clear

    fragments_clear()


@pytest.fixture(autouse=True)
def _staff_mfa_off(settings):
    """Admin tests of the other apps log staff in with force_login, which records no second factor.

    The rule itself (amtsweg.accounts.middleware) is tested in amtsweg/accounts/tests with it on.
    """
    settings.AMTSWEG_STAFF_MFA_REQUIRED = False


@pytest.fixture
def worker(monkeypatch):
    """Run the real ``db_worker`` command until no task is ready (delayed retries stay waiting).

    The worker calls close_old_connections() between tasks, which would drop the connection that
    holds the test's (rolled back) transaction; in production that call is what we want.
    """
    import django_tasks_db.management.commands.db_worker as command

    monkeypatch.setattr(command, "close_old_connections", lambda: None)

    def run():
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*", verbosity=0)

    return run


# Browser fixtures for every app's e2e tests (Debian's Chromium; a fresh context per test). Defined once
# here: two copies in different conftests would start two Playwright loops in one worker. Module-scoped:
# while Playwright's loop runs, Django refuses new database connections in that thread ("async context"),
# so the loop must not outlive the e2e module into the other tests an xdist worker runs next.
@pytest.fixture(scope="module")
def browser():
    from pathlib import Path

    from amtsweg.demo.tests.conftest import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()
