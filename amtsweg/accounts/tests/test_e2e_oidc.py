"""OpenID Connect login against a real local provider (issue 10 §3 acceptance), in Debian's Chromium.

The provider is a second Django process (allauth.idp.oidc) on loopback; nothing is mocked: discovery,
authorization code with PKCE, token, JWKS and userinfo go over HTTP between the two servers. The level
comes from the provider's claims (BundID-style trust_level_authentication, eIDAS acr) through the
configured mapping; the Hundesteuer assistant is set to require "hoch".
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from amtsweg.accounts.tests.e2e_stack import PROVIDER_NAME, PROVIDER_PASSWORD
from amtsweg.demo.tests.test_e2e_accessibility import assert_accessible

pytestmark = pytest.mark.e2e

START = "/antrag/hundesteuer/14522180/"  # Freiberg, demo activation
HUNDESTEUER_KEY = "99102013000000"


@pytest.fixture(scope="module")
def requires_hoch(accounts_stack):
    accounts_stack.manage(
        "shell",
        "-c",
        "from amtsweg.catalog.models import Leistung; "
        f"Leistung.objects.filter(leika_key='{HUNDESTEUER_KEY}').update(required_assurance_level='hoch')",
    )
    return accounts_stack


def _provider_login(page, address: str) -> None:
    """On the provider's own login page (another origin): e-mail and password of a test user."""
    try:
        page.wait_for_url(lambda url: "/accounts/login/" in url, timeout=10000)
    except Exception:
        print("URL", page.url)
        print(page.locator("body").inner_text()[:3000])
        raise
    page.fill("input[name=login]", address)
    page.fill("input[name=password]", PROVIDER_PASSWORD)
    page.locator("form button[type=submit]").first.click()


def test_substanziell_login_is_refused_by_an_assistant_requiring_hoch(axe_page, requires_hoch):
    base = requires_hoch.base_url
    page = axe_page
    page.goto(base + START)
    assert page.locator("h1").inner_text() == "Für diesen Antrag ist eine sichere Anmeldung nötig"
    assert "Sie sind nicht angemeldet" in page.content()
    assert_accessible(page, "Erklärung Vertrauensniveau (anonym)")

    page.get_by_role("link", name="Mit höherem Vertrauensniveau anmelden").click()
    assert page.locator("h1").inner_text() == "Mit Vertrauensniveau „hoch“ anmelden"
    assert_accessible(page, "Step-up-Seite")
    page.get_by_role("button", name=f"Anmelden mit {PROVIDER_NAME}").click()
    _provider_login(page, "substanziell@idp.example")

    # Back at Amtsweg, on the page the citizen wanted: still refused, now with the level of the login.
    page.wait_for_url(base + START)
    assert page.locator("h1").inner_text() == "Für diesen Antrag ist eine sichere Anmeldung nötig"
    assert "Ihre jetzige Anmeldung hat das Vertrauensniveau „substanziell“" in page.content()
    assert_accessible(page, "Erklärung Vertrauensniveau (substanziell)")
    page.goto(base + "/konto/")
    assert "Vertrauensniveau dieser Anmeldung: substanziell" in page.locator("main").inner_text()


@pytest.mark.parametrize("address", ["hoch@idp.example", "eidas-hoch@idp.example"])
def test_hoch_login_opens_the_assistant_and_returns_to_it(axe_page, requires_hoch, address):
    base = requires_hoch.base_url
    page = axe_page
    page.goto(base + START)
    page.get_by_role("link", name="Mit höherem Vertrauensniveau anmelden").click()
    page.get_by_role("button", name=f"Anmelden mit {PROVIDER_NAME}").click()
    _provider_login(page, address)
    page.wait_for_url(base + START)
    expect(page.get_by_role("button", name="Antrag starten")).to_be_visible()
    assert_accessible(page, f"Startseite des Assistenten ({address})")
    page.goto(base + "/konto/")
    assert "Vertrauensniveau dieser Anmeldung: hoch" in page.locator("main").inner_text()
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    expect(nav.get_by_role("link", name="Mein Konto", exact=True)).to_be_visible()
