"""The Sachbearbeitung inbox in Chromium: the demo case worker of Freiberg signs in, opens a case from
the list, requests documents, resumes and decides with a Bescheid; every page passes axe-core."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from amtsweg.accounts.tests.conftest import totp_code
from amtsweg.demo.tests import test_e2e_accessibility as accessibility

pytestmark = pytest.mark.e2e

axe_page = accessibility.axe_page
assert_accessible = accessibility.assert_accessible

PASSWORD = "e2e-sachbearbeitung-kennwort"
SETUP = f"""
from amtsweg.cases.services import vorgang_create
from amtsweg.catalog.models import Leistung
from amtsweg.demo.staff import CASEWORKER_USERNAME, demo_caseworker_ensure
from amtsweg.directory.models import Authority
from django.contrib.auth import get_user_model
from playwright.sync_api import expect
demo_caseworker_ensure()
user = get_user_model().objects.get(username=CASEWORKER_USERNAME)
user.set_password({PASSWORD!r}); user.save()
leistung = Leistung.objects.filter(leika_key="{accessibility.HUNDESTEUER_KEY}").order_by("pk").first()
vorgang = vorgang_create(authority=Authority.objects.get(key="gem-14522180"), channel="api", leistung=leistung)
print(vorgang.number)
"""


def test_list_case_nachforderung_bescheid(axe_page, e2e_stack):
    number = e2e_stack.manage("shell", "-c", SETUP).strip().splitlines()[-1]
    base = e2e_stack.base_url
    page = axe_page

    page.goto(base + "/sachbearbeitung/")
    assert "/admin/login/" in page.url
    page.fill("#id_username", "sachbearbeitung.freiberg")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    secret, used = _second_factor_set_up(page)
    page.goto(base + "/sachbearbeitung/")
    if "/reauthenticate/" in page.url:  # the session has not used the second factor yet
        page.fill("input[name=code]", _fresh_code(page, secret, used))
        page.locator("main").locator("button[type=submit]").click()
    page.wait_for_url(base + "/sachbearbeitung/")
    assert page.locator("h1").inner_text() == "Posteingang Sachbearbeitung"
    assert_accessible(page, "Posteingang")

    page.get_by_role("link", name=number).click()
    assert page.locator("h1").inner_text() == f"Vorgang {number}"
    assert_accessible(page, "Vorgang")

    page.get_by_role("button", name="Vorgang übernehmen").click()
    expect(page.get_by_text("Sie bearbeiten diesen Vorgang jetzt.")).to_be_visible()

    page.fill("#id_text", "Bitte reichen Sie den Nachweis der Haftpflichtversicherung nach.")
    page.fill("#id_documents", "Versicherungsnachweis")
    page.fill("#id_due_date", (date.today() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Unterlagen nachfordern").click()
    expect(page.get_by_text("Die Bearbeitungsfrist ruht").first).to_be_visible()
    assert_accessible(page, "Vorgang mit Nachforderung")

    page.get_by_role("button", name="Unterlagen eingegangen – Bearbeitung fortsetzen").click()
    page.get_by_role("link", name="Bescheid erstellen").click()
    assert "Rechtsbehelfsbelehrung" in page.locator("#id_text").input_value()
    assert_accessible(page, "Bescheid erstellen")
    page.get_by_role("button", name="Bescheid erstellen").click()
    expect(page.get_by_text("Der Bescheid wurde erstellt.")).to_be_visible()
    expect(page.get_by_role("link", name="Bescheid (PDF)")).to_be_visible()
    assert_accessible(page, "Vorgang mit Bescheid")

    with page.expect_download() as download:
        page.get_by_role("link", name="Bescheid (PDF)").click()
    assert download.value.suggested_filename == f"Bescheid-{number}.pdf"


def _second_factor_set_up(page) -> tuple[str, str]:
    """Staff must use a second factor (accounts.middleware): the case worker sets up an authenticator app
    on the page the inbox sends them to, the code computed from the shown secret."""
    page.wait_for_url(lambda url: "/sachbearbeitung/" not in url or "/konto/" in url)
    assert "/konto/2fa/" in page.url, page.url
    page.locator("main").get_by_role("link", name="Aktivieren").first.click()
    if "/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        page.locator("main").locator("button[type=submit]").click()
    secret = page.locator("#authenticator_secret").input_value()
    used = totp_code(secret)
    page.fill("input[name=code]", used)
    page.locator("main").locator("button[type=submit]").click()
    assert "/totp/activate/" not in page.url
    return secret, used


def _fresh_code(page, secret: str, used: str) -> str:
    """A code not used yet: allauth refuses a TOTP code twice, so wait for the next period if needed."""
    while totp_code(secret) == used:
        page.wait_for_timeout(1000)
    return totp_code(secret)
