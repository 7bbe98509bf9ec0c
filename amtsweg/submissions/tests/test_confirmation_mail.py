"""The confirmation e-mail carries no personal data beyond need (issue 7 item 1, issue 8 finding 1):
no answers, no receipt attached unless the operator switches it on, and a cap per recipient address."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy

import pytest

from amtsweg.submissions.models import Submission
from amtsweg.submissions.services import receipts_resume
from amtsweg.submissions.tasks import receipt_generate

pytestmark = pytest.mark.django_db

# Answers of VALID_ANSWERS (conftest) in the spellings the receipt would use.
PERSONAL = ["Erika", "Mustermann", "DE89", "0532 0130", "1980", "01.05.1980", "Schloßstraße", "Bello", "Luna"]


def _parts(envelope) -> dict:
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    return {part.get_content_type(): part for part in message.walk() if not part.is_multipart()}


def test_confirmation_has_no_answers_and_no_attachment_by_default(submit, smtp_server):
    submission = submit(site_url="https://amtsweg.example/")
    assert receipt_generate.call(submission.pk)["confirmation"] == "sent"

    parts = _parts(smtp_server.messages[0])
    assert set(parts) == {"text/plain", "text/html"}  # no PDF, no other attachment
    plain, html = parts["text/plain"].get_content(), parts["text/html"].get_content()
    for body in (plain, html):
        assert submission.vorgangsnummer in body
        assert submission.leistung_name in body and submission.authority_name in body
        assert f"https://amtsweg.example/antraege/{submission.vorgangsnummer}/bestaetigung/" in body
        assert "in dem Browser, mit dem Sie den Antrag abgeschickt haben" in body
        for value in PERSONAL:
            assert value not in body, value


def test_operator_may_attach_the_receipt_knowingly(settings, submit, smtp_server):
    settings.AMTSWEG_CONFIRMATION_ATTACH_RECEIPT = True
    submission = submit()
    receipt_generate.call(submission.pk)
    submission.refresh_from_db()
    parts = _parts(smtp_server.messages[0])
    assert parts["application/pdf"].get_filename() == f"Eingangsbestaetigung-{submission.vorgangsnummer}.pdf"
    assert parts["application/pdf"].get_content() == submission.receipt_pdf.open("rb").read()
    assert "Im Anhang finden Sie die Eingangsbestätigung" in parts["text/plain"].get_content()


def test_confirmations_to_one_address_are_capped(settings, submit, smtp_server):
    settings.AMTSWEG_LIMIT_MAILS_PER_ADDRESS = 2
    results = []
    for _ in range(3):
        submission = submit(email="Viel@Example.org")
        results.append(receipt_generate.call(submission.pk)["confirmation"])
    assert results == ["sent", "sent", "skipped"]
    assert len(smtp_server.messages) == 2
    skipped = Submission.objects.get(confirmation_skipped="address-limit")
    assert skipped.receipt_ready_at is not None  # the receipt is still there, on the confirmation page
    assert receipt_generate.call(skipped.pk)["confirmation"] == "skipped"
    assert receipts_resume(older_than=timedelta(seconds=-60)) == 0
    # Another address still gets its confirmation.
    other = submit(email="andere@example.org")
    assert receipt_generate.call(other.pk)["confirmation"] == "sent"


def test_confirmation_page_says_when_no_mail_was_sent(client, submit):
    from amtsweg.submissions.access import SESSION_KEY

    submission = submit()
    Submission.objects.filter(pk=submission.pk).update(confirmation_skipped="address-limit")
    session = client.session
    session[SESSION_KEY] = [submission.vorgangsnummer]
    session.save()
    page = client.get(submission.get_absolute_url()).content.decode()
    assert "deshalb schicken wir diesmal keine Bestätigung per E-Mail" in page
    assert "Ihre Angaben stehen nicht in der E-Mail" in page


def test_english_confirmation_attaches_the_english_receipt(settings, submit, smtp_server):
    settings.AMTSWEG_CONFIRMATION_ATTACH_RECEIPT = True
    submission = submit(language="en")
    receipt_generate.call(submission.pk)
    parts = _parts(smtp_server.messages[0])
    name = parts["application/pdf"].get_filename()
    assert name == f"Confirmation-of-receipt-{submission.vorgangsnummer}.pdf"
    assert parts["text/plain"].get_content().startswith("Hello,")
