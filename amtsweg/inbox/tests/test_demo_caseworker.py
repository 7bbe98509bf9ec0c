"""The demo case worker of Stadtverwaltung Freiberg: created once, password from the environment or generated."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from amtsweg.demo.staff import CASEWORKER_USERNAME, PASSWORD_ENV, demo_caseworker_ensure
from amtsweg.directory.selectors import authorities_of


def test_caseworker_with_password_from_env_works_for_freiberg(db, monkeypatch, client, case_b, case_a):
    monkeypatch.setenv(PASSWORD_ENV, "demo-kennwort-freiberg-123")
    result = demo_caseworker_ensure()
    assert result == {"created": True, "password": None}
    user = get_user_model().objects.get(username=CASEWORKER_USERNAME)
    assert user.check_password("demo-kennwort-freiberg-123") and user.is_staff and not user.is_superuser
    assert [a.name for a in authorities_of(user)] == [case_b.authority.name]
    client.force_login(user)
    html = client.get("/sachbearbeitung/").content.decode()
    assert case_b.vorgangsnummer in html and case_a.vorgangsnummer not in html
    # Idempotent: a second bootstrap leaves the account alone.
    assert demo_caseworker_ensure() == {"created": False, "password": None}


def test_generated_password_is_returned_once(db, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    result = demo_caseworker_ensure()
    assert result["created"] and len(result["password"]) >= 16
    assert get_user_model().objects.get(username=CASEWORKER_USERNAME).check_password(result["password"])
