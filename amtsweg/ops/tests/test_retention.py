"""Retention (amtsweg/ops/retention.py): expired applications lose their data and files, a tombstone and
a verifiable audit chain remain, younger ones are untouched, and a dry run changes nothing."""

from __future__ import annotations

import io
import secrets
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from amtsweg.assistant.models import Draft
from amtsweg.audit.models import AuditEntry
from amtsweg.audit.services import audit_verify
from amtsweg.cases.models import CaseEvent, CaseStatus, Vorgang
from amtsweg.cases.services import case_event_record
from amtsweg.hub.models import Delivery, Message
from amtsweg.hub.routing import routing_create
from amtsweg.hub.targets import target_create
from amtsweg.ops.retention import AUDIT_EVENT, retention_apply
from amtsweg.ops.scheduler import JOBS
from amtsweg.submissions.models import Submission, SubmissionAttachment
from amtsweg.submissions.services import AttachmentUpload

# The Hundesteuer submission fixtures (real services, private storage in a temporary folder).
from amtsweg.submissions.tests.conftest import (  # noqa: F401
    PDF_BYTES,
    answers,
    dresden,
    leistung,
    private_storage_dir,
    submit,
    version,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed(db, tmp_path):
    from amtsweg.directory.models import Authority

    authority = Authority.objects.get(key="gem-14612000")
    target = target_create(
        authority=authority,
        key="ablage",
        name="Dateiablage",
        type_key="filedrop",
        config={"directory": str(tmp_path / "ablage")},
        wants_receipt=False,
    )
    return routing_create(authority=authority, target=target)


@pytest.fixture
def application(submit, answers, routed):  # noqa: F811
    """Submit one application with an attachment, a receipt, a hub message, a draft and a Bescheid file."""

    def make():
        answers["hund"][0]["hund_gefaehrlich"] = True
        answers["hund"][0]["hund_gutachten"] = {"name": "gutachten.pdf", "size": len(PDF_BYTES), "type": "pdf"}
        submission = submit(
            answers=answers,
            attachments=[
                AttachmentUpload(field_path="hund[0].hund_gutachten", name="gutachten.pdf", content=PDF_BYTES)
            ],
        )
        submission.receipt_pdf.save("eingangsbestaetigung.pdf", ContentFile(PDF_BYTES))
        Draft.objects.create(
            token=secrets.token_hex(16),
            version=submission.form_version,
            authority=submission.authority,
            gemeinde=submission.gemeinde,
            answers=answers,
            submitted_number=submission.vorgangsnummer,
            expires_at=timezone.now() + timedelta(days=30),
        )
        vorgang = submission.vorgang
        bescheid = case_event_record(
            vorgang=vorgang,
            authority=vorgang.authority,
            kind=CaseEvent.Kind.BESCHEID,
            payload={"text": "Die Hundesteuer wird festgesetzt."},
            file_name="bescheid.pdf",
            file_content=PDF_BYTES,
        )
        return submission, bescheid

    return make


def _stored(storage_dir):
    return sorted(p.name for p in storage_dir.rglob("*") if p.is_file())


def _age(vorgang: Vorgang, *, days: int) -> None:
    past = timezone.now() - timedelta(days=days)
    Vorgang.objects.filter(pk=vorgang.pk).update(created=past, updated=past)


def test_expired_application_loses_rows_and_files_and_the_audit_chain_stays_valid(
    application,
    private_storage_dir,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    settings.AMTSWEG_RETENTION_DAYS_DEFAULT = 365
    old, old_bescheid = application()
    young, _ = application()
    files_before = _stored(private_storage_dir)
    old_files = {
        old.receipt_pdf.name,
        old_bescheid.file.name,
        *SubmissionAttachment.objects.filter(submission=old).values_list("file", flat=True),
    }
    assert len(old_files) == 3 and all((private_storage_dir / name).exists() for name in old_files)
    number = old.vorgangsnummer
    assert Message.objects.get(vorgang=old.vorgang).attachments.exists()
    _age(old.vorgang, days=400)
    _age(young.vorgang, days=10)

    # Files are removed after the commit (the test's transaction never commits, so run the callbacks).
    with django_capture_on_commit_callbacks(execute=True):
        result = retention_apply()

    assert result.numbers == [number] and result.files == 3
    assert not any((private_storage_dir / name).exists() for name in old_files)
    assert len(_stored(private_storage_dir)) == len(files_before) - 3
    assert not Submission.objects.filter(pk=old.pk).exists()
    assert not SubmissionAttachment.objects.filter(submission_id=old.pk).exists()
    assert not CaseEvent.objects.filter(vorgang__number=number).exists()
    assert not Draft.objects.filter(submitted_number=number).exists()
    # Tombstone: the Vorgang and the hub message's metadata stay, the encrypted data is gone.
    tombstone = Vorgang.objects.get(number=number)
    message = Message.objects.get(vorgang=tombstone)
    assert (message.data_json_encrypted, message.data_xml_encrypted, message.receipt_encrypted) == ("", "", "")
    assert not message.attachments.exists()
    assert [d.status for d in message.deliveries.all()] == [Delivery.Status.DEAD]
    # The younger application is untouched.
    assert Submission.objects.filter(pk=young.pk).exists()
    assert CaseEvent.objects.filter(vorgang=young.vorgang).exists()
    assert Draft.objects.filter(submitted_number=young.vorgangsnummer).exists()
    assert Message.objects.get(vorgang=young.vorgang).data_json_encrypted
    assert [d.status for d in Delivery.objects.filter(message__vorgang=young.vorgang)] == [Delivery.Status.QUEUED]
    # The deletion is audited without personal data, and the chain verifies.
    entry = AuditEntry.objects.get(event=AUDIT_EVENT)
    assert entry.detail["vorgangsnummer"] == number and entry.detail["attachments"] == 3
    assert "erika" not in str(entry.detail).lower() and "DE89" not in str(entry.detail)
    assert audit_verify().ok
    # A second run finds nothing left to delete.
    assert retention_apply().vorgaenge == 0


def test_closing_starts_the_period_and_the_leistung_may_set_its_own(application, settings):
    settings.AMTSWEG_RETENTION_DAYS_DEFAULT = 365
    submission, _ = application()
    own = submission.vorgang.leistung
    case_event_record(
        vorgang=submission.vorgang,
        authority=submission.authority,
        kind=CaseEvent.Kind.STATUS,
        payload={"status": CaseStatus.ABGESCHLOSSEN.value},
    )
    vorgang = Vorgang.objects.get(pk=submission.vorgang.pk)
    assert vorgang.status == CaseStatus.ABGESCHLOSSEN
    # Received long ago but closed only 20 days ago: the period runs from the closing.
    Vorgang.objects.filter(pk=vorgang.pk).update(
        created=timezone.now() - timedelta(days=800), updated=timezone.now() - timedelta(days=20)
    )
    assert retention_apply().vorgaenge == 0
    own.retention_days = 14
    own.save(update_fields=["retention_days"])
    assert retention_apply().numbers == [vorgang.number]
    assert not Submission.objects.filter(vorgang=vorgang).exists()
    assert audit_verify().ok


def test_dry_run_and_the_command_change_nothing(application, private_storage_dir):  # noqa: F811
    submission, _ = application()
    _age(submission.vorgang, days=5000)
    files_before = _stored(private_storage_dir)
    audit_before = AuditEntry.objects.count()

    out = io.StringIO()
    call_command("retention_apply", "--dry-run", stdout=out)

    assert submission.vorgangsnummer in out.getvalue() and "1 Vorgang/Vorgänge würden gelöscht" in out.getvalue()
    assert _stored(private_storage_dir) == files_before
    assert Submission.objects.filter(pk=submission.pk).exists()
    assert CaseEvent.objects.filter(vorgang=submission.vorgang).exists()
    assert AuditEntry.objects.count() == audit_before

    call_command("retention_apply", stdout=out)
    assert not Submission.objects.filter(pk=submission.pk).exists()
    assert audit_verify().ok


def test_the_scheduler_runs_the_job_daily(settings):
    assert "retention_apply" in JOBS
    assert settings.AMTSWEG_SCHEDULE["retention_apply"] == 86400
    assert "0 Vorgang/Vorgänge" in JOBS["retention_apply"]()


def test_the_inbox_shows_the_tombstone_without_personal_data(client, application, django_user_model):
    from amtsweg.directory.services import membership_set

    submission, _ = application()
    number = submission.vorgangsnummer
    staff = django_user_model.objects.create_user(username="sb.retention", password="x" * 16, is_staff=True)
    membership_set(user=staff, authority=submission.authority, role="sachbearbeitung")
    _age(submission.vorgang, days=5000)
    retention_apply()

    client.force_login(staff)
    assert number in client.get("/sachbearbeitung/").content.decode()
    response = client.get(f"/sachbearbeitung/vorgaenge/{number}/")
    html = response.content.decode()
    assert response.status_code == 200 and number in html
    assert "Mustermann" not in html and "erika@example.org" not in html
    assert client.get(f"/sachbearbeitung/vorgaenge/{number}/eingangsbestaetigung.pdf").status_code == 404
