"""Privacy in Debian's Chromium: download one's data, delete the account after entering the password again,
and the Datenschutzhinweise — axe-core on every page."""

from __future__ import annotations

import json

import pytest

from amtsweg.demo.tests.test_e2e_accessibility import assert_accessible

pytestmark = pytest.mark.e2e

PASSWORD = "Ein-sicheres-Passwort-2026"
ADDRESS = "loeschen.e2e@example.org"


@pytest.fixture(scope="module")
def citizen(accounts_stack):
    code = (
        "from django.contrib.auth import get_user_model; from allauth.account.models import EmailAddress\n"
        f"u = get_user_model().objects.create_user(username='loeschen', email='{ADDRESS}', password='{PASSWORD}')\n"
        f"EmailAddress.objects.create(user=u, email='{ADDRESS}', verified=True, primary=True)\n"
    )
    accounts_stack.manage("shell", "-c", code)
    return accounts_stack


def test_export_delete_and_datenschutz(axe_page, citizen):
    base = citizen.base_url
    page = axe_page
    page.goto(base + "/datenschutz/")
    assert "Speicherdauer und Löschung" in page.locator("main").inner_text()
    assert_accessible(page, "Datenschutzhinweise")

    page.goto(base + "/konto/login/")
    page.fill("input[name=login]", ADDRESS)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main").get_by_role("button", name="Anmelden", exact=True).click()
    assert page.locator("h1").inner_text() == "Mein Konto"
    assert_accessible(page, "Mein Konto mit Ihre Daten")

    with page.expect_download() as download_info:
        page.locator("main").get_by_role("button", name="Meine Daten herunterladen").click()
    download = download_info.value
    assert download.suggested_filename == "amtsweg-meine-daten.json"
    data = json.loads(open(download.path(), encoding="utf-8").read())  # noqa: SIM115
    assert data["konto"]["e_mail"] == ADDRESS

    page.goto(base + "/konto/daten/")
    assert_accessible(page, "Meine Daten herunterladen")

    page.goto(base + "/konto/")
    page.get_by_role("link", name="Konto löschen").click()
    assert page.locator("h1").inner_text() == "Konto löschen"
    assert_accessible(page, "Konto löschen")
    page.get_by_label("Ja, ich möchte mein Konto endgültig löschen.").check()
    page.get_by_role("button", name="Konto endgültig löschen").click()
    # allauth asks for the password again before the deletion goes through.
    assert "/konto/reauthenticate/" in page.url
    assert_accessible(page, "Passwort erneut eingeben")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main").get_by_role("button").first.click()
    # allauth replays the suspended POST (confirmation ticked) once the password is right.
    assert "Ihr Konto und die dazugehörigen Daten wurden gelöscht." in page.locator("body").inner_text()
    assert_accessible(page, "Nach der Löschung")

    page.goto(base + "/konto/login/")
    page.fill("input[name=login]", ADDRESS)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main").get_by_role("button", name="Anmelden", exact=True).click()
    assert page.locator("h1").inner_text() != "Mein Konto"
