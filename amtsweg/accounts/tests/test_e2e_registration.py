"""A citizen's Servicekonto end to end in Debian's Chromium (issue 10 §2), axe-core on every page.

Registers, reads the verification mail from the real SMTP server, confirms, finds a reused link refused,
sets up an authenticator app (the code computed from the shown secret the way allauth checks it), logs
out, and logs in with password and second factor — a wrong code first, which gets a German error.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from amtsweg.accounts.tests.conftest import mail_text, totp_code
from amtsweg.demo.tests.test_e2e_accessibility import assert_accessible

pytestmark = pytest.mark.e2e

MAIL_WAIT = 15  # seconds; only a safety net while the mail travels through SMTP
ADDRESS = "erika.muster@example.org"
PASSWORD = "Ein-sicheres-Passwort-2026"


def _mail_to(stack, address: str):
    deadline = time.monotonic() + MAIL_WAIT
    while time.monotonic() < deadline:
        found = [m for m in stack.mailbox.messages if address in m.rcpt_tos]
        if found:
            return found[-1]
        time.sleep(0.2)
    pytest.fail(f"no mail to {address} within {MAIL_WAIT} s")


def _submit(page, label: str) -> None:
    page.locator("main").get_by_role("button", name=label, exact=True).click()


def _nav(page, label: str):
    return page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name=label, exact=True)


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_register_confirm_enable_totp_and_log_in_with_second_factor(axe_page, accounts_stack):
    base = accounts_stack.base_url
    page = axe_page

    page.goto(base + "/")
    _nav(page, "Anmelden").click()
    assert_accessible(page, "Anmelden")
    page.locator("main").get_by_role("link", name="registrieren Sie sich").click()
    assert_accessible(page, "Registrieren")
    page.fill("input[name=email]", ADDRESS)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    _submit(page, "Registrieren")
    assert "Wir haben Ihnen eine E-Mail geschickt" in page.locator("main").inner_text()
    assert_accessible(page, "Bestätigungs-E-Mail verschickt")

    link = re.search(r"https?://\S+/konto/confirm-email/\S+/", mail_text(_mail_to(accounts_stack, ADDRESS))).group(0)
    page.goto(link)
    assert_accessible(page, "E-Mail-Adresse bestätigen")
    _submit(page, "Bestätigen")
    page.goto(link)  # the same link again
    assert "Dieser Bestätigungslink ist abgelaufen, wurde bereits verwendet oder ist ungültig" in page.content()
    assert_accessible(page, "Bestätigungslink ungültig")

    page.goto(base + "/konto/")
    if "/konto/login/" in page.url:
        page.fill("input[name=login]", ADDRESS)
        page.fill("input[name=password]", PASSWORD)
        _submit(page, "Anmelden")
    assert page.locator("h1").inner_text() == "Mein Konto"
    assert_accessible(page, "Mein Konto")

    page.get_by_role("link", name="Zwei-Faktor-Authentifizierung verwalten").click()
    assert_accessible(page, "Zwei-Faktor-Authentifizierung")
    page.locator("main").get_by_role("link", name="Aktivieren").first.click()
    if "/reauthenticate/" in page.url:  # security settings ask for the password again
        assert_accessible(page, "Zugriff bestätigen")
        page.fill("input[name=password]", PASSWORD)
        _submit(page, "Bestätigen")
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)
    assert_accessible(page, "Authenticator-App einrichten")
    page.fill("input[name=code]", _wrong(totp_code(secret)))
    _submit(page, "Aktivieren")
    assert "Falscher Code." in page.locator("main").inner_text()
    assert_accessible(page, "Authenticator-App: falscher Code")
    page.fill("input[name=code]", totp_code(secret))
    _submit(page, "Aktivieren")
    assert "/totp/activate/" not in page.url
    assert_accessible(page, "Nach dem Einrichten")

    page.goto(base + "/konto/")
    _submit(page, "Abmelden")
    expect(_nav(page, "Anmelden")).to_be_visible()

    page.goto(base + "/konto/login/")
    page.fill("input[name=login]", ADDRESS)
    page.fill("input[name=password]", PASSWORD)
    _submit(page, "Anmelden")
    assert "/2fa/authenticate/" in page.url
    assert_accessible(page, "Zweiter Faktor")
    page.fill("input[name=code]", _wrong(totp_code(secret)))
    page.locator("main form button[type=submit]").first.click()
    assert "Falscher Code." in page.locator("main").inner_text()
    page.fill("input[name=code]", totp_code(secret))
    page.locator("main form button[type=submit]").first.click()
    assert page.locator("h1").inner_text() == "Mein Konto"
    assert "Die Zwei-Faktor-Authentifizierung ist eingerichtet." in page.locator("main").inner_text()
