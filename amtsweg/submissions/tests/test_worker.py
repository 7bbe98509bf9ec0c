import datetime as dt
import email
import subprocess
from email import policy

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from amtsweg.submissions.models import Submission
from amtsweg.submissions.receipt import XML_ATTACHMENT_NAME
from amtsweg.submissions.services import receipts_resume
from amtsweg.submissions.tasks import receipt_generate


def _pdf_tool(tool, path, *args):
    return subprocess.run([tool, *args, str(path)], capture_output=True, text=True, check=True).stdout


def test_worker_renders_pdfa_receipt_and_sends_one_email(submit, worker, smtp_server, private_storage_dir, tmp_path):
    submission = submit()

    worker()

    submission.refresh_from_db()
    task = DBTaskResult.objects.get(task_path=receipt_generate.module_path, args_kwargs__args=[submission.pk])
    assert task.status == "SUCCESSFUL"
    assert task.return_value == {"submission": submission.pk, "receipt": "ready", "confirmation": "sent"}
    assert submission.receipt_ready_at is not None and submission.confirmation_sent_at is not None

    path = private_storage_dir / submission.receipt_pdf.name
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF-")
    metadata = _pdf_tool("pdfinfo", path, "-meta")
    # Tagged: PDF/A-3 level A, identified as PDF/UA-1 as well (details: test_receipt_pdf.py).
    assert 'pdfaid:part="3"' in metadata and 'pdfaid:conformance="A"' in metadata
    assert 'pdfuaid:part="1"' in metadata
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert submission.vorgangsnummer in text
    assert "Eingangsbestätigung" in text and "Anmeldung zur Hundesteuer" in text
    assert "Hund 1" in text and "Hund 2" in text and "Bello" in text and "Luna" in text
    assert "15.01.2021" in text and "240,00 €" in text and "DE89 3704 0044 0532 0130 00" in text
    assert submission.gemeinde_name in text and submission.authority_name.split()[0] in text
    # Codes and checksums only in the technical annex for the authority, after the citizen's part.
    annex = text.index("Technischer Anhang für die Behörde")
    assert text.index("14612000") > annex
    # The data XML is embedded as a PDF/A-3 attachment.
    assert XML_ATTACHMENT_NAME in _pdf_tool("pdfdetach", path, "-list")
    extracted = tmp_path / "daten.xml"
    subprocess.run(["pdfdetach", "-save", "1", "-o", str(extracted), str(path)], check=True, capture_output=True)
    assert extracted.read_text(encoding="utf-8") == submission.data_xml

    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == ["erika@example.org"]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    # (the parser keeps the blank of the folded, RFC 2047-encoded header line)
    assert (
        message["Subject"].strip()
        == f"Ihr Antrag „Anmeldung zur Hundesteuer“ – Vorgangsnummer {submission.vorgangsnummer}"
    )
    parts = {part.get_content_type(): part for part in message.walk() if not part.is_multipart()}
    assert submission.vorgangsnummer in parts["text/plain"].get_content()
    assert submission.vorgangsnummer in parts["text/html"].get_content()
    # No receipt attached by default (AMTSWEG_CONFIRMATION_ATTACH_RECEIPT): see test_confirmation_mail.py.
    assert "application/pdf" not in parts


def test_running_the_task_twice_sends_only_once(submit, smtp_server):
    submission = submit()
    first = receipt_generate.call(submission.pk)
    submission.refresh_from_db()
    receipt_name = submission.receipt_pdf.name
    second = receipt_generate.call(submission.pk)

    assert first["confirmation"] == "sent" and second["confirmation"] == "already-sent"
    assert len(smtp_server.messages) == 1
    submission.refresh_from_db()
    assert submission.receipt_pdf.name == receipt_name and submission.confirmation_attempts == 1


def test_confirmation_claimed_by_another_worker_is_not_sent_again(submit, smtp_server):
    submission = submit()
    Submission.objects.filter(pk=submission.pk).update(confirmation_claimed_at=timezone.now())
    assert receipt_generate.call(submission.pk)["confirmation"] == "in-progress"
    assert smtp_server.messages == []


def test_smtp_failure_schedules_a_delayed_retry_and_keeps_the_receipt(submit, smtp_down):
    submission = submit()
    before = timezone.now()
    result = receipt_generate.call(submission.pk)

    assert result == {"submission": submission.pk, "receipt": "ready", "confirmation": "retry"}
    submission.refresh_from_db()
    assert submission.receipt_ready_at is not None and submission.confirmation_sent_at is None
    assert submission.confirmation_claimed_at is None and submission.confirmation_error == "ConnectionRefusedError"
    retries = DBTaskResult.objects.filter(
        task_path=receipt_generate.module_path,
        args_kwargs__args=[submission.pk],
        run_after__gt=before,
        run_after__year__lt=9999,
    )
    assert retries.count() == 1
    assert retries.get().run_after >= before + dt.timedelta(seconds=59)


def test_lost_tasks_are_enqueued_again(submit):
    submission = submit()
    DBTaskResult.objects.filter(args_kwargs__args=[submission.pk]).update(
        status="RUNNING", started_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert receipts_resume(older_than=dt.timedelta(minutes=15)) == 0  # submission is too recent
    # submitted_at is immutable, so a negative age moves the cutoff past it instead.
    assert receipts_resume(older_than=dt.timedelta(seconds=-60)) == 1
    ready = DBTaskResult.objects.filter(args_kwargs__args=[submission.pk], status="READY")
    assert ready.count() == 1
    assert receipts_resume(older_than=dt.timedelta(seconds=-60)) == 0  # a waiting task is enough
