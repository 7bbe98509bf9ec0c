"""Admin login throttling (issue 8 finding 4): django-axes locks user + client address."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

PASSWORD = "richtig-und-lang-genug"


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(username="sb", password=PASSWORD, is_staff=True, is_superuser=True)


def _login(client, username, password, ip="203.0.113.7", forwarded=None):
    extra = {"REMOTE_ADDR": ip}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, **extra)


def test_right_password_is_refused_after_too_many_failures(client, staff, settings):
    settings.AMTSWEG_TRUSTED_PROXIES = []
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        # Forged forwarding headers must not spread the attempts over fake clients.
        assert _login(client, "sb", "falsch", forwarded=f"198.51.100.{i}").status_code == 200
    locked = _login(client, "sb", "falsch", forwarded="198.51.100.99")
    assert locked.status_code == 429
    page = _login(client, "sb", PASSWORD)
    assert page.status_code == 429
    text = page.content.decode()
    assert "Anmeldung vorübergehend gesperrt" in text and "in 15 Minuten" in text
    assert "_auth_user_id" not in client.session
    # Another client address (a colleague) and another user from this address are not affected.
    assert _login(client.__class__(), "sb", PASSWORD, ip="203.0.113.8").status_code == 302
    get_user_model().objects.create_user(username="other", password=PASSWORD, is_staff=True)
    assert _login(client.__class__(), "other", PASSWORD).status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "sb", "falsch")
    assert _login(client, "sb", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "sb", "falsch")
    assert _login(client, "sb", PASSWORD).status_code == 302
