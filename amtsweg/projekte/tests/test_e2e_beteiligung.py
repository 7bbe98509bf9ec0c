"""The Beteiligung in Chromium: a member of Freiberg rates, volunteers and comments (a script is refused); the
coordination releases the comment, creates a project from the ranking, invites the volunteers to Werkstatt 1
(real mail through SMTP) and moves the project through its phases (a jump is refused); the public pages show
the new state. Every page passes axe-core under the real CSP."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from amtsweg.accounts.tests.conftest import totp_code
from amtsweg.demo.tests import conftest as _demo
from amtsweg.demo.tests import test_e2e_accessibility as accessibility

pytestmark = pytest.mark.e2e

e2e_stack = _demo.e2e_stack
axe_page = accessibility.axe_page
assert_accessible = accessibility.assert_accessible

MEMBER_PASSWORD = "e2e-beteiligung-kennwort"
COORD_PASSWORD = "e2e-koordination-kennwort"
SETUP = f"""
from django.contrib.auth import get_user_model
from amtsweg.catalog.models import Leistung
from amtsweg.demo.beteiligung import MEMBER_USERNAME, beteiligung_demo_ensure
from playwright.sync_api import expect
beteiligung_demo_ensure()
users = get_user_model()
member = users.objects.get(username=MEMBER_USERNAME)
member.set_password({MEMBER_PASSWORD!r}); member.save()
users.objects.create_superuser("koordination.e2e", "koordination@example.org", {COORD_PASSWORD!r})
print(Leistung.objects.get(leika_key="99089017000000").pk)
"""


def _sign_in(page, base: str, path: str, username: str, password: str) -> None:
    """Log in through the admin login; staff set up their authenticator app on the way (MFA is enforced)."""
    page.goto(base + path)
    assert "/admin/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: path not in url or "/konto/" in url)
    assert "/konto/2fa/" in page.url, page.url
    page.locator("main").get_by_role("link", name="Aktivieren").first.click()
    if "/reauthenticate/" in page.url:
        page.fill("input[name=password]", password)
        page.locator("main").locator("button[type=submit]").click()
    secret = page.locator("#authenticator_secret").input_value()
    used = totp_code(secret)
    page.fill("input[name=code]", used)
    page.locator("main").locator("button[type=submit]").click()
    page.goto(base + path)
    if "/reauthenticate/" in page.url:
        while totp_code(secret) == used:
            page.wait_for_timeout(1000)
        page.fill("input[name=code]", totp_code(secret))
        page.locator("main").locator("button[type=submit]").click()
    page.wait_for_url(base + path)


def test_member_rates_coordination_runs_the_project_public_sees_it(axe_page, e2e_stack):
    fundsachen = e2e_stack.manage("shell", "-c", SETUP).strip().splitlines()[-1]
    base = e2e_stack.base_url
    page = axe_page

    # --- a member of Freiberg ---
    _sign_in(page, base, "/beteiligung/", "beteiligung.freiberg", MEMBER_PASSWORD)
    assert page.locator("h1").inner_text() == "OZG-Beteiligung"
    assert_accessible(page, "Beteiligung Start")
    page.fill("#id_q", "Fundsachen")
    page.get_by_role("button", name="Anzeigen").click()
    page.get_by_role("link", name="Fundsachen", exact=True).click()
    assert page.url.endswith(f"/beteiligung/leistungen/{fundsachen}/")
    assert_accessible(page, "Leistung in der Beteiligung")

    page.get_by_label("dringend").check()
    page.get_by_role("button", name="Bewertung speichern").click()
    expect(page.get_by_text("Ihre Bewertung ist gespeichert.")).to_be_visible()
    page.get_by_label("Teilnahme an OZG-Werkstätten").check()
    page.get_by_role("button", name="Mitwirkung speichern").click()
    expect(page.get_by_text("Ihre Mitwirkungsbereitschaft ist gespeichert.")).to_be_visible()
    page.fill("#id_text", "<script>alert('x')</script>")
    page.get_by_role("button", name="Kommentar senden").click()
    expect(page.get_by_text("Bitte schreiben Sie Ihren Kommentar als reinen Text")).to_be_visible()
    page.fill("#id_text", "Wir nutzen heute Papierformulare & würden gern pilotieren.")
    page.get_by_role("button", name="Kommentar senden").click()
    expect(page.get_by_text("wird nach der Freigabe für alle sichtbar")).to_be_visible()
    assert_accessible(page, "Leistung nach Bewertung und Kommentar")

    # --- the zentrale Koordination ---
    page.context.clear_cookies()
    _sign_in(page, base, "/beteiligung/moderation/", "koordination.e2e", COORD_PASSWORD)
    expect(page.get_by_text("Wir nutzen heute Papierformulare & würden gern pilotieren.")).to_be_visible()
    assert_accessible(page, "Moderation")
    page.get_by_role("button", name="Freigeben").click()
    expect(page.get_by_text("Keine Kommentare warten auf Freigabe.")).to_be_visible()

    page.goto(base + "/beteiligung/rangliste/")
    expect(page.get_by_text("So wird gerechnet:")).to_be_visible()
    assert_accessible(page, "Rangliste")
    page.get_by_label("Fundsachen auswählen").check()
    page.select_option("#id_paket", label="19 Recht & Ordnung")
    page.fill("#id_lb", "05")
    page.fill("#id_title", "Fundsachen kommunal")
    page.get_by_role("button", name="Projekt anlegen").click()
    assert page.locator("h1").inner_text() == "Fundsachen kommunal"
    assert_accessible(page, "Projekt der Koordination")

    page.fill("#id_date", (dt.date.today() + dt.timedelta(days=21)).isoformat())
    page.fill("#id_place", "Dresden")
    page.get_by_role("button", name="Werkstatt anlegen").click()
    expect(page.get_by_text("Kommune(n) eingeladen")).to_be_visible()
    expect(page.get_by_text("Stadtverwaltung Freiberg: offen")).to_be_visible()

    def phase(value: str, status: str, reason: str = "") -> None:
        page.select_option("#id_phase", value)
        page.select_option("#id_status", status)
        page.fill("#id_reason", reason)
        page.get_by_role("button", name="Status speichern").click()

    phase("p3", "in_bearbeitung")
    expect(page.get_by_text("Die Phase 3 kann erst beginnen")).to_be_visible()
    for value in ("la", "p1"):
        phase(value, "in_bearbeitung")
        phase(value, "abgeschlossen")
    phase("p2", "in_bearbeitung")
    assert page.locator("#projekt-stand").inner_text() == "Phase 2: in Bearbeitung"
    assert_accessible(page, "Projekt nach Phasenwechseln")

    e2e_stack.manage("db_worker", "--batch", "--no-startup-delay")
    invitations = e2e_stack.mailbox.to("beteiligung.freiberg@localhost")
    assert invitations and b"OZG-Werkstatt 1" in invitations[-1].content

    # --- the public ---
    page.context.clear_cookies()
    page.goto(base + "/projekte/")
    assert_accessible(page, "Phasentabelle")
    page.get_by_role("link", name="Fundsachen kommunal").click()
    assert page.locator("#projekt-stand").inner_text() == "Phase 2: in Bearbeitung"
    assert_accessible(page, "Projekt öffentlich")
    page.goto(base + "/projekte/landkarte/?q=Fundsachen")
    expect(page.get_by_text("Phase 2: in Bearbeitung").first).to_be_visible()
    assert_accessible(page, "Projektlandkarte")
