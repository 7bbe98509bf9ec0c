"""The Konfigurationsportal in Chromium (issue 12): the demo Kommunal-Admin of Pirna signs in with a second
factor, activates the Hundesteuer, configures it with forms (no JSON typed), routes it to a mailbox, sends a
test application and schedules the go-live; when the date has come the scheduler's job switches it on, a
citizen of Pirna finds it and submits, and the application arrives at the chosen mailbox. Another Kommune's
admin gets 404 for Pirna's set-up. Every portal page passes axe-core under the strict CSP."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest
from playwright.sync_api import expect

from amtsweg.accounts.tests.conftest import totp_code
from amtsweg.demo.tests import test_e2e_accessibility as accessibility
from amtsweg.demo.tests.test_e2e_assistants import (
    HUNDESTEUER,
    Scenario,
    Step,
    _fill,
    _h1,
    _open_assistant,
    _submit,
    _wait_for_mail,
    _weiter,
)

pytestmark = pytest.mark.e2e

axe_page = accessibility.axe_page
assert_accessible = accessibility.assert_accessible

PASSWORD = "e2e-kommunal-admin-kennwort"
MAILBOX = "steueramt@pirna.example"
SETUP = f"""
from django.contrib.auth import get_user_model
from amtsweg.demo.staff import KOMMUNAL_ADMIN_USERNAME, demo_kommunal_admin_ensure
from amtsweg.directory.models import Authority, AuthorityMembership
from amtsweg.directory.services import membership_set
demo_kommunal_admin_ensure()
users = get_user_model()
user = users.objects.get(username=KOMMUNAL_ADMIN_USERNAME)
user.set_password({PASSWORD!r}); user.save()
other, _ = users.objects.get_or_create(username="konfiguration.freiberg", defaults={{"is_staff": True}})
other.set_password({PASSWORD!r}); other.save()
freiberg = Authority.objects.get(key="gem-14522180")
membership_set(user=other, authority=freiberg, role=AuthorityMembership.Role.KOMMUNAL_ADMIN)
"""
# The date has come: what the calendar does in production, the test does to the planned row.
DATE_REACHED = """
from datetime import timedelta
from amtsweg.common import clock
from amtsweg.konfig.models import ServiceSetup
from playwright.sync_api import expect
ServiceSetup.objects.filter(authority__key="gem-14628270", golive_at__isnull=False).update(
    golive_at=clock.now() - timedelta(minutes=1))
"""

PIRNA_HUNDESTEUER = Scenario(
    label="Hundesteuer",
    leika_key=HUNDESTEUER.leika_key,
    query="Hundesteuer",
    ags="14628270",
    place="Pirna",
    email="paul.richter@example.org",
    steps=[
        Step("Ihr Anliegen", {"anlass": "anmeldung", "gefaehrlich_vorhanden": "nein", "wohnsitz_hier": "ja"}),
        Step(
            "Angaben zur Halterin oder zum Halter",
            {
                "vorname": "Paul",
                "nachname": "Richter",
                "geburtsdatum": "02.09.1979",
                "anschrift-street": "Dohnaische Straße",
                "anschrift-house_number": "3",
                "anschrift-postal_code": "01796",
                "anschrift-city": "Pirna",
                "email": "paul.richter@example.org",
            },
        ),
        Step(
            "Angaben zu den Hunden",
            {
                "hund-0-hund_name": "Elbi",
                "hund-0-hund_rasse": "Beagle",
                "hund-0-hund_geschlecht": "huendin",
                "hund-0-hund_seit": (dt.date.today() - dt.timedelta(days=10)).strftime("%d.%m.%Y"),
                "hund-0-hund_gefaehrlich": "nein",
            },
        ),
        Step("Ermäßigung oder Befreiung", {"befreiung_beantragt": "nein"}),
        Step("Steuer und Zahlung", {"lastschrift": "nein"}),
    ],
    error_step=-1,
    error_answers={},
    error_field="",
    error_text="",
    back_step=-1,
    save_step=-1,
    change_label="",
    change_field="",
    change_value="",
)


def _sign_in(page, base: str, username: str) -> None:
    """Admin login, then the second factor the staff area demands (an authenticator app set up now)."""
    page.goto(base + "/konfiguration/")
    assert "/admin/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: "/admin/login/" not in url)
    page.wait_for_load_state()
    assert "/konto/2fa/" in page.url, page.url
    activate = page.locator("main").get_by_role("link", name="Aktivieren").first
    assert activate.count(), page.url + "\n" + page.locator("body").inner_text()[:1500]
    activate.click()
    if "/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        page.locator("main").locator("button[type=submit]").click()
    secret = page.locator("#authenticator_secret").input_value()
    used = totp_code(secret)
    page.fill("input[name=code]", used)
    page.locator("main").locator("button[type=submit]").click()
    assert "/totp/activate/" not in page.url
    page.goto(base + "/konfiguration/")
    if "/reauthenticate/" in page.url:
        while totp_code(secret) == used:
            page.wait_for_timeout(1000)
        page.fill("input[name=code]", totp_code(secret))
        page.locator("main").locator("button[type=submit]").click()
        page.wait_for_url(base + "/konfiguration/")


def _mail_header(envelope, name: str) -> str:
    message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
    return str(message.get(name, "")).strip()


def test_kommune_admin_activates_configures_tests_schedules_and_citizen_submits(axe_page, browser, e2e_stack):
    e2e_stack.manage("shell", "-c", SETUP)
    base = e2e_stack.base_url
    page = axe_page

    _sign_in(page, base, "konfiguration.pirna")
    assert _h1(page) == "Konfigurationsportal"
    assert "Stadtverwaltung Pirna" in page.locator("main").inner_text()
    assert_accessible(page, "Katalog")
    page.fill("#suche", "Hundesteuer")
    _submit(page, page.get_by_role("button", name="Suchen"))
    expect(page.get_by_text("nicht aktiviert").first).to_be_visible()
    _submit(page, page.get_by_role("link", name="„Anmeldung zur Hundesteuer“ an eine andere Behörde übertragen"))
    expect(page.get_by_label("Übernehmende Behörde")).to_be_visible()  # the shared-service offer (not sent here)
    assert_accessible(page, "Leistung übertragen")
    page.go_back()
    _submit(page, page.get_by_role("button", name="„Anmeldung zur Hundesteuer“ aktivieren"))
    assert _h1(page) == "Anmeldung zur Hundesteuer"
    assert page.locator("#stand").inner_text() == "in Vorbereitung"
    assert_accessible(page, "Einrichtung")
    setup_url = page.url

    # Texts, fees, contact: labelled fields, no JSON.
    _submit(page, page.get_by_role("link", name="Texte, Gebühren und Kontakt bearbeiten"))
    assert_accessible(page, "Texte, Gebühren und Kontakt")
    page.get_by_label("Steuersatz erster Hund (€/Jahr)").fill("zu viel")
    _submit(page, page.get_by_role("button", name="Angaben speichern"))
    assert "Betrag in Euro" in page.locator(".kern-form-input--error").first.inner_text()
    assert_accessible(page, "Texte, Gebühren und Kontakt (Fehler)")
    page.get_by_label("Steuersatz erster Hund (€/Jahr)").fill("108,00")
    hunde = page.locator("fieldset", has=page.locator("legend", has_text="Schritt „Angaben zu den Hunden“"))
    hunde.get_by_label("Einleitung zum Schritt").fill("In Pirna melden Sie jeden Hund einzeln an.")
    page.get_by_label("Telefon für Rückfragen", exact=True).check()
    page.get_by_label("Ansprechstelle").fill("Stadt Pirna, Steuer- und Kassenverwaltung")
    _submit(page, page.get_by_role("button", name="Angaben speichern"))
    expect(page.get_by_text("Ihre Angaben sind gespeichert.")).to_be_visible()

    _submit(page, page.get_by_role("link", name="Vorschau des Antrags"))
    preview = page.locator("main").inner_text()
    assert "In Pirna melden Sie jeden Hund einzeln an." in preview and "108.00" in preview
    assert "Telefon für Rückfragen" not in preview
    assert_accessible(page, "Vorschau")
    page.goto(setup_url)

    # Route: the mailbox, with the adapter's settings as a form.
    _submit(page, page.get_by_role("link", name="Zielsystem wählen"))
    assert_accessible(page, "Weiterleitung")
    page.get_by_label("Bezeichnung des Zielsystems").fill("Postfach Steueramt")
    page.get_by_label("SMTP-Server").fill("127.0.0.1")
    page.get_by_label("Port", exact=True).fill(e2e_stack.env["EMAIL_PORT"])
    page.get_by_label("STARTTLS").uncheck()
    page.get_by_label("Absenderadresse").fill("serviceportal@pirna.example")
    page.get_by_label("Empfängeradressen").fill(MAILBOX)
    _submit(page, page.get_by_role("button", name="Weiterleitung speichern"))
    expect(page.get_by_text("Die Weiterleitung ist gespeichert.")).to_be_visible()

    # Go-live is refused before a test; the test goes through the route and is marked as one.
    page.get_by_label("sofort").check()
    _submit(page, page.get_by_role("button", name="Online-Gang festlegen"))
    expect(page.get_by_text("erst nach einem erfolgreichen Testantrag").first).to_be_visible()
    _submit(page, page.get_by_role("button", name="Testantrag senden"))
    assert page.locator("section[aria-labelledby=testantrag] .kern-title").inner_text().startswith("Zugestellt")
    assert page.locator("#stand").inner_text() == "Test bestanden"
    assert_accessible(page, "Einrichtung nach dem Test")
    [test_mail] = _wait_for_mail(e2e_stack.mailbox, MAILBOX, 1)
    assert _mail_header(test_mail, "X-Amtsweg-Test") == "1"

    # Scheduled for tomorrow; the scheduler switches it on once the date has come.
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    page.get_by_label("ab einem Datum").check()
    page.get_by_label("Datum", exact=True).fill(tomorrow.isoformat())
    _submit(page, page.get_by_role("button", name="Online-Gang festlegen"))
    assert page.locator("#stand").inner_text() == f"geplant ab {tomorrow:%d.%m.%Y}"
    e2e_stack.manage("shell", "-c", DATE_REACHED)
    e2e_stack.manage("scheduler", "--once", "konfig_golive_due")
    page.reload()
    assert page.locator("#stand").inner_text() == "online"
    assert_accessible(page, "Einrichtung online")

    # A citizen of Pirna finds the service and submits; it arrives at the chosen mailbox.
    citizen = browser.new_context(locale="de-DE").new_page()
    citizen.context.add_init_script(path=str(accessibility.AXE))
    citizen.csp_errors = []
    _open_assistant(citizen, base, PIRNA_HUNDESTEUER)
    _submit(citizen, citizen.get_by_role("button", name="Antrag starten"))
    for step in PIRNA_HUNDESTEUER.steps:
        assert _h1(citizen) == step.title
        _fill(citizen, step.answers, None)
        _weiter(citizen)
    assert _h1(citizen) == "Angaben prüfen und absenden"
    if citizen.locator("#bestaetigung-email").count():
        citizen.locator("#bestaetigung-email").fill(PIRNA_HUNDESTEUER.email)
    citizen.get_by_label("Ich versichere", exact=False).check()
    citizen.get_by_label("Datenschutzhinweise gelesen", exact=False).check()
    _submit(citizen, citizen.get_by_role("button", name="Antrag verbindlich absenden"))
    assert _h1(citizen) == "Ihr Antrag ist eingegangen"
    e2e_stack.manage("db_worker", "--batch", "--no-startup-delay")
    e2e_stack.manage("db_worker", "--batch", "--no-startup-delay")
    mails = _wait_for_mail(e2e_stack.mailbox, MAILBOX, 2)
    real = mails[-1]
    assert _mail_header(real, "X-Amtsweg-Test") == ""
    assert _mail_header(real, "X-Amtsweg-Vorgangsnummer").startswith("AW-")
    citizen.context.close()

    # Another Kommune's admin: neither Pirna's set-up nor Pirna in the catalogue.
    other = browser.new_context(locale="de-DE").new_page()
    _sign_in(other, base, "konfiguration.freiberg")
    assert "Pirna" not in other.locator("main").inner_text()
    response = other.goto(setup_url)
    assert response.status == 404
    other.context.close()
