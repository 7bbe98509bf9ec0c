"""Meine Anträge and the Postfach: access, attach later, replies, read state, notification e-mail."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from amtsweg.cases.codes import access_code, access_code_matches
from amtsweg.cases.models import CaseEvent, CaseStatus
from amtsweg.cases.selectors import postfach_unread_count
from amtsweg.cases.services import bescheid_issue, nachforderung_request, vorgang_close
from amtsweg.cases.tasks import SUBJECT as NOTICE_SUBJECT

pytestmark = pytest.mark.django_db

NACHFORDERUNG_TEXT = "Bitte reichen Sie den Nachweis der Haftpflichtversicherung ein."


def _detail(number: str) -> str:
    return reverse("postfach:detail", kwargs={"number": number})


def _nachforderung(vorgang, actor):
    import datetime

    return nachforderung_request(
        vorgang=vorgang,
        actor=actor,
        text=NACHFORDERUNG_TEXT,
        due_date=datetime.date(2026, 12, 31),
        documents=["Nachweis"],
    )


def test_submit_while_logged_in_links_the_applicant(own_case, erika):
    assert own_case.vorgang.applicant == erika


def test_list_shows_own_cases_only(client, own_case, submit, max_, erika):
    other = submit(applicant=max_)
    anonymous = submit()
    client.force_login(erika)
    body = client.get(reverse("postfach:list")).content.decode()
    assert own_case.vorgangsnummer in body
    assert other.vorgangsnummer not in body
    assert anonymous.vorgangsnummer not in body


def test_detail_owner_vs_other_citizen_vs_anonymous(client, own_case, erika, max_):
    url = _detail(own_case.vorgangsnummer)
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    client.force_login(max_)
    assert client.get(url).status_code == 404
    client.force_login(erika)
    response = client.get(url)
    assert response.status_code == 200
    assert own_case.vorgang.authority.name in response.content.decode()
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}


def test_bescheid_download_only_for_the_applicant(client, own_case, erika, max_):
    event = bescheid_issue(vorgang=own_case.vorgang, actor=erika, text="Die Hundesteuer wird festgesetzt.")
    url = reverse("postfach:event_file", kwargs={"number": own_case.vorgangsnummer, "event_id": event.pk})
    client.force_login(max_)
    assert client.get(url).status_code == 404
    client.force_login(erika)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    page = client.get(_detail(own_case.vorgangsnummer)).content.decode()
    assert "Bescheid herunterladen" in page
    assert "Status: beschieden" in page or "Bescheid erlassen" in page


def test_timeline_thread_and_read_state(client, own_case, erika):
    _nachforderung(own_case.vorgang, erika)
    assert postfach_unread_count(user=erika) == 1
    client.force_login(erika)
    home = client.get(reverse("accounts:home")).content.decode()
    assert "1 ungelesene Nachricht" in home
    page = client.get(_detail(own_case.vorgangsnummer)).content.decode()
    assert NACHFORDERUNG_TEXT in page
    assert "31.12.2026" in page
    assert "Unterlagen nachgefordert" in page
    assert ">neu<" in page
    assert postfach_unread_count(user=erika) == 0
    assert ">neu<" not in client.get(_detail(own_case.vorgangsnummer)).content.decode()


def test_reply_with_file_is_recorded_as_antwort(client, own_case, erika):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    _nachforderung(own_case.vorgang, erika)
    client.force_login(erika)
    upload = SimpleUploadedFile("nachweis.png", buffer.getvalue(), content_type="image/png")
    response = client.post(_detail(own_case.vorgangsnummer), {"text": "Anbei der Nachweis.", "file": upload})
    assert response.status_code == 302
    reply = CaseEvent.objects.get(vorgang=own_case.vorgang, kind=CaseEvent.Kind.ANTWORT)
    assert reply.payload == {"text": "Anbei der Nachweis."}
    assert reply.file.name.endswith(".png")
    # The authority still has the case open; a reply does not change the status.
    own_case.vorgang.refresh_from_db()
    assert own_case.vorgang.status == CaseStatus.NACHFORDERUNG


def test_reply_with_disguised_file_is_refused(client, own_case, erika):
    client.force_login(erika)
    upload = SimpleUploadedFile(
        "nachweis.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    response = client.post(_detail(own_case.vorgangsnummer), {"text": "Anbei.", "file": upload})
    assert response.status_code == 400
    assert "PDF-, JPEG- oder PNG-Datei" in response.content.decode()
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.ANTWORT).exists()


def test_reply_on_closed_case_is_refused(client, own_case, erika):
    vorgang_close(vorgang=own_case.vorgang, actor=erika)
    client.force_login(erika)
    response = client.post(_detail(own_case.vorgangsnummer), {"text": "Noch eine Frage."})
    assert response.status_code == 400
    assert "bereits beschieden oder abgeschlossen" in response.content.decode()
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.ANTWORT).exists()


def test_reply_of_another_citizen_is_404(client, own_case, max_):
    client.force_login(max_)
    assert client.post(_detail(own_case.vorgangsnummer), {"text": "Hallo"}).status_code == 404
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.ANTWORT).exists()


def test_access_code_is_stable_and_forgiving():
    code = access_code(number="AW-2026-7K3QX9PM")
    assert len(code) == 11 and code[5] == "-"
    assert access_code_matches(number="AW-2026-7K3QX9PM", code=code.lower().replace("-", " "))
    assert not access_code_matches(number="AW-2026-7K3QX9PN", code=code)


def test_zugangscode_on_confirmation_page(client, submit):
    from amtsweg.submissions.access import SESSION_KEY

    submission = submit()
    session = client.session
    session[SESSION_KEY] = [submission.vorgangsnummer]  # what the wizard's session_remember writes
    session.save()
    page = client.get(reverse("submissions:confirmation", kwargs={"number": submission.vorgangsnummer}))
    assert submission.zugangscode in page.content.decode()


def test_receipt_download_for_the_applicant_account(client, worker, own_case, erika, max_):
    worker()  # renders the receipt PDF
    url = reverse("submissions:receipt", kwargs={"number": own_case.vorgangsnummer})
    client.force_login(max_)
    assert client.get(url).status_code == 404
    client.force_login(erika)
    assert "Eingangsbestätigung herunterladen" in client.get(_detail(own_case.vorgangsnummer)).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF-")
    # The receipt carries the Zugangscode for attaching the application later.
    import io

    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert own_case.zugangscode in text


def test_attach_later_right_code(client, submit, erika):
    submission = submit()
    client.force_login(erika)
    response = client.post(
        reverse("postfach:attach"), {"number": submission.vorgangsnummer.lower(), "code": submission.zugangscode}
    )
    assert response.status_code == 302
    submission.vorgang.refresh_from_db()
    assert submission.vorgang.applicant == erika
    # Now the receipt (when ready) and the case are the citizen's.
    assert client.get(_detail(submission.vorgangsnummer)).status_code == 200


def test_attach_later_wrong_code_reveals_nothing(client, submit, own_case, erika, max_):
    anonymous = submit()
    client.force_login(max_)
    wrong = client.post(reverse("postfach:attach"), {"number": anonymous.vorgangsnummer, "code": "AAAAA-AAAAA"})
    unknown = client.post(reverse("postfach:attach"), {"number": "AW-2026-AAAAAAAA", "code": "AAAAA-AAAAA"})
    # Someone else's case, even with its right code, answers exactly the same.
    taken = client.post(reverse("postfach:attach"), {"number": own_case.vorgangsnummer, "code": own_case.zugangscode})
    for response in (wrong, unknown, taken):
        assert response.status_code == 400
        assert "passen nicht zusammen" in response.content.decode()
    anonymous.vorgang.refresh_from_db()
    own_case.vorgang.refresh_from_db()
    assert anonymous.vorgang.applicant is None
    assert own_case.vorgang.applicant == erika


def test_attach_later_is_rate_limited(client, submit, erika, settings):
    settings.AMTSWEG_LIMIT_ATTACH_PER_USER = 3
    submission = submit()
    client.force_login(erika)
    for _ in range(3):
        response = client.post(reverse("postfach:attach"), {"number": submission.vorgangsnummer, "code": "XXXXX-XXXXX"})
        assert response.status_code == 400
    # Over the limit even the right code is refused until the window passes.
    response = client.post(
        reverse("postfach:attach"), {"number": submission.vorgangsnummer, "code": submission.zugangscode}
    )
    assert response.status_code == 429
    assert "zu viele Versuche" in response.content.decode()
    submission.vorgang.refresh_from_db()
    assert submission.vorgang.applicant is None


def test_notification_mail_says_that_not_what(smtp_server, worker, own_case, erika, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _nachforderung(own_case.vorgang, erika)
    worker()
    notices = [_parsed(m) for m in smtp_server.messages if "erika@example.org" in m.rcpt_tos]
    notices = [m for m in notices if m["Subject"] == NOTICE_SUBJECT]
    assert len(notices) == 1
    body = notices[0].get_body(preferencelist=("plain",)).get_content()
    assert "neue Mitteilung" in body and "Meine Anträge" in body
    # No language is known in the worker: German and English in one mail.
    assert "new message" in body and "My applications" in body
    assert not list(notices[0].iter_attachments())
    for secret in (NACHFORDERUNG_TEXT, own_case.vorgangsnummer, own_case.vorgang.authority.name, "Nachweis"):
        assert secret not in body
        assert secret not in notices[0]["Subject"]


def test_no_notification_for_citizen_reply_or_without_account(
    smtp_server, worker, own_case, submit, erika, django_capture_on_commit_callbacks
):
    anonymous = submit()
    with django_capture_on_commit_callbacks(execute=True):
        _nachforderung(anonymous.vorgang, erika)
        from amtsweg.cases.services import citizen_reply_record

        citizen_reply_record(vorgang=own_case.vorgang, user=erika, text="Frage")
    worker()
    subjects = [_parsed(m)["Subject"] for m in smtp_server.messages]
    assert subjects  # the confirmation mails of both submissions went through the same server
    assert NOTICE_SUBJECT not in subjects


def _parsed(envelope):
    from email import policy
    from email.parser import BytesParser

    return BytesParser(policy=policy.default).parsebytes(envelope.content)


def test_reply_shows_in_the_inbox_case_view(client, own_case, erika):
    from django.contrib.auth import get_user_model

    from amtsweg.cases.services import citizen_reply_record
    from amtsweg.directory.services import membership_set

    reply = citizen_reply_record(
        vorgang=own_case.vorgang,
        user=erika,
        text="Der Nachweis folgt per Post.",
        file_name="Antwort.pdf",
        file_content=_small_pdf(),
    )
    staff = get_user_model().objects.create_user(username="sb", password="x" * 16, is_staff=True)
    membership_set(user=staff, authority=own_case.authority, role="sachbearbeitung")
    client.force_login(staff)
    html = client.get(f"/sachbearbeitung/vorgaenge/{own_case.vorgangsnummer}/").content.decode()
    assert "Antwort des Antragstellers" in html and "Der Nachweis folgt per Post." in html
    assert "Anlage der Antwort" in html
    response = client.get(f"/sachbearbeitung/vorgaenge/{own_case.vorgangsnummer}/dateien/{reply.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def _small_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_message_from_the_hub_return_channel_reaches_the_postfach(
    client, smtp_server, worker, own_case, erika, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from amtsweg.apiclients.services import api_client_create
    from amtsweg.hub.tests.test_api import ALL_SCOPES, Caller

    cache.clear()  # the hub API's throttle counts in the default cache
    _api_client, token = api_client_create(name="Fachverfahren", scopes=ALL_SCOPES, authority=own_case.authority)
    back_office = Caller(client, token)
    body = {"text": "Bitte Impfpass nachreichen.", "due_date": "2030-01-31", "documents_requested": ["Impfpass"]}
    with django_capture_on_commit_callbacks(execute=True):
        response = back_office.post(f"/vorgaenge/{own_case.vorgangsnummer}/nachforderungen/", body)
    assert response.status_code == 201
    worker()
    notices = [_parsed(m) for m in smtp_server.messages if "erika@example.org" in m.rcpt_tos]
    notices = [m for m in notices if m["Subject"] == NOTICE_SUBJECT]
    assert len(notices) == 1
    assert "Impfpass" not in notices[0].get_body(preferencelist=("plain",)).get_content()
    client.force_login(erika)
    page = client.get(_detail(own_case.vorgangsnummer)).content.decode()
    assert "Bitte Impfpass nachreichen." in page and "31.01.2030" in page


def test_stages_task_list_follows_the_status():
    from datetime import datetime

    from amtsweg.postfach.timeline import stages_for

    received = datetime(2026, 12, 1, 9, 30)

    def states(status):
        return [(s["title"], s["state"]) for s in stages_for(status=status, received=received)]

    assert states("eingegangen") == [
        ("Antrag eingegangen", "done"),
        ("In Bearbeitung", "todo"),
        ("Bescheid erlassen", "todo"),
        ("Abgeschlossen", "todo"),
    ]
    assert states("nachforderung")[1:3] == [("In Bearbeitung", "current"), ("Unterlagen nachreichen", "action")]
    assert [state for _, state in states("beschieden")] == ["done", "done", "done", "todo"]
    assert [state for _, state in states("abgeschlossen")] == ["done"] * 4
