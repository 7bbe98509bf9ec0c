"""Drafts: session binding, e-mailed resume links, expiry, cleanup and version pinning."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from amtsweg.assistant.models import Draft, ResumeMail, Upload
from amtsweg.assistant.tasks import resume_mail_send
from amtsweg.assistant.tests.conftest import PDF_BYTES, STEP_DATA, text
from amtsweg.common.hashing import token_hash

pytestmark = pytest.mark.django_db


def _resume_link(mailoutbox) -> str:
    assert len(mailoutbox) == 1
    match = re.search(r"http://testserver(/antrag/fortsetzen/[A-Za-z0-9_-]+/)", mailoutbox[0].body)
    assert match, mailoutbox[0].body
    return match.group(1)


def test_draft_url_without_the_session_is_not_found(wizard):
    wizard.through("anliegen")
    stranger = Client()
    response = stranger.get(wizard.url("halter"))
    assert response.status_code == 404
    page = text(response)
    assert "Antrag nicht gefunden" in page and "Antrag neu beginnen" in page
    assert "Erika" not in page
    assert stranger.post(wizard.url("halter"), STEP_DATA["halter"]).status_code == 404
    assert "vorname" not in wizard.draft.answers


def test_unknown_draft_token_gives_the_same_page(client, start_url):
    response = client.get(start_url + "A" * 43 + "/anliegen/")
    assert response.status_code == 404 and "Antrag nicht gefunden" in text(response)


def test_save_for_later_mails_a_resume_link_that_works_in_another_browser(wizard, client, mailoutbox, worker):
    wizard.through("anliegen")
    response = wizard.post("halter", {**STEP_DATA["halter"], "f-vorname": "Erika"}, action="spaeter")
    assert response.status_code == 302 and response["Location"] == wizard.url("spaeter-fortsetzen") + "?schritt=halter"
    form = client.get(response["Location"])
    assert 'value="erika@example.org"' in form.content.decode()  # prefilled from the answers
    bad = client.post(response["Location"], {"email": "kaputt"})
    assert bad.status_code == 200 and "Bitte geben Sie eine gültige E-Mail-Adresse ein" in text(bad)
    assert not ResumeMail.objects.exists()
    sent = client.post(response["Location"], {"email": "erika@example.org"})
    page = text(sent)
    assert sent.status_code == 200 and "Link zum Fortsetzen wird verschickt" in page
    assert "Wir senden Ihnen den Link an erika@example.org – das kann einen Moment dauern." in page
    assert not mailoutbox  # the worker sends it, not the request
    worker()
    link = _resume_link(mailoutbox)
    assert mailoutbox[0].to == ["erika@example.org"]
    assert "Anmeldung zur Hundesteuer" in mailoutbox[0].subject

    draft = wizard.draft
    raw = link.rstrip("/").rsplit("/", 1)[-1]
    assert draft.resume_token_hash == token_hash(raw) and raw not in draft.resume_token_hash
    assert raw != draft.token and draft.resume_mails_sent == 1
    # Neither the address nor the link stays behind once the mail is out.
    assert ResumeMail.objects.get().email == ""
    task = DBTaskResult.objects.get(task_path=resume_mail_send.module_path)
    assert task.args_kwargs == {"args": [ResumeMail.objects.get().pk], "kwargs": {}}
    assert "Ihr Link zum Fortsetzen wurde am" in text(client.get(response["Location"]))

    other = Client()
    resumed = other.get(link)
    assert resumed.status_code == 302 and resumed["Location"] == wizard.url("halter")
    page = other.get(resumed["Location"])
    assert page.status_code == 200 and 'value="Erika"' in page.content.decode()
    assert "Willkommen zurück" in text(page)


def test_resume_links_are_single_use(wizard, client, mailoutbox, worker, start_url):
    client.post(wizard.url("spaeter-fortsetzen"), {"email": "a@example.org"})
    worker()
    link = _resume_link(mailoutbox)
    first = Client()
    assert first.get(link).status_code == 302
    draft = wizard.draft
    assert draft.resume_token_hash == "" and draft.resume_used_hash == token_hash(link.rstrip("/").rsplit("/", 1)[-1])
    # Opened again in another browser: it says the link was used and how to get a new one.
    again = Client().get(link)
    assert again.status_code == 410
    page = text(again)
    assert "Dieser Link wurde bereits verwendet" in page and "neuen Link schicken" in page
    assert f'href="{start_url}"' in again.content.decode()
    assert "a@example.org" not in page
    # In the browser that used it, the link simply leads back into the draft.
    back = first.get(link)
    assert back.status_code == 302 and back["Location"] == wizard.url("anliegen")


def test_new_link_replaces_old_one_and_mails_are_limited(wizard, client, mailoutbox, worker):
    url = wizard.url("spaeter-fortsetzen")
    client.post(url, {"email": "a@example.org"})
    worker()
    first = _resume_link(mailoutbox)
    client.post(url, {"email": "a@example.org"})
    worker()
    assert Client().get(first).status_code == 404
    for _ in range(5):
        client.post(url, {"email": "a@example.org"})
        worker()
    assert len(mailoutbox) == 5
    refused = client.post(url, {"email": "a@example.org"})
    assert "bereits mehrere Links verschickt" in text(refused)
    assert ResumeMail.objects.count() == 5


def test_expired_and_unknown_resume_links(wizard, client, mailoutbox, start_url, worker):
    client.post(wizard.url("spaeter-fortsetzen"), {"email": "a@example.org"})
    worker()
    link = _resume_link(mailoutbox)
    Draft.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = Client().get(link)
    assert response.status_code == 410
    page = text(response)
    assert "Dieser Link ist abgelaufen" in page and f'href="{start_url}"' in response.content.decode()
    # The draft's own pages say the same.
    assert client.get(wizard.url("anliegen")).status_code == 410
    unknown = Client().get("/antrag/fortsetzen/" + "x" * 43 + "/")
    assert unknown.status_code == 404 and "Antrag nicht gefunden" in text(unknown)


def test_draft_expiry_is_configurable(settings, client, start_url):
    settings.AMTSWEG_DRAFT_TTL_DAYS = 3
    client.post(start_url)
    draft = Draft.objects.get()
    assert timedelta(days=2, hours=23) < draft.expires_at - timezone.now() <= timedelta(days=3)


def test_drafts_expire_command_deletes_drafts_and_files(wizard, private_dirs, capsys):
    wizard.through("anliegen", "halter")
    data = {**STEP_DATA["hunde"], "f-hund-0-hund_gefaehrlich": "ja"}
    wizard.post("hunde", data)
    from django.core.files.uploadedfile import SimpleUploadedFile

    wizard.post("hunde", {**data, "f-hund-0-hund_gutachten": SimpleUploadedFile("w.pdf", PDF_BYTES)})
    upload = Upload.objects.get()
    stored = private_dirs / "uploads" / upload.path
    assert stored.exists()
    keep = Draft.objects.create(
        token="k" * 43,
        version=wizard.draft.version,
        authority=wizard.draft.authority,
        gemeinde=wizard.draft.gemeinde,
        expires_at=timezone.now() + timedelta(days=1),
    )
    Draft.objects.filter(pk=wizard.draft.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    call_command("drafts_expire")
    assert "1 abgelaufene Entwürfe gelöscht" in capsys.readouterr().out
    assert list(Draft.objects.all()) == [keep]
    assert not Upload.objects.exists() and not stored.exists()


def test_draft_keeps_its_version_when_a_new_one_is_published(wizard, client, version):
    from amtsweg.forms.services import definition_load
    from amtsweg.submissions.models import Submission

    wizard.through("anliegen", "halter")
    document = {**version.document, "title": "Anmeldung zur Hundesteuer (neu)"}
    newer = definition_load(document=document, publish=True)
    assert newer.number == version.number + 1
    wizard.through("hunde", "befreiung", "zahlung")
    review = client.get(wizard.url("antrag-pruefen"))
    assert "Anmeldung zur Hundesteuer (neu)" not in review.content.decode()
    client.post(wizard.url("antrag-pruefen"), {"wahrheit": "ja", "datenschutz": "ja"})
    assert Submission.objects.get().form_version == version
    # New applications start on the new version.
    client.post(wizard.start_url)
    assert Draft.objects.order_by("-pk").first().version == newer


def test_unchanged_draft_is_not_written_again_until_its_expiry_is_old(client, start_url, django_assert_num_queries):
    from amtsweg.assistant.services import draft_save

    client.post(start_url)
    draft = Draft.objects.get()
    draft_save(draft=draft, answers={"vorname": "Erika"}, current_step="halter", completed_steps=["anliegen"])
    with django_assert_num_queries(0):
        draft_save(draft=draft, answers={"vorname": "Erika"}, current_step="halter", completed_steps=["anliegen"])
    # Older expiry: written again, so an active draft never runs out.
    Draft.objects.filter(pk=draft.pk).update(expires_at=timezone.now() + timedelta(days=1))
    draft = Draft.objects.get()
    draft_save(draft=draft, answers={"vorname": "Erika"}, current_step="halter", completed_steps=["anliegen"])
    assert Draft.objects.get().expires_at - timezone.now() > timedelta(days=2)
    # A changed answer is always written.
    draft_save(draft=draft, answers={"vorname": "Max"})
    assert Draft.objects.get().answers == {"vorname": "Max"}


def test_resume_mail_in_the_language_the_citizen_asked_in(wizard, client, mailoutbox, worker):
    """The link asked for on an English page comes in English, even if the browser switched back since:
    the worker writes it in the stored language (ResumeMail.language)."""
    wizard.through("anliegen")
    client.cookies["amtsweg_language"] = "en"
    response = wizard.post("halter", STEP_DATA["halter"], action="spaeter")
    sent = client.post(response["Location"], {"email": "erika@example.org"})
    assert sent.status_code == 200
    client.cookies["amtsweg_language"] = "de"
    worker()
    _resume_link(mailoutbox)
    mail = mailoutbox[0]
    assert mail.subject.startswith("Your application") and "link to continue" in mail.subject.lower()
    assert mail.body.startswith("Hello,")
    assert "This link opens it again, also on another device:" in mail.body
    assert "Guten Tag" not in mail.body and "Bitte" not in mail.body
