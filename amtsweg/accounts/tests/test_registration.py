"""Registration with mandatory e-mail verification (issue 10 §2): mails over real SMTP, expired links refused."""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse

from amtsweg.accounts.tests.conftest import PASSWORD, mail_text

pytestmark = pytest.mark.django_db


def _sign_up(client, address: str):
    return client.post(reverse("account_signup"), {"email": address, "password1": PASSWORD, "password2": PASSWORD})


def _confirm_path(mailbox) -> str:
    link = re.search(r"https?://\S+/konto/confirm-email/\S+/", mail_text(mailbox.messages[-1])).group(0)
    return "/" + link.split("/", 3)[3]


def test_no_login_before_the_address_is_confirmed(client, mailbox):
    response = _sign_up(client, "neu@example.org")
    assert response.status_code == 302 and response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    [message] = mailbox.messages
    assert message.rcpt_tos == ["neu@example.org"]
    client.post(reverse("account_logout"))
    login = client.post(reverse("account_login"), {"login": "neu@example.org", "password": PASSWORD})
    assert login["Location"] == reverse("account_email_verification_sent")  # a new mail, still no login
    assert "_auth_user_id" not in client.session
    client.post(_confirm_path(mailbox))
    login = client.post(reverse("account_login"), {"login": "neu@example.org", "password": PASSWORD})
    assert login.status_code == 302 and client.session.get("_auth_user_id")


def test_an_expired_confirmation_link_gets_a_clear_message(client, mailbox, settings, monkeypatch):
    # The link is signed with the time it was made: made four days ago, it is past the three-day limit.
    settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
    now = time.time()
    monkeypatch.setattr("django.core.signing.time.time", lambda: now - 4 * 86400)
    _sign_up(client, "spaet@example.org")
    monkeypatch.undo()
    path = _confirm_path(mailbox)
    page = client.get(path).content.decode()
    assert "Dieser Bestätigungslink ist abgelaufen, wurde bereits verwendet oder ist ungültig" in page
    assert client.post(path).status_code in (200, 302, 404)
    from allauth.account.models import EmailAddress

    assert not EmailAddress.objects.get(email="spaet@example.org").verified


def test_step_up_returns_only_to_our_own_pages(client, settings):
    app = {"provider_id": "testid", "name": "Test-ID", "client_id": "c", "secret": "s"}
    app["settings"] = {"server_url": "http://127.0.0.1:9/"}
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [app]}}
    ours = client.get(reverse("accounts:step_up") + "?niveau=hoch&next=/antrag/hundesteuer/14522180/").content.decode()
    assert "Anmelden mit Test-ID" in ours and "next=%2Fantrag%2Fhundesteuer%2F14522180%2F" in ours
    response = client.get(reverse("accounts:step_up") + "?niveau=hoch&next=https://boese.example/")
    text = response.content.decode()
    assert "Anmelden mit Test-ID" in text and "boese.example" not in text
