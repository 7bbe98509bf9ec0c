"""Account pages: German in the polite form, our page frame, the header links (issue 10 §2, §6)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from amtsweg.accounts.tests.conftest import make_user, totp_for

pytestmark = pytest.mark.django_db

INFORMAL = re.compile(r"\b(du|dich|dir|dein\w*)\b", re.IGNORECASE)


def _text(response) -> str:
    html = response.content.decode()
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize(
    "name", ["account_login", "account_signup", "account_reset_password", "account_email_verification_sent"]
)
def test_public_account_pages_speak_german_with_sie_in_our_frame(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    text = _text(response)
    assert not INFORMAL.search(text), INFORMAL.search(text)
    assert "Zum Inhalt springen" in text and "kern-heading-large" in response.content.decode()


def test_manage_pages_and_header(client):
    user = make_user("buerger@example.org")
    assert "Anmelden" in _text(client.get("/"))
    client.force_login(user)
    assert "Mein Konto" in _text(client.get("/"))
    totp_for(user)
    for url in [reverse("accounts:home"), reverse("mfa_index"), reverse("account_email"), reverse("accounts:profile")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not INFORMAL.search(_text(response)), (url, INFORMAL.search(_text(response)))


def test_wrong_password_gets_a_german_message(client):
    user = make_user("buerger@example.org")
    response = client.post(reverse("account_login"), {"login": user.email, "password": "falsch"})
    assert response.status_code == 200
    assert "E-Mail-Adresse und/oder das Passwort sind leider falsch" in response.content.decode()
