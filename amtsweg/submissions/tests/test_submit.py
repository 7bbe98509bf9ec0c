import hashlib
import io

import jsonschema
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django_tasks_db.models import DBTaskResult

from amtsweg.cases.numbers import number_is_valid
from amtsweg.cases.services import vorgang_create
from amtsweg.common.canonical import canonical_json
from amtsweg.forms.formats import data_json_schema
from amtsweg.forms.services import definition_load, form_version_retire
from amtsweg.submissions.models import Submission, SubmissionAttachment
from amtsweg.submissions.services import AttachmentUpload, SubmissionInvalid
from amtsweg.submissions.tasks import receipt_generate

from .conftest import PDF_BYTES


def _tasks_for(submission):
    return [
        t
        for t in DBTaskResult.objects.filter(task_path=receipt_generate.module_path)
        if t.args_kwargs["args"] == [submission.pk]
    ]


def test_submit_stores_an_immutable_snapshot(submit, version, dresden, leistung, answers):
    answers["nicht_im_formular"] = "wird verworfen"
    answers["befreiung_gruende"] = ["sozial"]  # belongs to a hidden field (befreiung_beantragt is false)
    submission = submit(answers=answers)

    submission.refresh_from_db()
    assert number_is_valid(submission.vorgangsnummer)
    assert submission.status == Submission.Status.RECEIVED
    assert submission.form_version == version
    assert (submission.leistung, submission.leika_key) == (leistung, "99102013000000")
    assert (submission.gemeinde, submission.gemeinde_ags, submission.gemeinde_ars) == (dresden, "14612000", dresden.ars)
    assert submission.authority is not None and submission.authority_key == submission.authority.key
    assert submission.email == "erika@example.org"
    # Finalized: normalised, computed, pruned.
    stored = submission.answers
    assert "nicht_im_formular" not in stored and "befreiung_gruende" not in stored
    assert stored["iban"] == "DE89370400440532013000"
    assert stored["steuer_betrag"] == "240.00" and stored["hunde_anzahl"] == 2
    assert [row["hund_name"] for row in stored["hund"]] == ["Bello", "Luna"]
    # The snapshot fits the JSON Schema derived from the version, and the XML carries the answers.
    jsonschema.validate(stored, data_json_schema(version=version))
    schema_hash = hashlib.sha256(canonical_json(data_json_schema(version=version)).encode()).hexdigest()
    assert submission.data_schema_sha256 == schema_hash
    assert (
        'formular="test-hundesteuer-quittung"' in submission.data_xml
        and "<hund_name>Luna</hund_name>" in submission.data_xml
    )
    assert submission.receipt_ready_at is None and submission.confirmation_sent_at is None


def test_snapshot_columns_cannot_be_changed_in_the_database(submit):
    submission = submit()
    with pytest.raises(DatabaseError), transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(answers={"vorname": "Anders"})
    with pytest.raises(DatabaseError), transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(
            vorgang=vorgang_create(authority=submission.authority, channel="portal")  # another Vorgangsnummer
        )
    # Status and receipt columns stay writable for the worker and the hub.
    assert Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.FORWARDED) == 1


def test_submission_keeps_its_version_after_a_new_one_is_published(submit, version):
    submission = submit()
    document = dict(version.document, title="Anmeldung zur Hundesteuer (neu)")
    newer = definition_load(document=document, publish=True)
    assert newer.number == version.number + 1
    submission.refresh_from_db()
    assert submission.form_version_id == version.pk


def test_task_row_is_written_in_the_same_transaction(submit):
    submission = submit()
    tasks = _tasks_for(submission)
    assert len(tasks) == 1 and tasks[0].status == "READY"


def test_rolled_back_transaction_leaves_neither_submission_nor_task(submit):
    submissions, tasks = Submission.objects.count(), DBTaskResult.objects.count()

    class Crash(Exception):
        pass

    with pytest.raises(Crash), transaction.atomic():
        submission = submit()
        assert Submission.objects.filter(pk=submission.pk).exists() and _tasks_for(submission)
        raise Crash

    assert Submission.objects.count() == submissions
    assert DBTaskResult.objects.count() == tasks


def test_same_idempotency_key_returns_the_same_submission(submit, answers):
    first = submit(idempotency_key="draft-0001-abcdef")
    answers["vorname"] = "Doppelklick"
    second = submit(idempotency_key="draft-0001-abcdef", answers=answers)
    assert second.pk == first.pk and second.vorgangsnummer == first.vorgangsnummer
    assert second.answers["vorname"] == "Erika"
    assert Submission.objects.filter(idempotency_key="draft-0001-abcdef").count() == 1
    assert len(_tasks_for(first)) == 1


def test_invalid_answers_are_rejected_server_side_and_nothing_is_stored(submit, answers):
    before = (Submission.objects.count(), DBTaskResult.objects.count())
    answers["nachname"] = ""
    answers["iban"] = "DE00 1234"
    answers["hund"][0]["hund_chipnummer"] = "12ab"
    answers["steuer_betrag"] = "0.01"  # computed by the server; a tampered value is simply replaced
    with pytest.raises(SubmissionInvalid) as caught:
        submit(answers=answers)
    errors = caught.value.errors
    assert errors["nachname"] == "Bitte füllen Sie das Feld „Nachname“ aus."
    assert errors["iban"] == "Bitte geben Sie eine gültige IBAN ein."
    assert errors["hund[0].hund_chipnummer"] == "Die Chipnummer besteht aus 15 Ziffern."
    assert "steuer_betrag" not in errors
    assert (Submission.objects.count(), DBTaskResult.objects.count()) == before


def test_answers_the_caller_finalized_are_not_computed_again_but_validated(submit, answers, version, monkeypatch):
    """The assistant's draft_submit finalizes once and says so: the same snapshot, one computation less."""
    from amtsweg.forms.engine import answers_finalize
    from amtsweg.forms.selectors import form_resolve
    from amtsweg.submissions import services

    final = answers_finalize(form=form_resolve(version=version, overlay=None), answers=answers)
    calls = []

    def counted(**kwargs):  # the real function, counted
        calls.append(1)
        return answers_finalize(**kwargs)

    monkeypatch.setattr(services, "answers_finalize", counted)
    once = submit(answers=final, answers_finalized=True)
    assert calls == []
    again = submit(answers=final)
    assert calls == [1]
    assert once.answers == again.answers == final and once.data_xml == again.data_xml
    # Still validated like any answers.
    with pytest.raises(SubmissionInvalid) as caught:
        submit(answers={**final, "nachname": ""}, answers_finalized=True)
    assert caught.value.errors["nachname"] == "Bitte füllen Sie das Feld „Nachname“ aus."


def test_clarification_stop_and_bad_email_are_rejected(submit, answers):
    answers["wohnsitz_hier"] = False
    with pytest.raises(SubmissionInvalid) as caught:
        submit(answers=answers, email="keine-adresse")
    assert caught.value.errors["__all__"] == "Zuständig ist Ihre Wohnsitzgemeinde"
    assert "gültige E-Mail-Adresse" in caught.value.errors["email"]


def test_retired_version_cannot_be_submitted(submit, version):
    form_version_retire(version=version)
    version.refresh_from_db()
    with pytest.raises(SubmissionInvalid) as caught:
        submit(version=version)
    assert "nicht mehr eingereicht" in caught.value.errors["__all__"]


def _dangerous_dog(answers):
    answers["hund"][0]["hund_gefaehrlich"] = True
    answers["hund"][0]["hund_gutachten"] = {
        "name": "wesenstest.pdf",
        "size": len(PDF_BYTES),
        "type": "pdf",
        "ref": "x1",
    }
    return answers


def test_attachments_are_stored_privately_with_checksum(submit, answers, private_storage_dir):
    upload = SimpleUploadedFile("wesenstest.pdf", PDF_BYTES, content_type="application/pdf")
    submission = submit(
        answers=_dangerous_dog(answers),
        attachments=[AttachmentUpload.from_upload(field_path="hund[0].hund_gutachten", upload=upload)],
    )
    attachment = SubmissionAttachment.objects.get(submission=submission)
    assert (attachment.position, attachment.field_path, attachment.name) == (
        1,
        "hund[0].hund_gutachten",
        "wesenstest.pdf",
    )
    assert attachment.content_type == "application/pdf" and attachment.size == len(PDF_BYTES)
    assert attachment.sha512 == hashlib.sha512(PDF_BYTES).hexdigest()
    path = private_storage_dir / attachment.file.name
    assert path.read_bytes() == PDF_BYTES
    assert submission.vorgangsnummer in attachment.file.name
    assert submission.answers["hund"][0]["hund_gutachten"]["name"] == "wesenstest.pdf"


def test_disguised_or_missing_upload_is_rejected(submit, answers):
    disguised = AttachmentUpload(
        field_path="hund[0].hund_gutachten", name="wesenstest.pdf", content=io.BytesIO(b"MZ\x90\x00 kein pdf")
    )
    with pytest.raises(SubmissionInvalid) as caught:
        submit(answers=_dangerous_dog(answers), attachments=[disguised])
    assert caught.value.errors["hund[0].hund_gutachten"].startswith("Dieser Dateityp ist nicht erlaubt.")
    with pytest.raises(SubmissionInvalid) as caught:
        submit(answers=_dangerous_dog(answers), attachments=[])
    assert "erneut hoch" in caught.value.errors["hund[0].hund_gutachten"]
    assert not SubmissionAttachment.objects.exists()


def test_upload_on_an_unreachable_branch_is_dropped(submit, answers):
    # The dog is not dangerous, so the Gutachten field is hidden: its answer and its file are pruned.
    answers["hund"][0]["hund_gutachten"] = {"name": "alt.pdf", "size": len(PDF_BYTES), "type": "pdf"}
    submission = submit(
        answers=answers,
        attachments=[AttachmentUpload(field_path="hund[0].hund_gutachten", name="alt.pdf", content=PDF_BYTES)],
    )
    assert "hund_gutachten" not in submission.answers["hund"][0]
    assert not submission.attachments.exists()
