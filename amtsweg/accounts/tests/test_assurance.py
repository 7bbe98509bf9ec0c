"""Vertrauensniveau (issue 10 §3): mapping of provider claims, the level a login leaves in the session."""

from __future__ import annotations

import pytest
from django.urls import reverse

from amtsweg.accounts import selectors
from amtsweg.accounts.adapter import _level_of_login
from amtsweg.accounts.tests.conftest import PASSWORD, make_user
from amtsweg.catalog.models import AssuranceLevel


@pytest.mark.parametrize(
    ("claims", "level"),
    [
        ({"trust_level_authentication": "level1"}, "niedrig"),
        ({"trust_level_authentication": "level3"}, "substanziell"),
        ({"trust_level_authentication": "level4"}, "hoch"),
        ({"trust_level_authentication": "STORK-QAA-Level-4"}, "hoch"),
        ({"acr": "http://eidas.europa.eu/LoA/substantial"}, "substanziell"),
        ({"acr": "http://eidas.europa.eu/LoA/high"}, "hoch"),
        ({"acr": ["http://eidas.europa.eu/LoA/low", "http://eidas.europa.eu/LoA/high"]}, "hoch"),
        # BundID's claim is checked first; an unknown value or no claim at all is "niedrig".
        ({"trust_level_authentication": "level3", "acr": "http://eidas.europa.eu/LoA/high"}, "substanziell"),
        ({"acr": "urn:something:unknown"}, "niedrig"),
        ({}, "niedrig"),
        ({"acr": 4}, "niedrig"),
    ],
)
def test_claims_map_to_levels(claims, level):
    assert selectors.assurance_from_claims(claims) == level


def test_mapping_is_configurable(settings):
    settings.AMTSWEG_ASSURANCE_CLAIMS = {"loa": {"2": "substanziell", "3": "hoch", "9": "unsinn"}}
    assert selectors.assurance_from_claims({"loa": "3"}) == "hoch"
    assert selectors.assurance_from_claims({"loa": "9"}) == "niedrig"  # a mapping to no known level counts for nothing
    assert selectors.assurance_from_claims({"acr": "http://eidas.europa.eu/LoA/high"}) == "niedrig"


def test_a_pending_provider_level_counts_only_for_that_provider_login():
    pending = {"provider": "bundid", "uid": "42", "level": "hoch"}
    social = {"method": "socialaccount", "provider": "bundid", "uid": "42"}
    assert _level_of_login(pending, [social]) == "hoch"
    assert _level_of_login(pending, [social, {"method": "mfa", "type": "totp"}]) == "hoch"
    # Abandoned provider login, then a password login: the password login stays "niedrig".
    assert _level_of_login(pending, [social, {"method": "password"}]) == "niedrig"
    assert _level_of_login(pending, [{"method": "socialaccount", "provider": "bundid", "uid": "43"}]) == "niedrig"
    assert _level_of_login(None, [social]) == "niedrig"
    assert _level_of_login(pending, []) == "niedrig"


@pytest.mark.django_db
def test_password_login_is_niedrig_and_anonymous_has_none(client):
    user = make_user("buerger@example.org")
    request = client.get("/").wsgi_request
    assert selectors.session_assurance_level(request) is None
    # A stale pending level in the session does not lift a password login.
    session = client.session
    session["accounts_pending_assurance"] = {"provider": "bundid", "uid": "1", "level": "hoch"}
    session.save()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[selectors.ASSURANCE_SESSION_KEY] == AssuranceLevel.NIEDRIG
    home = client.get(reverse("accounts:home")).content.decode()
    assert "Vertrauensniveau dieser Anmeldung: <strong>niedrig</strong>" in home


def test_levels_are_ordered():
    rank = AssuranceLevel.rank
    assert rank(None) < rank("niedrig") < rank("substanziell") < rank("hoch")
