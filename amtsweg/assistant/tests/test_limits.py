"""Mail by the worker and flood limits: SMTP down/back, refused recipients, limits per address,
client, session and globally, and for drafts and submissions (issue 7 item 1, issue 8 finding 1)."""

from __future__ import annotations

import email
import re
from email import policy

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from amtsweg.assistant.models import Draft, ResumeMail
from amtsweg.assistant.tasks import resume_mail_send
from amtsweg.assistant.tests.conftest import Wizard, text

pytestmark = pytest.mark.django_db

RESUME_LINK = re.compile(r"http://testserver(/antrag/fortsetzen/[A-Za-z0-9_-]+/)")


def _body(envelope) -> str:
    return email.message_from_bytes(envelope.content, policy=policy.default).get_body(("plain",)).get_content()


def _make_retries_due() -> None:
    """Move the delayed retry tasks to now (the backoff itself is not what these tests wait for)."""
    DBTaskResult.objects.filter(task_path=resume_mail_send.module_path, status="READY").update(run_after=timezone.now())


def _new_wizard(start_url, ip: str = "127.0.0.1") -> Wizard:
    w = Wizard(Client(REMOTE_ADDR=ip), start_url)
    w.start()
    return w


def test_smtp_down_answers_at_once_keeps_the_quota_and_sends_when_smtp_is_back(
    wizard, client, worker, smtp_port, smtp_start
):
    url = wizard.url("spaeter-fortsetzen")
    answer = client.post(url, {"email": "erika@example.org"})
    assert answer.status_code == 200
    assert "Wir senden Ihnen den Link an erika@example.org – das kann einen Moment dauern." in text(answer)

    worker()  # nothing listens on the SMTP port: the task schedules a retry and ends normally
    mail = ResumeMail.objects.get()
    assert mail.status == ResumeMail.Status.PENDING and mail.error == "ConnectionRefusedError"
    assert mail.attempts == 1 and mail.email == "erika@example.org"
    tasks = DBTaskResult.objects.filter(task_path=resume_mail_send.module_path)
    assert [t.status for t in tasks.order_by("enqueued_at")] == ["SUCCESSFUL", "READY"]
    assert tasks.get(status="READY").run_after > timezone.now()
    page = client.get(url)
    assert page.status_code == 200
    assert "Unser E-Mail-Versand ist gerade gestört. Wir versuchen es automatisch weiter" in text(page)

    # Asking again while the mail waits uses neither another mail nor the quota.
    for _ in range(6):
        again = client.post(url, {"email": "erika@example.org"})
        assert again.status_code == 200 and "Wir senden Ihnen den Link an" in text(again)
    assert ResumeMail.objects.count() == 1
    assert wizard.draft.resume_mails_sent == 0 and wizard.draft.resume_token_hash == ""

    mailbox = smtp_start()
    _make_retries_due()
    worker()
    assert len(mailbox.messages) == 1 and mailbox.messages[0].rcpt_tos == ["erika@example.org"]
    link = RESUME_LINK.search(_body(mailbox.messages[0])).group(1)
    mail.refresh_from_db()
    assert mail.status == ResumeMail.Status.SENT and mail.email == "" and mail.attempts == 2
    assert wizard.draft.resume_mails_sent == 1
    assert Client().get(link).status_code == 302
    worker()
    assert len(mailbox.messages) == 1  # sent once


def test_refused_address_does_not_use_up_the_quota(wizard, client, worker, smtp_start):
    url = wizard.url("spaeter-fortsetzen")
    smtp_start(refuse=True)
    client.post(url, {"email": "tippfehler@example.org"})
    worker()
    mail = ResumeMail.objects.get()
    assert mail.status == ResumeMail.Status.FAILED and mail.email == ""  # given up at once, address gone
    assert mail.error == "SMTPRecipientsRefused"
    assert "konnte nicht zugestellt werden" in text(client.get(url))
    assert not DBTaskResult.objects.filter(task_path=resume_mail_send.module_path, status="READY").exists()
    # Five further links can still be requested (the failed one does not count).
    for _ in range(5):
        client.post(url, {"email": "tippfehler@example.org"})
        worker()
    assert ResumeMail.objects.filter(status=ResumeMail.Status.FAILED).count() == 6


def test_mails_to_one_address_are_limited_across_clients(settings, start_url, mailoutbox, worker):
    settings.AMTSWEG_LIMIT_MAILS_PER_ADDRESS = 2
    for number in range(3):
        w = _new_wizard(start_url, ip=f"192.0.2.{number + 1}")
        response = w.client.post(w.url("spaeter-fortsetzen"), {"email": "Opfer@Example.org "})
        if number < 2:
            assert response.status_code == 200
    assert response.status_code == 429
    assert "An diese E-Mail-Adresse wurden in kurzer Zeit zu viele E-Mails geschickt." in text(response)
    assert "Bitte versuchen Sie es in einer Stunde erneut." in text(response)
    worker()
    assert len(mailoutbox) == 2
    # Another address is not affected.
    other = _new_wizard(start_url, ip="192.0.2.9")
    assert other.client.post(other.url("spaeter-fortsetzen"), {"email": "b@example.org"}).status_code == 200


def test_mails_requested_by_one_client_are_limited(settings, start_url):
    settings.AMTSWEG_LIMIT_MAILS_PER_CLIENT = 2
    statuses = []
    for number in range(3):
        w = _new_wizard(start_url, ip="198.51.100.7")  # a fresh session each time, same client
        statuses.append(w.client.post(w.url("spaeter-fortsetzen"), {"email": f"x{number}@example.org"}))
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert "Sie haben in kurzer Zeit zu viele Links angefordert." in text(statuses[-1])
    other = _new_wizard(start_url, ip="198.51.100.8")
    assert other.client.post(other.url("spaeter-fortsetzen"), {"email": "y@example.org"}).status_code == 200


def test_mails_requested_in_one_session_are_limited(settings, client, start_url, worker):
    settings.AMTSWEG_LIMIT_MAILS_PER_SESSION = 1
    first, second = Wizard(client, start_url), Wizard(client, start_url)
    first.start()
    second.start()
    assert client.post(first.url("spaeter-fortsetzen"), {"email": "a@example.org"}).status_code == 200
    refused = client.post(second.url("spaeter-fortsetzen"), {"email": "b@example.org"})
    assert refused.status_code == 429 and "zu viele Links angefordert" in text(refused)
    assert ResumeMail.objects.count() == 1


def test_mails_are_limited_globally_per_minute(settings, start_url):
    settings.AMTSWEG_LIMIT_MAILS_GLOBAL = 2
    statuses = []
    for number in range(3):
        w = _new_wizard(start_url, ip=f"203.0.113.{number + 1}")
        statuses.append(w.client.post(w.url("spaeter-fortsetzen"), {"email": f"z{number}@example.org"}))
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert "Gerade werden sehr viele E-Mails verschickt." in text(statuses[-1])


def test_drafts_per_client_are_limited(settings, start_url):
    settings.AMTSWEG_LIMIT_DRAFTS_PER_CLIENT = 2
    flooder = Client(REMOTE_ADDR="198.51.100.20")
    codes = [flooder.post(start_url).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
    refused = flooder.post(start_url)
    assert refused.status_code == 429
    assert "Sie haben in kurzer Zeit zu viele Anträge begonnen." in text(refused)
    assert Draft.objects.count() == 2
    assert Client(REMOTE_ADDR="198.51.100.21").post(start_url).status_code == 302


def _walk_to_review(w: Wizard):
    w.through("anliegen", "halter", "hunde", "befreiung", "zahlung")


def test_submissions_per_client_are_limited(settings, start_url):
    from amtsweg.submissions.models import Submission

    settings.AMTSWEG_LIMIT_SUBMISSIONS_PER_CLIENT = 1
    declared = {"wahrheit": "ja", "datenschutz": "ja"}
    first = _new_wizard(start_url, ip="198.51.100.30")
    _walk_to_review(first)
    assert first.client.post(first.url("antrag-pruefen"), declared).status_code == 302
    second = _new_wizard(start_url, ip="198.51.100.30")
    _walk_to_review(second)
    refused = second.client.post(second.url("antrag-pruefen"), declared)
    assert refused.status_code == 429
    assert "Sie haben in kurzer Zeit zu viele Anträge abgeschickt." in text(refused)
    assert Submission.objects.count() == 1
    assert second.draft.answers  # nothing lost: the answers are kept for later


def test_changing_the_address_of_a_waiting_mail_counts_the_new_address(settings, start_url):
    settings.AMTSWEG_LIMIT_MAILS_PER_ADDRESS = 1
    first = _new_wizard(start_url, ip="192.0.2.51")
    assert first.client.post(first.url("spaeter-fortsetzen"), {"email": "opfer@example.org"}).status_code == 200
    second = _new_wizard(start_url, ip="192.0.2.52")
    url = second.url("spaeter-fortsetzen")
    assert second.client.post(url, {"email": "wegwerf@example.org"}).status_code == 200
    # No worker ran: the mail still waits, and swapping in the victim's address is counted for it.
    swapped = second.client.post(url, {"email": "opfer@example.org"})
    assert swapped.status_code == 429 and "An diese E-Mail-Adresse" in text(swapped)
    assert ResumeMail.objects.get(draft=second.draft).email == "wegwerf@example.org"


def test_a_mail_whose_task_was_lost_does_not_keep_the_address(wizard, client):
    from datetime import timedelta

    from amtsweg.assistant.services import drafts_expire

    client.post(wizard.url("spaeter-fortsetzen"), {"email": "vergessen@example.org"})
    DBTaskResult.objects.all().delete()  # e.g. pruned by mistake: no worker will ever send it
    drafts_expire(now=timezone.now() + timedelta(hours=12))
    assert ResumeMail.objects.get().email == "vergessen@example.org"  # still within its retry time
    drafts_expire(now=timezone.now() + timedelta(days=1, minutes=1))
    mail = ResumeMail.objects.get()
    assert mail.email == "" and mail.status == ResumeMail.Status.FAILED
