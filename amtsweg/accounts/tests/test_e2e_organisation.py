"""Mein Konto in Debian's Chromium: profile, Organisationskonto, invitation by e-mail — axe-core on every page."""

from __future__ import annotations

import re
import time

import pytest

from amtsweg.accounts.tests.conftest import mail_text
from amtsweg.demo.tests.test_e2e_accessibility import AXE, assert_accessible

pytestmark = pytest.mark.e2e

MAIL_WAIT = 15  # seconds; only a safety net while the mail travels through SMTP
PASSWORD = "Ein-sicheres-Passwort-2026"
OWNER = "inhaberin.org@example.org"
COLLEAGUE = "kollege.org@example.org"


@pytest.fixture(scope="module")
def users(accounts_stack):
    code = (
        "from django.contrib.auth import get_user_model; from allauth.account.models import EmailAddress\n"
        f"for a in ['{OWNER}', '{COLLEAGUE}']:\n"
        f"    u = get_user_model().objects.create_user(username=a.split('@')[0], email=a, password='{PASSWORD}')\n"
        "    EmailAddress.objects.create(user=u, email=a, verified=True, primary=True)\n"
    )
    accounts_stack.manage("shell", "-c", code)
    return accounts_stack


def _login(page, base: str, address: str) -> None:
    page.goto(base + "/konto/login/")
    page.fill("input[name=login]", address)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main").get_by_role("button", name="Anmelden", exact=True).click()
    assert page.locator("h1").inner_text() == "Mein Konto"


def _mail_to(stack, address: str):
    deadline = time.monotonic() + MAIL_WAIT
    while time.monotonic() < deadline:
        found = [m for m in stack.mailbox.messages if address in m.rcpt_tos]
        if found:
            return found[-1]
        time.sleep(0.2)
    pytest.fail(f"no mail to {address} within {MAIL_WAIT} s")


def test_profile_organisation_and_invitation(axe_page, browser, users):
    base = users.base_url
    page = axe_page
    _login(page, base, OWNER)
    assert_accessible(page, "Mein Konto (leer)")

    page.get_by_role("link", name="Persönliche Angaben bearbeiten").click()
    page.fill("input[name=given_name]", "Ilse")
    page.fill("input[name=family_name]", "Inhaber")
    page.fill("input[name=postal_code]", "0106")
    page.get_by_role("button", name="Speichern").click()
    assert "fünf Ziffern" in page.locator("main").inner_text()
    assert_accessible(page, "Persönliche Angaben mit Fehler")
    page.fill("input[name=postal_code]", "01067")
    page.fill("input[name=city]", "Dresden")
    page.get_by_role("button", name="Speichern").click()
    assert "Ilse Inhaber" in page.locator("main").inner_text()

    page.get_by_role("link", name="Organisationskonto anlegen").click()
    assert_accessible(page, "Organisationskonto anlegen")
    page.fill("input[name=name]", "Sonnen-Bäckerei GmbH")
    page.fill("input[name=vat_id]", "DE123456789")
    page.get_by_role("button", name="Anlegen").click()
    assert page.locator("h1").inner_text() == "Sonnen-Bäckerei GmbH"
    page.fill("input[name=email]", COLLEAGUE)
    page.get_by_role("button", name="Einladung senden").click()
    assert "Die Einladung wurde per E-Mail verschickt." in page.locator("main").inner_text()
    assert_accessible(page, "Organisation mit offener Einladung")

    link = re.search(r"https?://\S+/konto/einladung/\S+/", mail_text(_mail_to(users, COLLEAGUE))).group(0)
    context = browser.new_context(locale="de-DE")
    other = context.new_page()
    other.context.add_init_script(path=str(AXE))
    other.csp_errors = []
    _login(other, base, COLLEAGUE)
    other.goto(link)
    assert_accessible(other, "Einladung annehmen")
    other.get_by_role("button", name="Einladung annehmen").click()
    assert other.locator("h1").inner_text() == "Sonnen-Bäckerei GmbH"
    assert "Sie sind jetzt Mitglied" in other.locator("main").inner_text()
    assert "Person einladen" not in other.locator("main").inner_text()  # Bearbeiter do not manage members
    other.goto(link)
    other.get_by_role("button", name="Einladung annehmen").click()
    assert "bereits angenommen" in other.locator("main").inner_text()
    assert_accessible(other, "Einladung schon verwendet")
    context.close()

    page.reload()
    assert COLLEAGUE in page.locator("main").inner_text()
    assert_accessible(page, "Organisation mit zwei Mitgliedern")
