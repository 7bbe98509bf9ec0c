"""Upload quotas per draft, per client and in total, and early removal of abandoned uploads (issue 8 #2)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from amtsweg.assistant import services
from amtsweg.assistant.models import Draft, Upload
from amtsweg.assistant.tests.conftest import PDF_BYTES, STEP_DATA, text
from amtsweg.assistant.uploads import CheckedFile

pytestmark = pytest.mark.django_db
KB = 1024


def _file(size: int) -> CheckedFile:
    data = b"%PDF-" + b"0" * (size - 5)
    return CheckedFile("pdf", "application/pdf", data, "nachweis.pdf", hashlib.sha512(data).hexdigest())


@pytest.fixture
def new_draft(version, authority, dresden):
    return lambda: services.draft_create(version=version, authority=authority, gemeinde=dresden)


def _store(draft, size, client="client-a"):
    return services.upload_store(draft=draft, field_key="nachweis", checked=_file(size), client_key=client)


def test_draft_quota(new_draft, settings):
    settings.AMTSWEG_UPLOAD_QUOTA_DRAFT_MB = 1
    draft = new_draft()
    _store(draft, 600 * KB)
    with pytest.raises(services.UploadQuotaExceeded, match="insgesamt höchstens 1 MB"):
        _store(draft, 600 * KB)
    _store(new_draft(), 600 * KB)  # another draft has its own quota
    assert Upload.objects.count() == 2


def test_client_quota_spans_drafts_and_only_the_last_24_hours(new_draft, settings):
    settings.AMTSWEG_UPLOAD_QUOTA_CLIENT_MB = 1
    _store(new_draft(), 600 * KB)
    with pytest.raises(services.UploadQuotaExceeded, match="letzten 24 Stunden bereits 1 MB"):
        _store(new_draft(), 600 * KB)  # a fresh draft does not reset the client's quota
    _store(new_draft(), 600 * KB, client="client-b")
    Upload.objects.filter(client_key="client-a").update(created=timezone.now() - timedelta(hours=25))
    _store(new_draft(), 600 * KB)


def test_total_quota(new_draft, settings):
    settings.AMTSWEG_UPLOAD_QUOTA_TOTAL_MB = 1
    _store(new_draft(), 600 * KB, client="a")
    with pytest.raises(services.UploadQuotaExceeded, match="ausgelastet"):
        _store(new_draft(), 600 * KB, client="b")


def test_quota_message_in_the_wizard_keeps_the_input(wizard, settings):
    settings.AMTSWEG_UPLOAD_QUOTA_DRAFT_MB = 0
    wizard.through("anliegen", "halter")
    danger = {**STEP_DATA["hunde"], "f-hund-0-hund_gefaehrlich": "ja"}
    wizard.post("hunde", danger)
    response = wizard.post(
        "hunde", {**danger, "f-hund-0-hund_gutachten": SimpleUploadedFile("gutachten.pdf", PDF_BYTES)}
    )
    assert response.status_code == 200
    assert "höchstens 0 MB an Dateien" in text(response)
    assert not Upload.objects.exists()


def test_uploads_are_stored_with_a_hashed_client_key(wizard):
    wizard.through("anliegen", "halter")
    danger = {**STEP_DATA["hunde"], "f-hund-0-hund_gefaehrlich": "ja"}
    wizard.post("hunde", danger)
    wizard.post("hunde", {**danger, "f-hund-0-hund_gutachten": SimpleUploadedFile("g.pdf", PDF_BYTES)})
    upload = Upload.objects.get()
    assert len(upload.client_key) == 32 and "127.0.0.1" not in upload.client_key


def test_abandoned_uploads_are_removed_early(new_draft, private_dirs, settings):
    settings.AMTSWEG_UPLOAD_ABANDONED_HOURS = 24
    abandoned, resumed, recent = new_draft(), new_draft(), new_draft()
    answers = {}
    for draft in (abandoned, resumed, recent):
        answers[draft.pk] = {"vorname": "Erika", "hund": [{"hund_gutachten": _store(draft, 10 * KB)}]}
        Draft.objects.filter(pk=draft.pk).update(answers=answers[draft.pk])
    Draft.objects.filter(pk=resumed.pk).update(resume_token_hash="x" * 64, resume_mails_sent=1)
    old = timezone.now() - timedelta(hours=25)
    Draft.objects.filter(pk__in=[abandoned.pk, resumed.pk]).update(updated=old)
    Draft.objects.filter(pk=recent.pk).update(updated=timezone.now() - timedelta(hours=23))
    stored = {u.draft_id: private_dirs / "uploads" / u.path for u in Upload.objects.all()}
    assert all(path.exists() for path in stored.values())

    assert services.uploads_prune_abandoned() == 1

    assert not stored[abandoned.pk].exists() and stored[resumed.pk].exists() and stored[recent.pk].exists()
    assert set(Upload.objects.values_list("draft_id", flat=True)) == {resumed.pk, recent.pk}
    abandoned.refresh_from_db()
    assert abandoned.answers == {"vorname": "Erika", "hund": [{"hund_gutachten": None}]}
    assert abandoned.updated == old  # still abandoned: the regular expiry is not pushed back
    assert services.uploads_prune_abandoned() == 0
