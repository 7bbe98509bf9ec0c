"""Writes of staff memberships in authorities (``AuthorityMembership``)."""

from __future__ import annotations

from amtsweg.directory.models import Authority, AuthorityMembership


def membership_set(*, user, authority: Authority, role: str = AuthorityMembership.Role.SACHBEARBEITUNG):
    """Make ``user`` a member of ``authority`` with ``role`` (created or updated)."""
    membership, _created = AuthorityMembership.objects.update_or_create(
        user=user, authority=authority, defaults={"role": role}
    )
    if hasattr(user, "_amtsweg_authority_ids"):
        del user._amtsweg_authority_ids
    return membership


def membership_remove(*, user, authority: Authority) -> None:
    AuthorityMembership.objects.filter(user=user, authority=authority).delete()
    if hasattr(user, "_amtsweg_authority_ids"):
        del user._amtsweg_authority_ids
