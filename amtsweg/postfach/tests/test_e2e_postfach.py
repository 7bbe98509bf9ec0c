"""Meine Anträge in Chromium: a citizen signs in, opens the list, a case with a Nachforderung and a Bescheid,
and the attach form; every page passes axe-core under the real CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from amtsweg.demo.tests import conftest as _demo
from amtsweg.demo.tests import test_e2e_accessibility as accessibility

pytestmark = pytest.mark.e2e

e2e_stack = _demo.e2e_stack
axe_page = accessibility.axe_page
assert_accessible = accessibility.assert_accessible

EMAIL = "erika.postfach@example.org"
PASSWORD = "e2e-postfach-kennwort-2026"
SETUP = f"""
import datetime
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from amtsweg.cases.services import bescheid_issue, nachforderung_request, processing_resume, vorgang_create
from amtsweg.catalog.models import Leistung
from amtsweg.directory.models import Authority
from playwright.sync_api import expect
user = get_user_model().objects.create_user(username="erika-postfach", email={EMAIL!r}, password={PASSWORD!r})
EmailAddress.objects.create(user=user, email={EMAIL!r}, verified=True, primary=True)
leistung = Leistung.objects.filter(leika_key="{accessibility.HUNDESTEUER_KEY}").order_by("pk").first()
authority = Authority.objects.get(key="gem-14522180")
vorgang = vorgang_create(authority=authority, channel="portal", leistung=leistung, applicant=user)
nachforderung_request(vorgang=vorgang, actor=user, text="Bitte reichen Sie den Versicherungsnachweis ein.",
                      due_date=datetime.date.today() + datetime.timedelta(days=14), documents=["Versicherungsnachweis"])
processing_resume(vorgang=vorgang, actor=user)
bescheid_issue(vorgang=vorgang, actor=user, text="Die Hundesteuer wird festgesetzt.")
print(vorgang.number)
"""


def test_meine_antraege_pages_are_accessible(axe_page, e2e_stack):
    number = e2e_stack.manage("shell", "-c", SETUP).strip().splitlines()[-1]
    base = e2e_stack.base_url
    page = axe_page

    page.goto(base + "/konto/antraege/")
    assert "/konto/login/" in page.url
    page.fill("input[name=login]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Anmelden", exact=True).click()
    page.wait_for_url(lambda url: "/konto/login/" not in url)
    page.goto(base + "/konto/")
    # Nachforderung and Bescheid are messages; the status change "in Bearbeitung" shows in the timeline only.
    assert "2 ungelesene Nachrichten" in page.locator("main").inner_text()
    assert_accessible(page, "Mein Konto")

    page.goto(base + "/konto/antraege/")
    assert page.locator("h1").inner_text() == "Meine Anträge"
    assert_accessible(page, "Meine Anträge")

    page.get_by_role("link", name=number).click()
    assert page.locator("h1").inner_text() == f"Antrag {number}"
    expect(page.get_by_text("Bitte reichen Sie den Versicherungsnachweis ein.")).to_be_visible()
    assert_accessible(page, "Antrag mit Postfach")
    with page.expect_download() as download:
        page.get_by_role("link", name="Bescheid herunterladen (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")

    page.goto(base + "/konto/antraege/hinzufuegen/")
    page.fill("#id_number", number)
    page.fill("#id_code", "AAAAA-AAAAA")
    page.get_by_role("button", name="Antrag hinzufügen").click()
    expect(page.get_by_text("passen nicht zusammen").first).to_be_visible()
    assert_accessible(page, "Antrag hinzufügen mit Fehler")
