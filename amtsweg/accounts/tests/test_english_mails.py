"""The account e-mails (allauth's address confirmation and password reset) in the page language of the
request that asked for them (issue 11 §4), over real SMTP; German stays the default."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from amtsweg.accounts.tests.conftest import PASSWORD, mail_text
from amtsweg.web.tests.english import german_words

pytestmark = pytest.mark.django_db


def _subject(message) -> str:
    import email
    from email import policy

    return str(email.message_from_bytes(message.content, policy=policy.default)["Subject"])


def _english(client):
    client.cookies["amtsweg_language"] = "en"
    return client


def test_confirmation_mail_in_english(client, mailbox):
    response = _english(client).post(
        reverse("account_signup"), {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    [message] = mailbox.messages
    text = mail_text(message)
    assert "confirm" in (_subject(message) + text).lower()
    assert german_words([_subject(message), *text.splitlines()]) == []


def test_password_reset_mail_in_english_and_german_by_default(client, mailbox):
    get_user_model().objects.create_user(username="erika", email="erika@example.org", password=PASSWORD)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=get_user_model().objects.get(), email="erika@example.org", verified=True)
    _english(client).post(reverse("account_reset_password"), {"email": "erika@example.org"})
    [message] = mailbox.messages
    text = mail_text(message)
    assert "password" in (_subject(message) + text).lower()
    assert german_words([_subject(message), *text.splitlines()]) == []

    client.cookies["amtsweg_language"] = "de"
    client.post(reverse("account_reset_password"), {"email": "erika@example.org"})
    german = mail_text(mailbox.messages[-1])
    assert "Passwort" in german + _subject(mailbox.messages[-1])
