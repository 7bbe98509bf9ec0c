"""Security key / passkey (WebAuthn) end to end, with Chromium's virtual authenticator (DevTools protocol).

WebAuthn needs JavaScript by nature (allauth's static scripts, under our strict CSP) and a domain as
relying party id, so this test uses http://localhost rather than 127.0.0.1.
"""

from __future__ import annotations

import pytest

from amtsweg.demo.tests.test_e2e_accessibility import assert_accessible

pytestmark = pytest.mark.e2e

PASSWORD = "Ein-sicheres-Passwort-2026"
ADDRESS = "passkey@example.org"


@pytest.fixture(scope="module")
def user(accounts_stack):
    code = (
        "from django.contrib.auth import get_user_model; from allauth.account.models import EmailAddress\n"
        f"u = get_user_model().objects.create_user(username='passkey', email='{ADDRESS}', password='{PASSWORD}')\n"
        f"EmailAddress.objects.create(user=u, email='{ADDRESS}', verified=True, primary=True)\n"
    )
    accounts_stack.manage("shell", "-c", code)
    return accounts_stack


def test_add_a_passkey_and_log_in_with_it(axe_page, user):
    base = user.base_url.replace("127.0.0.1", "localhost")
    page = axe_page
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )["authenticatorId"]
    page.goto(base + "/konto/login/")
    page.fill("input[name=login]", ADDRESS)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main").get_by_role("button", name="Anmelden", exact=True).click()
    assert page.locator("h1").inner_text() == "Mein Konto"

    page.goto(base + "/konto/2fa/webauthn/add/?passwordless")
    if "/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        page.locator("main").get_by_role("button", name="Bestätigen").click()
    assert page.locator("h1").inner_text() == "Sicherheitsschlüssel hinzufügen"
    assert_accessible(page, "Sicherheitsschlüssel hinzufügen")
    page.fill("input[name=name]", "Laptop")
    passwordless = page.locator("input[name=passwordless]")
    if passwordless.count():
        passwordless.check()
    page.get_by_role("button", name="Hinzufügen").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    assert_accessible(page, "Nach dem Hinzufügen")
    assert cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]

    page.goto(base + "/konto/")
    page.locator("main").get_by_role("button", name="Abmelden").click()
    page.goto(base + "/konto/login/")
    page.get_by_role("button", name="Mit einem Passkey anmelden").click()
    page.wait_for_url(lambda url: url.rstrip("/").endswith("/konto"))
    assert page.locator("h1").inner_text() == "Mein Konto"
    assert "Die Zwei-Faktor-Authentifizierung ist eingerichtet." in page.locator("main").inner_text()
