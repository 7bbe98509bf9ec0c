"""Roles of citizens and organisation members (issue 10 §7, ADR 0024); staff roles are in
``amtsweg.directory.permissions`` and re-exported here, so a caller above ``accounts`` finds every
role predicate in one module.

- **Bürger**: any signed-in, active account; owns the Vorgänge whose ``applicant`` it is.
- **Organisationsmitglied**: a ``Membership`` in an ``Organisation`` with role Inhaber (manages members and
  invitations) or Bearbeiter (acts for the organisation).
"""

from __future__ import annotations

from typing import Any

from amtsweg.accounts.models import Membership, Organisation, Role
from amtsweg.directory.permissions import (  # noqa: F401  (re-exported: one place for every role predicate)
    KOORDINATION_GROUP,
    authorities_administered,
    authorities_worked,
    authority_ids_administered,
    authority_ids_worked,
    can_assign_case,
    can_work_case,
    is_any_kommunal_admin,
    is_kommunal_admin,
    is_koordination,
    is_sachbearbeiter,
    is_staff_member,
    permissions_cache_clear,
    role_at,
)


def _id(organisation: Organisation | int | None) -> int | None:
    if organisation is None or isinstance(organisation, int):
        return organisation
    return organisation.pk


def is_citizen(user: Any) -> bool:
    """A signed-in, active account (staff accounts act as citizens too when they apply for themselves)."""
    return bool(user is not None and user.is_authenticated and user.is_active)


def organisation_role(user: Any, organisation: Organisation | int | None) -> str | None:
    """The user's role in the organisation (``"inhaber"`` / ``"bearbeiter"``), or None."""
    organisation_id = _id(organisation)
    if not is_citizen(user) or organisation_id is None:
        return None
    memberships = Membership.objects.filter(user=user, organisation_id=organisation_id)
    return memberships.values_list("role", flat=True).first()


def is_org_member(user: Any, organisation: Organisation | int | None) -> bool:
    """Acts for the organisation (Inhaber or Bearbeiter)."""
    return organisation_role(user, organisation) is not None


def is_org_owner(user: Any, organisation: Organisation | int | None) -> bool:
    """Inhaber: manages members, roles and invitations of the organisation."""
    return organisation_role(user, organisation) == Role.INHABER


def can_view_own_case(user: Any, vorgang: Any) -> bool:
    """The applicant's account sees its Vorgang in "Meine Anträge" (any other account: no)."""
    return vorgang is not None and is_citizen(user) and vorgang.applicant_id == user.pk


def can_view_case(user: Any, vorgang: Any) -> bool:
    """Sees the Vorgang at all: its applicant, or staff who work its authority."""
    return can_view_own_case(user, vorgang) or can_work_case(user, vorgang)
