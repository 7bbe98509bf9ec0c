"""allauth adapters: the Vertrauensniveau of every login, and the user name axes counts failures by."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter

from amtsweg.accounts import selectors, services
from amtsweg.catalog.models import AssuranceLevel

# What an identity provider vouched for, between its callback and the completed login (maybe after MFA).
PENDING_KEY = "accounts_pending_assurance"


class AccountAdapter(DefaultAccountAdapter):
    def login(self, request, user):
        pending = request.session.pop(PENDING_KEY, None)
        records = get_authentication_records(request, user)
        super().login(request, user)
        services.session_assurance_set(request=request, level=_level_of_login(pending, records))


def _level_of_login(pending: dict | None, records: list[dict]) -> str:
    """The provider's level only if this very login went through that provider account.

    A pending level left behind by an abandoned provider login must not lift a later password login.
    """
    if not pending or not records:
        return AssuranceLevel.NIEDRIG
    last_social = [r for r in records if r.get("method") == "socialaccount"]
    if not last_social or records[-1].get("method") not in {"socialaccount", "mfa"}:
        return AssuranceLevel.NIEDRIG
    latest = last_social[-1]
    if latest.get("provider") != pending.get("provider") or latest.get("uid") != pending.get("uid"):
        return AssuranceLevel.NIEDRIG
    level = pending.get("level")
    return level if level in AssuranceLevel.values else AssuranceLevel.NIEDRIG


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin):
        super().pre_social_login(request, sociallogin)
        data = sociallogin.account.extra_data or {}
        # The ID token carries acr; userinfo may add or repeat claims (BundID sends trust_level_authentication there).
        claims = {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}
        request.session[PENDING_KEY] = {
            "provider": sociallogin.account.provider,
            "uid": sociallogin.account.uid,
            "level": selectors.assurance_from_claims(claims),
        }


def axes_username(request, credentials) -> str | None:
    """django-axes: the admin form posts "username", allauth's login form "login" (an e-mail address)."""
    credentials = credentials or {}
    for key in ("username", "email", "login"):
        if credentials.get(key):
            return str(credentials[key])
    post = getattr(request, "POST", {}) or {}
    return post.get("username") or post.get("login")
