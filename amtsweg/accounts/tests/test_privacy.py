"""Privacy in Mein Konto (issue 10 §8): "Meine Daten herunterladen" (JSON, POST, no secrets) and deleting
one's own account (re-authentication, last-Inhaber rule, audit entry without personal data)."""

from __future__ import annotations

import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.urls import reverse

from amtsweg.accounts.models import Membership, Organisation, Profile, Role
from amtsweg.accounts.tests.conftest import PASSWORD, make_user, totp_for
from amtsweg.audit.models import AuditEntry
from amtsweg.audit.services import audit_verify

pytestmark = pytest.mark.django_db

ADDRESS = "erika@example.org"


@pytest.fixture
def erika():
    user = make_user(ADDRESS)
    Profile.objects.create(user=user, given_name="Erika", family_name="Mustermann", city="Dresden")
    return user


def _login(client, user):
    """Logged in, then the password entered again on allauth's confirmation page (what the deletion asks for)."""
    client.force_login(user)
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def _organisation(name, *members):
    organisation = Organisation.objects.create(name=name)
    for user, role in members:
        Membership.objects.create(organisation=organisation, user=user, role=role)
    return organisation


def test_export_is_a_post_download_with_everything_the_account_keeps_and_no_secrets(client, erika):
    secret = totp_for(erika)
    SocialAccount.objects.create(user=erika, provider="bundid", uid="geheime-kennung-123", extra_data={"x": 1})
    _organisation("Bäckerei Sonne GmbH", (erika, Role.INHABER))
    url = reverse("accounts:data_export")
    assert client.post(url).status_code == 302  # login required
    client.force_login(erika)

    page = client.get(url)
    assert page.status_code == 200 and "Meine Daten herunterladen" in page.content.decode()
    assert "Meine Daten herunterladen" in client.get(reverse("accounts:home")).content.decode()
    response = client.post(url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == 'attachment; filename="amtsweg-meine-daten.json"'
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    data = json.loads(text)
    assert data["konto"]["e_mail"] == ADDRESS
    assert data["persoenliche_angaben"]["vorname"] == "Erika"
    assert data["persoenliche_angaben"]["ort"] == "Dresden"
    assert data["e_mail_adressen"] == [{"adresse": ADDRESS, "bestaetigt": True, "hauptadresse": True}]
    assert [(o["name"], o["rolle"]) for o in data["organisationen"]] == [("Bäckerei Sonne GmbH", "Inhaber/in")]
    assert [f["art"] for f in data["zweiter_faktor"]] == [Authenticator.Type.TOTP.label]
    assert [s["anbieter"] for s in data["verknuepfte_anmeldungen"]] == ["bundid"]
    assert secret not in text and "geheime-kennung-123" not in text
    assert "pbkdf2" not in text and erika.password not in text


def test_deletion_needs_a_fresh_authentication_and_a_confirmation(client, erika):
    client.force_login(erika)  # a session without a recorded login: allauth asks again
    response = client.post(reverse("accounts:delete"), {"bestaetigung": "ja"})
    assert response.status_code == 302 and "reauthenticate" in response["Location"]
    assert get_user_model().objects.filter(pk=erika.pk).exists()

    wrong = client.post(reverse("account_reauthenticate"), {"password": "falsch"})
    assert wrong.status_code == 200
    assert get_user_model().objects.filter(pk=erika.pk).exists()
    _login(client, erika)
    response = client.post(reverse("accounts:delete"), {})
    assert response.status_code == 400
    assert "Bitte bestätigen Sie" in response.content.decode()
    assert get_user_model().objects.filter(pk=erika.pk).exists()


def test_deleting_removes_user_data_and_lone_organisations_logs_out_and_audits_without_personal_data(client, erika):
    totp_for(erika)
    colleague = make_user("kollege@example.org")
    own = _organisation("Nur Erika GmbH", (erika, Role.INHABER))
    shared = _organisation("Gemeinsam GmbH", (erika, Role.INHABER), (colleague, Role.INHABER))
    _login(client, erika)
    page = client.get(reverse("accounts:delete"))
    assert page.status_code == 200 and "Konto endgültig löschen" in page.content.decode()

    response = client.post(reverse("accounts:delete"), {"bestaetigung": "ja"}, follow=True)

    assert "Ihr Konto und die dazugehörigen Daten wurden gelöscht." in response.content.decode()
    assert not get_user_model().objects.filter(pk=erika.pk).exists()
    assert not Profile.objects.filter(user_id=erika.pk).exists()
    assert not EmailAddress.objects.filter(email=ADDRESS).exists()
    assert not Authenticator.objects.filter(user_id=erika.pk).exists()
    assert not Organisation.objects.filter(pk=own.pk).exists()
    assert list(Membership.objects.filter(organisation=shared).values_list("user_id", flat=True)) == [colleague.pk]
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(event="account_deleted")
    assert entry.detail == {"reason": "Nutzerkonto auf eigenen Wunsch gelöscht", "count": 1}
    assert "erika" not in json.dumps(entry.detail).lower() and "erika" not in entry.actor.lower()
    assert audit_verify().ok


def test_the_last_inhaber_of_an_organisation_with_members_is_refused(client, erika):
    member = make_user("mitglied@example.org")
    organisation = _organisation("Bäckerei Sonne GmbH", (erika, Role.INHABER), (member, Role.BEARBEITER))
    _login(client, erika)

    page = client.get(reverse("accounts:delete")).content.decode()
    assert "einzige Inhaberin oder der einzige Inhaber von „Bäckerei Sonne GmbH“" in page
    response = client.post(reverse("accounts:delete"), {"bestaetigung": "ja"})

    assert response.status_code == 400
    assert "Bitte übertragen Sie die Rolle „Inhaber/in“ zuerst" in response.content.decode()
    assert get_user_model().objects.filter(pk=erika.pk).exists()
    assert Membership.objects.filter(organisation=organisation).count() == 2
    assert not AuditEntry.objects.filter(event="account_deleted").exists()


def test_staff_accounts_are_not_deleted_by_themselves():
    from amtsweg.accounts.services import AccountsError, account_delete

    staff = make_user("sachbearbeitung@example.org", staff=True)
    with pytest.raises(AccountsError, match="löscht die Verwaltung"):
        account_delete(user=staff)
    assert get_user_model().objects.filter(pk=staff.pk).exists()
