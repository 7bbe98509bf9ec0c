"""Fixtures for the accounts tests: users with verified addresses, TOTP, and a real SMTP server on loopback."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth import get_user_model

from amtsweg.assistant.tests.conftest import MailCollector, free_port, smtp_settings

PASSWORD = "ein-langes-Passwort-2026"


def make_user(address: str, *, staff: bool = False, password: str = PASSWORD):
    user = get_user_model().objects.create_user(
        username=address.split("@")[0], email=address, password=password, is_staff=staff, is_superuser=staff
    )
    EmailAddress.objects.create(user=user, email=address, verified=True, primary=True)
    return user


def totp_for(user) -> str:
    """Give the user an authenticator app; returns its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str, offset: int = 0) -> str:
    """The code an authenticator app shows now (offset in periods), computed like allauth checks it."""
    import time

    from allauth.mfa import app_settings

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD + offset))


def mail_text(envelope) -> str:
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    return message.get_body(preferencelist=("plain",)).get_content()


def first_link(text: str, pattern: str) -> str:
    match = re.search(rf"https?://\S*{pattern}\S*", text)
    assert match, f"no link matching {pattern!r} in:\n{text}"
    return match.group(0)


@pytest.fixture
def mailbox(settings):
    """A real SMTP server (aiosmtpd) on loopback that keeps every message; Django sends to it."""
    from aiosmtpd.controller import Controller

    port = free_port()
    smtp_settings(settings, port)
    collector = MailCollector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    yield collector
    controller.stop()


@pytest.fixture(scope="session")
def accounts_stack(tmp_path_factory):
    """Amtsweg with the demo assistants, its SMTP mailbox, and a local OpenID Connect provider (session-wide)."""
    from amtsweg.accounts.tests.e2e_stack import AccountsStack

    with AccountsStack(tmp_path_factory.mktemp("accounts-e2e")) as stack:
        yield stack


# axe-core injected like in the other e2e tests; browser and page come from the root conftest.
from amtsweg.demo.tests.test_e2e_accessibility import axe_page  # noqa: E402, F401


@pytest.fixture(autouse=True)
def _staff_mfa_on(settings):
    """The root conftest switches the staff MFA rule off for other apps' admin tests; here it is on."""
    settings.AMTSWEG_STAFF_MFA_REQUIRED = True
