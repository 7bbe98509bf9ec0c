"""Organisationskonto (issue 10 §2): roles, invitations by e-mail (single use, expiry, invited address only)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from amtsweg.accounts.models import Invitation, Membership, Organisation, Role
from amtsweg.accounts.tests.conftest import first_link, mail_text, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return make_user("inhaberin@example.org")


@pytest.fixture
def organisation(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("accounts:organisation_create"),
        {
            "name": "Bäckerei Sonne GmbH",
            "register_court": "Amtsgericht Dresden",
            "register_number": "HRB 1234",
            "vat_id": "DE 123456789",
        },
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Bäckerei Sonne GmbH")
    assert organisation.vat_id == "DE123456789"
    assert Membership.objects.get(organisation=organisation).role == Role.INHABER
    return organisation


def _invite(client, organisation, address, role=Role.BEARBEITER):
    url = reverse("accounts:organisation", kwargs={"pk": organisation.pk})
    return client.post(url, {"email": address, "role": role})


def test_invitation_by_mail_is_accepted_once_by_the_invited_address(
    client, owner, organisation, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, organisation, "kollege@example.org")
    assert response.status_code == 302
    [message] = mailbox.messages
    assert message.rcpt_tos == ["kollege@example.org"]
    text = mail_text(message)
    assert "Bäckerei Sonne GmbH" in text
    link = first_link(text, "/konto/einladung/")
    path = "/" + link.split("/", 3)[3]

    # Someone else, logged in with another address, cannot use the link.
    client.force_login(make_user("fremd@example.org"))
    refused = client.post(path)
    assert refused.status_code == 400 and "andere E-Mail-Adresse" in refused.content.decode()

    colleague = make_user("kollege@example.org")
    client.force_login(colleague)
    assert client.get(path).status_code == 200
    accepted = client.post(path)
    assert accepted.status_code == 302
    assert Membership.objects.get(organisation=organisation, user=colleague).role == Role.BEARBEITER
    again = client.post(path)
    assert again.status_code == 400 and "bereits angenommen" in again.content.decode()


def test_invitation_link_needs_a_login_and_expires(
    client, owner, organisation, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, organisation, "kollege@example.org")
    link = first_link(mail_text(mailbox.messages[0]), "/konto/einladung/")
    path = "/" + link.split("/", 3)[3]
    client.logout()
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(make_user("kollege@example.org"))
    expired = client.post(path)
    assert expired.status_code == 400 and "abgelaufen" in expired.content.decode()
    assert client.post("/konto/einladung/erfunden-und-falsch/").status_code == 400


def test_only_the_owner_manages_members_and_one_owner_always_remains(client, owner, organisation):
    worker = make_user("bearbeiter@example.org")
    membership = Membership.objects.create(organisation=organisation, user=worker, role=Role.BEARBEITER)
    mine = Membership.objects.get(organisation=organisation, user=owner)

    client.force_login(worker)
    page = client.get(reverse("accounts:organisation", kwargs={"pk": organisation.pk})).content.decode()
    assert "Person einladen" not in page and "Rolle ändern" not in page and " entfernen</span>" not in page
    assert "Organisation verlassen" in page
    assert _invite(client, organisation, "x@example.org").status_code == 404
    role_url = reverse("accounts:member_role", kwargs={"pk": organisation.pk, "member_pk": mine.pk})
    client.post(role_url, {f"m{mine.pk}-role": Role.BEARBEITER})
    mine.refresh_from_db()
    assert mine.role == Role.INHABER  # refused: only owners change roles

    client.force_login(owner)
    last_owner = client.post(role_url, {f"m{mine.pk}-role": Role.BEARBEITER}, follow=True)
    assert "mindestens eine Inhaberin" in last_owner.content.decode()
    promote = reverse("accounts:member_role", kwargs={"pk": organisation.pk, "member_pk": membership.pk})
    client.post(promote, {f"m{membership.pk}-role": Role.INHABER})
    membership.refresh_from_db()
    assert membership.role == Role.INHABER
    remove = reverse("accounts:member_remove", kwargs={"pk": organisation.pk, "member_pk": membership.pk})
    assert client.post(remove).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_a_bearbeiter_may_leave_but_the_last_owner_may_not(client, owner, organisation):
    worker = make_user("bearbeiter@example.org")
    membership = Membership.objects.create(organisation=organisation, user=worker, role=Role.BEARBEITER)
    client.force_login(worker)
    leave = reverse("accounts:member_remove", kwargs={"pk": organisation.pk, "member_pk": membership.pk})
    assert client.post(leave)["Location"] == reverse("accounts:home")
    assert not Membership.objects.filter(pk=membership.pk).exists()
    client.force_login(owner)
    mine = Membership.objects.get(organisation=organisation, user=owner)
    url = reverse("accounts:member_remove", kwargs={"pk": organisation.pk, "member_pk": mine.pk})
    refused = client.post(url, follow=True)
    assert "mindestens eine Inhaberin" in refused.content.decode()
    assert Membership.objects.filter(pk=mine.pk).exists()


def test_nobody_sees_other_organisations(client, organisation):
    outsider = make_user("fremd@example.org")
    client.force_login(outsider)
    own = Organisation.objects.create(name="Andere KG")
    Membership.objects.create(organisation=own, user=outsider, role=Role.INHABER)
    assert client.get(reverse("accounts:organisation", kwargs={"pk": organisation.pk})).status_code == 404
    home = client.get(reverse("accounts:home")).content.decode()
    assert "Andere KG" in home and "Bäckerei Sonne" not in home
    member = Membership.objects.filter(organisation=organisation).first()
    for name in ("member_role", "member_remove"):
        url = reverse(f"accounts:{name}", kwargs={"pk": organisation.pk, "member_pk": member.pk})
        assert client.post(url, {f"m{member.pk}-role": Role.BEARBEITER}).status_code == 404
    # Their own organisation's URL with a member of the other one: also not found.
    url = reverse("accounts:member_remove", kwargs={"pk": own.pk, "member_pk": member.pk})
    assert client.post(url).status_code == 404
    assert Membership.objects.filter(pk=member.pk).exists()


def test_profile_is_kept_in_the_account(client):
    user = make_user("buerger@example.org")
    client.force_login(user)
    bad = client.post(reverse("accounts:profile"), {"given_name": "Erika", "postal_code": "123"})
    assert bad.status_code == 400 and "fünf Ziffern" in bad.content.decode()
    ok = client.post(
        reverse("accounts:profile"),
        {
            "given_name": "Erika",
            "family_name": "Mustermann",
            "birth_date": "1980-05-01",
            "street": "Schloßstraße",
            "house_number": "1",
            "postal_code": "01067",
            "city": "Dresden",
        },
    )
    assert ok.status_code == 302
    home = client.get(reverse("accounts:home")).content.decode()
    assert "Erika Mustermann" in home and "01.05.1980" in home and "01067 Dresden" in home


def _subject(message) -> str:
    from email import policy
    from email.parser import BytesParser

    return BytesParser(policy=policy.default).parsebytes(message.content)["Subject"]


@pytest.mark.parametrize(
    ("language", "subject", "sentence"),
    [
        (None, "Einladung in das Organisationskonto „Bäckerei Sonne GmbH“", "Sie wurden eingeladen"),
        ("en", "Invitation to the organisation account “Bäckerei Sonne GmbH”", "You have been invited"),
    ],
)
def test_invitation_mail_speaks_the_inviting_owners_language(
    client, organisation, mailbox, django_capture_on_commit_callbacks, language, subject, sentence
):
    if language:
        client.cookies["amtsweg_language"] = language
    with django_capture_on_commit_callbacks(execute=True):
        assert _invite(client, organisation, "kollege@example.org").status_code == 302
    [message] = mailbox.messages
    assert _subject(message).strip() == subject
    text = mail_text(message)
    assert sentence in text and "Bäckerei Sonne GmbH" in text and "/konto/einladung/" in text


def test_organisation_messages_in_english(client, organisation, owner, mailbox, django_capture_on_commit_callbacks):
    """The flash message after an invitation and the form error for a member invited again, in English."""
    from amtsweg.web.tests.english import german_words, page_texts

    client.cookies["amtsweg_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("accounts:organisation", kwargs={"pk": organisation.pk}),
            {"email": "kollege@example.org", "role": Role.BEARBEITER},
            follow=True,
        )
    page = sent.content.decode()
    assert "The invitation has been sent by email." in page
    again = _invite(client, organisation, owner.email).content.decode()
    assert "This person is already a member of the organisation." in again
    assert german_words(page_texts(page)) == [] and german_words(page_texts(again)) == []
