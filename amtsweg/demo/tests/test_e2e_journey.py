"""One case from application to Bescheid in Chromium (issue 10, acceptance), axe-core on every page.

A citizen registers (verification mail from the local SMTP server), sets up an authenticator app and
applies for the Hundesteuer in Freiberg; the worker sends receipt and confirmation. A case worker (with
second factor) requests a document in the inbox; the citizen is told by e-mail *that* something arrived,
uploads the document into the reopened step of the application (saved, reloaded, handed in); the case
worker sees it and decides with a Bescheid; the citizen downloads the Bescheid PDF from the Postfach.
The second test does the same with a Fachverfahren that answers through the hub's return channel.
"""

from __future__ import annotations

import base64
import email
import email.policy
import io
import json
import re
import time
import urllib.request
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from amtsweg.accounts.tests.conftest import totp_code
from amtsweg.cases.tasks import SUBJECT as NOTICE_SUBJECT
from amtsweg.demo.tests import test_e2e_assistants as assistants
from amtsweg.demo.tests import test_e2e_inbox as inbox
from amtsweg.demo.tests.test_e2e_accessibility import assert_accessible

pytestmark = pytest.mark.e2e

ADDRESS = "journey.buergerin@example.org"
ADDRESS_FV = "journey.fachverfahren@example.org"
PASSWORD = "Ein-sicheres-Passwort-Journey-2026"
WORKER = ("db_worker", "--batch", "--no-startup-delay")
STAFF_SETUP = f"""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from amtsweg.demo.staff import CASEWORKER_AUTHORITY_KEY, PERMISSIONS
from amtsweg.directory.models import Authority
from amtsweg.directory.services import membership_set
user, _ = get_user_model().objects.get_or_create(username="sb.journey", defaults={{"is_staff": True}})
user.set_password({inbox.PASSWORD!r}); user.save()
for app_label, codename in PERMISSIONS:
    user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
membership_set(user=user, authority=Authority.objects.get(key=CASEWORKER_AUTHORITY_KEY))
"""
CLIENT_SETUP = """
from amtsweg.apiclients.services import api_client_create
from amtsweg.directory.models import Authority
from playwright.sync_api import expect
scopes = ["submissions:write", "status:write", "status:read", "decisions:write"]
_client, token = api_client_create(
    name="Demo-Fachverfahren (Journey)", scopes=scopes, authority=Authority.objects.get(key="gem-14522180")
)
print(token)
"""


@pytest.fixture(scope="module")
def pdf_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("journey") / "Wesenstest.pdf"
    path.write_bytes(assistants.PDF_BYTES)
    return path


@pytest.fixture
def pages(browser):
    opened = []

    def new():
        page = assistants._new_page(browser)
        opened.append(page)
        return page

    yield new
    for page in opened:
        page.context.close()


def _main(page) -> str:
    return page.locator("main").inner_text()


def _notices(stack, address: str, count: int) -> list:
    """The content-free notification mails to ``address`` (waits until ``count`` have arrived)."""
    deadline = time.monotonic() + assistants.MAIL_WAIT
    while True:
        found = []
        for envelope in stack.mailbox.to(address):
            message = email.message_from_bytes(
                envelope.original_content or envelope.content, policy=email.policy.default
            )
            if message["Subject"] == NOTICE_SUBJECT:
                found.append(envelope)
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) >= count, f"{len(found)} Benachrichtigungen an {address}, erwartet {count}"
            return found
        time.sleep(0.2)


def _register_with_totp(page, stack, address: str) -> None:
    base = stack.base_url
    page.goto(base + "/konto/signup/")
    assert_accessible(page, "Registrieren")
    page.fill("input[name=email]", address)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("main").get_by_role("button", name="Registrieren", exact=True).click()
    assert "Wir haben Ihnen eine E-Mail geschickt" in _main(page)
    assert_accessible(page, "Bestätigungs-E-Mail verschickt")
    mail = assistants._wait_for_mail(stack.mailbox, address, 1)[-1]
    link = re.search(r"https?://\S+/konto/confirm-email/\S+/", assistants._mail_text(mail)).group(0)
    page.goto(link)
    assert_accessible(page, "E-Mail-Adresse bestätigen")
    page.locator("main").get_by_role("button", name="Bestätigen", exact=True).click()
    page.goto(base + "/konto/")
    if "/konto/login/" in page.url:
        page.fill("input[name=login]", address)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main").get_by_role("button", name="Anmelden", exact=True).click()
    assert page.locator("h1").inner_text() == "Mein Konto"
    page.get_by_role("link", name="Zwei-Faktor-Authentifizierung verwalten").click()
    page.locator("main").get_by_role("link", name="Aktivieren").first.click()
    if "/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        page.locator("main").get_by_role("button", name="Bestätigen", exact=True).click()
    secret = page.locator("#authenticator_secret").input_value()
    assert_accessible(page, "Authenticator-App einrichten")
    page.fill("input[name=code]", totp_code(secret))
    page.locator("main").get_by_role("button", name="Aktivieren", exact=True).click()
    assert "/totp/activate/" not in page.url
    assert_accessible(page, "Zwei-Faktor-Authentifizierung eingerichtet")


def _apply(page, stack, pdf_file) -> str:
    """The Hundesteuer in Freiberg through the assistant, logged in; returns the Vorgangsnummer."""
    scenario = assistants.HUNDESTEUER
    assistants._open_assistant(page, stack.base_url, scenario)
    assistants._submit(page, page.get_by_role("button", name="Antrag starten"))
    for step in scenario.steps:
        assert assistants._h1(page) == step.title, assistants._problems(page)
        assert_accessible(page, f"Antrag: {step.title}")
        assistants._fill(page, step.answers, pdf_file)
        assistants._weiter(page)
    assert assistants._h1(page) == "Angaben prüfen und absenden", assistants._problems(page)
    assert_accessible(page, "Antrag: Angaben prüfen")
    if page.locator("#bestaetigung-email").count():
        page.locator("#bestaetigung-email").fill(scenario.email)
    page.get_by_label(re.compile("Ich versichere")).check()
    page.get_by_label(re.compile("Datenschutzhinweise gelesen")).check()
    assistants._submit(page, page.get_by_role("button", name="Antrag verbindlich absenden"))
    assert assistants._h1(page) == "Ihr Antrag ist eingegangen"
    number = assistants.VORGANGSNUMMER.search(page.url).group(1)
    assert_accessible(page, "Antrag eingegangen")
    before = len(stack.mailbox.to(scenario.email))
    stack.manage(*WORKER)  # receipt PDF and confirmation e-mail
    assistants._wait_for_mail(stack.mailbox, scenario.email, before + 1)
    page.goto(f"{stack.base_url}/konto/antraege/")
    expect(page.get_by_role("link", name=number)).to_be_visible()
    assert_accessible(page, "Meine Anträge")
    return number


def _upload_into_reopened_step(page, stack, number: str, pdf_file) -> None:
    page.goto(f"{stack.base_url}/konto/antraege/{number}/")
    assert_accessible(page, "Antrag mit Nachforderung")
    page.get_by_role("link", name="Unterlagen hochladen").click()
    assert page.locator("h1").inner_text() == "Unterlagen nachreichen"
    assert "Bello" in _main(page)  # the earlier answers, read-only
    assert_accessible(page, "Unterlagen nachreichen")
    page.locator("input[name='f-hund-0-hund_gutachten']").set_input_files(str(pdf_file))
    page.get_by_role("button", name="Dateien speichern").click()
    page.reload()  # nothing lost
    assert "Hochgeladen: Wesenstest.pdf" in _main(page)
    assert_accessible(page, "Unterlagen nachreichen (gespeichert)")
    page.get_by_role("button", name="Unterlagen einreichen").click()
    assert "Ihre Unterlagen wurden an die zuständige Stelle übermittelt" in _main(page)
    assert "Ihre nachgereichten Unterlagen" in _main(page)
    assert_accessible(page, "Antrag nach der Nachreichung")


def _read_bescheid(page, stack, number: str) -> None:
    page.goto(f"{stack.base_url}/konto/antraege/{number}/")
    assert "beschieden" in _main(page)
    assert_accessible(page, "Antrag mit Bescheid")
    with page.expect_download() as download:
        page.get_by_role("link", name="Bescheid herunterladen (PDF)").click()
    with open(download.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"


def _caseworker_signs_in(page, stack) -> None:
    stack.manage("shell", "-c", STAFF_SETUP)
    base = stack.base_url
    page.goto(base + "/sachbearbeitung/")
    page.fill("#id_username", "sb.journey")
    page.fill("#id_password", inbox.PASSWORD)
    page.click("input[type=submit]")
    secret, used = inbox._second_factor_set_up(page)
    page.goto(base + "/sachbearbeitung/")
    if "/reauthenticate/" in page.url:
        page.fill("input[name=code]", inbox._fresh_code(page, secret, used))
        page.locator("main").locator("button[type=submit]").click()
    page.wait_for_url(base + "/sachbearbeitung/")
    assert_accessible(page, "Posteingang")


def test_journey_with_the_inbox(pages, e2e_stack, pdf_file):
    stack = e2e_stack
    citizen = pages()
    _register_with_totp(citizen, stack, ADDRESS)
    number = _apply(citizen, stack, pdf_file)

    worker = pages()
    _caseworker_signs_in(worker, stack)
    worker.goto(f"{stack.base_url}/sachbearbeitung/vorgaenge/{number}/")
    assert_accessible(worker, "Vorgang")
    worker.fill("#id_text", "Bitte reichen Sie den Wesenstest für Bello nach.")
    worker.fill("#id_documents", "Wesenstest")
    worker.fill("#id_due_date", (date.today() + timedelta(days=14)).isoformat())
    worker.get_by_role("button", name="Unterlagen nachfordern").click()
    assert_accessible(worker, "Vorgang mit Nachforderung")
    stack.manage(*WORKER)  # the notification e-mail
    notice = _notices(stack, ADDRESS, 1)[-1]
    assert number not in assistants._mail_text(notice) and "Wesenstest" not in assistants._mail_text(notice)

    _upload_into_reopened_step(citizen, stack, number, pdf_file)

    worker.reload()
    assert "Nachgereichte Unterlagen" in _main(worker)
    # In the timeline, besides the attachment of the application (the same file name).
    expect(worker.locator("ol a[href*='/dateien/']", has_text="Wesenstest.pdf")).to_be_visible()
    assert_accessible(worker, "Vorgang mit Nachreichung")
    worker.get_by_role("link", name="Bescheid erstellen").click()
    assert_accessible(worker, "Bescheid erstellen")
    worker.get_by_role("button", name="Bescheid erstellen").click()
    expect(worker.get_by_text("Der Bescheid wurde erstellt.")).to_be_visible()
    stack.manage(*WORKER)
    _notices(stack, ADDRESS, 2)

    _read_bescheid(citizen, stack, number)


def _small_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _fachverfahren(stack, token: str, method: str, path: str, body: dict | None = None) -> dict:
    """The Fachverfahren's call to the hub's return channel (real HTTP, bearer token)."""
    request = urllib.request.Request(  # noqa: S310 (local test server)
        f"{stack.base_url}/api/v1/hub{path}",
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def test_journey_with_a_fachverfahren_on_the_return_channel(pages, e2e_stack, pdf_file):
    stack = e2e_stack
    citizen = pages()
    _register_with_totp(citizen, stack, ADDRESS_FV)
    number = _apply(citizen, stack, pdf_file)
    token = stack.manage("shell", "-c", CLIENT_SETUP).strip().splitlines()[-1]

    body = {"text": "Bitte reichen Sie den Wesenstest nach.", "documents_requested": ["Wesenstest"]}
    _fachverfahren(stack, token, "POST", f"/vorgaenge/{number}/nachforderungen/", body)
    stack.manage(*WORKER)
    _notices(stack, ADDRESS_FV, 1)
    _upload_into_reopened_step(citizen, stack, number, pdf_file)
    # The Fachverfahren reads the Nachreichung from the return channel.
    kinds = [e["kind"] for e in _fachverfahren(stack, token, "GET", f"/vorgaenge/{number}/status/")["events"]]
    assert kinds[-1] == "nachreichung"
    bescheid = {"file_name": "Bescheid.pdf", "content_base64": base64.b64encode(_small_pdf()).decode()}
    _fachverfahren(stack, token, "POST", f"/vorgaenge/{number}/bescheide/", bescheid)
    stack.manage(*WORKER)
    _notices(stack, ADDRESS_FV, 2)

    _read_bescheid(citizen, stack, number)
