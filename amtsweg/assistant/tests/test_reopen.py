"""The reopened upload step after a Nachforderung (issue 10 §5): prefilled, only uploads editable, checked,
kept across reloads, handed to the Vorgang as a Nachreichung the inbox lists."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from amtsweg.assistant.models import Draft, Upload
from amtsweg.assistant.tests.conftest import EXE_BYTES, PDF_BYTES
from amtsweg.cases.models import CaseDocument, CaseEvent, CaseStatus
from amtsweg.cases.services import bescheid_issue, nachforderung_request
from amtsweg.postfach.tests import conftest as _postfach

erika = _postfach.erika
max_ = _postfach.max_
own_case = _postfach.own_case
submit = _postfach.submit
version = _postfach.version
dresden = _postfach.dresden
leistung = _postfach.leistung
answers = _postfach.answers

pytestmark = pytest.mark.django_db

FIELD = "f-hund-0-hund_gutachten"


@pytest.fixture
def requested(own_case, erika):
    nachforderung_request(
        vorgang=own_case.vorgang,
        actor=erika,
        text="Bitte reichen Sie den Wesenstest für Bello ein.",
        due_date=datetime.date(2026, 12, 31),
        documents=["Wesenstest"],
    )
    return own_case


def _url(case) -> str:
    return reverse("assistant:reopen", kwargs={"number": case.vorgangsnummer})


def test_postfach_offers_the_upload_step_only_while_a_nachforderung_is_open(client, own_case, erika):
    client.force_login(erika)
    detail = reverse("postfach:detail", kwargs={"number": own_case.vorgangsnummer})
    assert "Unterlagen hochladen" not in client.get(detail).content.decode()
    closed = client.get(_url(own_case))
    assert closed.status_code == 200 and "Keine Unterlagen angefordert" in closed.content.decode()
    nachforderung_request(vorgang=own_case.vorgang, actor=erika, text="x", due_date=None, documents=[])
    assert _url(own_case) in client.get(detail).content.decode()


def test_step_shows_earlier_answers_read_only_and_only_file_inputs(client, requested, erika):
    client.force_login(erika)
    page = client.get(_url(requested)).content.decode()
    assert "Bitte reichen Sie den Wesenstest für Bello ein." in page
    # Earlier answers of the step (the dogs) shown, not as inputs.
    assert "Bello" in page and "Labrador" in page
    assert 'name="f-hund-0-hund_name"' not in page
    # One file input per dog row (the field is in a repeat group), also where its condition was false.
    assert f'name="{FIELD}"' in page and 'name="f-hund-1-hund_gutachten"' in page
    assert 'type="text"' not in page


def test_upload_survives_reload_then_submit_records_a_nachreichung(client, requested, erika):
    client.force_login(erika)
    saved = client.post(
        _url(requested), {"aktion": "speichern", FIELD: SimpleUploadedFile("Wesenstest.pdf", PDF_BYTES)}
    )
    assert saved.status_code == 302
    # A reload (and another session of the same account) still shows the stored file.
    client.logout()
    client.force_login(erika)
    page = client.get(_url(requested)).content.decode()
    assert "Hochgeladen:" in page and "Wesenstest.pdf" in page
    draft = Draft.objects.get(vorgang=requested.vorgang)
    assert draft.uploads.count() == 1

    done = client.post(_url(requested), {"aktion": "einreichen", "nachricht": "Anbei der Test."}, follow=True)
    body = done.content.decode()
    assert "Ihre Unterlagen wurden an die zuständige Stelle übermittelt" in body
    assert "Ihre nachgereichten Unterlagen" in body and "Wesenstest.pdf" in body
    event = CaseEvent.objects.get(vorgang=requested.vorgang, kind=CaseEvent.Kind.NACHREICHUNG)
    assert event.payload["text"] == "Anbei der Test."
    document = CaseDocument.objects.get(event=event)
    assert document.file.read() == PDF_BYTES and "Hund 1" in document.field_label
    requested.vorgang.refresh_from_db()
    assert requested.vorgang.status == CaseStatus.IN_BEARBEITUNG and requested.vorgang.paused_since is None
    # The draft and its stored file are gone; the step is closed now.
    assert not Draft.objects.filter(vorgang=requested.vorgang).exists() and not Upload.objects.exists()
    assert "Keine Unterlagen angefordert" in client.get(_url(requested)).content.decode()
    # The citizen downloads it from the Postfach.
    download = client.get(
        reverse(
            "postfach:document_file",
            kwargs={"number": requested.vorgangsnummer, "event_id": event.pk, "position": 1},
        )
    )
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_inbox_case_view_lists_the_new_documents(client, requested, erika):
    from amtsweg.directory.services import membership_set

    client.force_login(erika)
    client.post(_url(requested), {"aktion": "einreichen", FIELD: SimpleUploadedFile("Test.pdf", PDF_BYTES)})
    worker = get_user_model().objects.create_user(username="sb", password="x" * 16, is_staff=True)
    membership_set(user=worker, authority=requested.vorgang.authority, role="sachbearbeitung")
    client.force_login(worker)
    page = client.get(reverse("inbox:case", kwargs={"number": requested.vorgangsnummer})).content.decode()
    assert "Nachgereichte Unterlagen" in page and "Test.pdf" in page
    event = CaseEvent.objects.get(kind=CaseEvent.Kind.NACHREICHUNG)
    url = reverse("inbox:document", kwargs={"number": requested.vorgangsnummer, "event_id": event.pk, "position": 1})
    assert url in page
    assert b"".join(client.get(url).streaming_content) == PDF_BYTES


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("Wesenstest.pdf", EXE_BYTES, "keine echte PDF-Datei"),
        ("Wesenstest.pdf", b"", "leer"),
    ],
)
def test_disguised_or_empty_files_are_refused_in_german(client, requested, erika, name, content, message):
    client.force_login(erika)
    response = client.post(_url(requested), {"aktion": "einreichen", FIELD: SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.NACHREICHUNG).exists()


def test_submit_without_a_file_is_refused(client, requested, erika):
    client.force_login(erika)
    response = client.post(_url(requested), {"aktion": "einreichen"})
    assert response.status_code == 400
    assert "mindestens eine Datei" in response.content.decode()


def test_oversized_file_is_refused(client, requested, erika, settings):
    settings.AMTSWEG_UPLOAD_MAX_MB = 1
    client.force_login(erika)
    big = PDF_BYTES + b"0" * (1024 * 1024 + 10)
    response = client.post(_url(requested), {"aktion": "speichern", FIELD: SimpleUploadedFile("big.pdf", big)})
    assert response.status_code in (400, 413)
    assert "zu groß" in response.content.decode()


def test_other_citizen_and_decided_case(client, requested, erika, max_):
    client.force_login(max_)
    assert client.get(_url(requested)).status_code == 404
    assert client.post(_url(requested), {"aktion": "einreichen"}).status_code == 404
    client.force_login(erika)
    client.post(_url(requested), {"aktion": "speichern", FIELD: SimpleUploadedFile("a.pdf", PDF_BYTES)})
    bescheid_issue(vorgang=requested.vorgang, actor=erika, text="Festgesetzt.")
    response = client.post(_url(requested), {"aktion": "einreichen"})
    assert response.status_code == 409
    assert "Keine Unterlagen angefordert" in response.content.decode()


def test_attached_later_case_works_too(client, submit, erika):
    from amtsweg.cases.services import vorgang_attach

    anonymous = submit()
    vorgang_attach(vorgang=anonymous.vorgang, user=erika)
    nachforderung_request(vorgang=anonymous.vorgang, actor=erika, text="x", due_date=None, documents=[])
    client.force_login(erika)
    response = client.post(_url(anonymous), {"aktion": "einreichen", FIELD: SimpleUploadedFile("a.pdf", PDF_BYTES)})
    assert response.status_code == 302
    assert CaseEvent.objects.filter(vorgang=anonymous.vorgang, kind=CaseEvent.Kind.NACHREICHUNG).exists()
