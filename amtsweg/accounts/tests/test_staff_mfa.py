"""MFA is mandatory for staff (issue 10 §2): no admin page without a second factor in the session."""

from __future__ import annotations

import pytest
from django.urls import reverse

from amtsweg.accounts.tests.conftest import PASSWORD, make_user, totp_code, totp_for

pytestmark = pytest.mark.django_db


def _admin_login(client, user):
    response = client.post("/admin/login/?next=/admin/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def test_staff_without_authenticator_is_sent_to_set_one_up(client):
    staff = make_user("sb@example.org", staff=True)
    _admin_login(client, staff)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")
    page = client.get(response["Location"])
    assert "zweiter Faktor Pflicht" in page.content.decode()
    # Every admin page, not only the index.
    assert client.get("/admin/catalog/leistung/")["Location"] == reverse("mfa_index")


def test_admin_password_login_alone_does_not_open_the_admin(client):
    staff = make_user("sb@example.org", staff=True)
    secret = totp_for(staff)
    _admin_login(client, staff)
    response = client.get("/admin/catalog/leistung/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    # A wrong code is refused in German, the admin stays closed.
    wrong = client.post(response["Location"], {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and "Falscher Code" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302
    done = client.post(response["Location"], {"code": totp_code(secret)})
    assert done.status_code == 302 and done["Location"] == "/admin/catalog/leistung/"
    assert client.get("/admin/catalog/leistung/").status_code == 200


def test_allauth_login_of_staff_asks_for_the_second_factor_then_opens_the_admin(client):
    staff = make_user("sb@example.org", staff=True)
    secret = totp_for(staff)
    response = client.post(reverse("account_login") + "?next=/admin/", {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not logged in before the second factor
    done = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert done.status_code == 302 and done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_citizens_are_not_asked_and_cannot_enter_the_admin(client):
    citizen = make_user("buerger@example.org")
    client.force_login(citizen)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert client.get(reverse("accounts:home")).status_code == 200


def test_login_throttling_of_axes_and_allauth_both_apply_to_the_account_login(client, settings):
    user = make_user("buerger@example.org")
    statuses = []
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            reverse("account_login"), {"login": user.email, "password": "falsch"}, REMOTE_ADDR="203.0.113.9"
        )
        statuses.append(response.status_code)
    # axes locks the address + e-mail pair at its limit (its lockout page) ...
    assert statuses[-1] == 429 and "Anmeldung vorübergehend gesperrt" in response.content.decode()
    # ... and then even the right password does not log in (allauth's own limit answers first now).
    locked = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    assert "_auth_user_id" not in client.session
    assert "Bitte versuchen Sie es später erneut" in locked.content.decode() or locked.status_code == 429


def test_a_recovery_code_works_once_in_place_of_the_app(client):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    user = make_user("buerger@example.org")
    totp_for(user)
    code = RecoveryCodes.activate(user).get_unused_codes()[0]
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert client.session.get("_auth_user_id")
    client.post(reverse("account_logout"))
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    again = client.post(reverse("mfa_authenticate"), {"code": code})
    assert again.status_code == 200 and "Falscher Code" in again.content.decode()
    assert "_auth_user_id" not in client.session
