"""The citizen's new pages in Chromium with axe-core: the "für wen" choice on the start page, drafts in
Meine Anträge with the delete confirmation, and the withdrawal with its error and done states."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from amtsweg.demo.tests import conftest as _demo
from amtsweg.demo.tests import test_e2e_accessibility as accessibility
from amtsweg.demo.tests import test_e2e_assistants as assistants

pytestmark = pytest.mark.e2e

e2e_stack = _demo.e2e_stack
axe_page = accessibility.axe_page
assert_accessible = accessibility.assert_accessible

EMAIL = "erika.aktionen@example.org"
PASSWORD = "e2e-aktionen-kennwort-2026"
SETUP = f"""
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from amtsweg.accounts.models import Membership, Organisation, Role
from amtsweg.cases.services import vorgang_create
from amtsweg.catalog.models import Leistung
from amtsweg.directory.models import Authority
from playwright.sync_api import expect
user = get_user_model().objects.create_user(username="erika-aktionen", email={EMAIL!r}, password={PASSWORD!r})
EmailAddress.objects.create(user=user, email={EMAIL!r}, verified=True, primary=True)
organisation = Organisation.objects.create(name="Muster Hundeschule GmbH")
Membership.objects.create(organisation=organisation, user=user, role=Role.INHABER)
leistung = Leistung.objects.filter(leika_key="{accessibility.HUNDESTEUER_KEY}").order_by("pk").first()
vorgang = vorgang_create(authority=Authority.objects.get(key="gem-14522180"), channel="portal", leistung=leistung,
                         applicant=user)
print(vorgang.number)
"""


def test_choice_drafts_and_withdrawal_are_accessible(axe_page, e2e_stack):
    number = e2e_stack.manage("shell", "-c", SETUP).strip().splitlines()[-1]
    base = e2e_stack.base_url
    page = axe_page
    page.goto(base + "/konto/login/")
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    page.wait_for_url(lambda url: "/konto/login/" not in url)

    assistants._open_assistant(page, base, assistants.HUNDESTEUER)
    expect(page.get_by_text("Für wen stellen Sie den Antrag?")).to_be_visible()
    assert_accessible(page, "Startseite mit Auswahl der Organisation")
    page.get_by_label("Für die Organisation „Muster Hundeschule GmbH“").check()
    assistants._submit(page, page.get_by_role("button", name="Antrag starten"))
    assert assistants._h1(page) == assistants.HUNDESTEUER.steps[0].title

    page.goto(base + "/konto/antraege/")
    assert "für Muster Hundeschule GmbH" in page.locator("main").inner_text()
    assert_accessible(page, "Meine Anträge mit Entwurf")
    page.get_by_role("link", name="fortsetzen").first.click()
    assert assistants._h1(page) == assistants.HUNDESTEUER.steps[0].title
    page.goto(base + "/konto/antraege/")
    page.get_by_role("link", name="löschen").first.click()
    assert_accessible(page, "Entwurf löschen")
    page.get_by_role("button", name="Endgültig löschen").click()
    assert "Sie haben keine begonnenen Anträge" in page.locator("main").inner_text()
    assert_accessible(page, "Meine Anträge nach dem Löschen")

    page.goto(f"{base}/konto/antraege/{number}/")
    page.get_by_role("link", name="Antrag zurückziehen").click()
    assert_accessible(page, "Antrag zurückziehen")
    page.get_by_role("button", name="Antrag endgültig zurückziehen").click()
    assert "Bitte bestätigen Sie" in page.locator("main").inner_text()
    assert_accessible(page, "Antrag zurückziehen (Fehler)")
    page.get_by_label("Ja, ich ziehe diesen Antrag zurück.").check()
    page.get_by_role("button", name="Antrag endgültig zurückziehen").click()
    assert "Ihr Antrag wurde zurückgezogen" in page.locator("main").inner_text()
    assert_accessible(page, "Antrag zurückgezogen")
