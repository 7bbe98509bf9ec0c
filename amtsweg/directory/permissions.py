"""Roles and permissions of staff: the one place that says who may act for which authority (ADR 0024).

Roles (issue 10 §7):

- **Sachbearbeitung** (per authority): an ``AuthorityMembership`` with role ``sachbearbeitung`` — works the
  authority's cases in the inbox and sees its rows in the admin (with the model permissions).
- **Kommunal-Admin** (per authority): membership with role ``kommunal_admin`` — everything Sachbearbeitung
  may, plus the authority's configuration (members, templates, assistants).
- **Zentrale Koordination**: a superuser, or an active staff user in the Django group
  ``KOORDINATION_GROUP`` — acts for every authority without a membership.
- Bürger and Organisationsmitglied (Inhaber, Bearbeiter) are no staff roles; their predicates live in
  ``amtsweg.accounts.roles`` (the organisation is an accounts model, one layer up).

Every predicate is False for anonymous, inactive and non-staff users: ``is_staff`` is the door to the staff
pages (and the MFA rule), the membership says which authority behind it. Predicates take the authority
as an ``Authority`` or its id, and a Vorgang by duck typing (``authority_id``, ``assignee_id``), so this
bottom-layer module needs no import from ``cases``. Results are cached on the user object for the
request (the user is loaded once per request), so a list page asks the database once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from amtsweg.directory.models import Authority, AuthorityMembership

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser

#: Name of the Django group whose staff members are the zentrale Koordination (created by migration
#: ``directory.0005_koordination_group``). Superusers are Koordination without it.
KOORDINATION_GROUP = "Zentrale Koordination"

ROLE_SACHBEARBEITUNG = AuthorityMembership.Role.SACHBEARBEITUNG
ROLE_KOMMUNAL_ADMIN = AuthorityMembership.Role.KOMMUNAL_ADMIN

_CACHE_ROLES = "_amtsweg_authority_roles"
_CACHE_KOORDINATION = "_amtsweg_koordination"


def _id(authority: Authority | int | None) -> int | None:
    if authority is None or isinstance(authority, int):
        return authority
    return authority.pk


def is_staff_member(user: Any) -> bool:
    """Signed in, active and staff (the precondition of every staff role)."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def is_koordination(user: Any) -> bool:
    """Zentrale Koordination: an active staff superuser, or an active staff member of the Koordination group."""
    if not is_staff_member(user):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, _CACHE_KOORDINATION, None)
    if cached is None:
        cached = user.groups.filter(name=KOORDINATION_GROUP).exists()
        setattr(user, _CACHE_KOORDINATION, cached)
    return cached


def authority_roles(user: Any) -> dict[int, str]:
    """The user's memberships as {authority id: role} (empty for non-staff). Koordination is not listed
    here: it holds for all authorities, see ``authority_ids_worked``."""
    if not is_staff_member(user):
        return {}
    cached = getattr(user, _CACHE_ROLES, None)
    if cached is None:
        cached = dict(AuthorityMembership.objects.filter(user=user).values_list("authority_id", "role"))
        setattr(user, _CACHE_ROLES, cached)
    return cached


def authority_ids_worked(user: Any) -> set[int] | None:
    """Ids of the authorities whose cases the user works (any role); None means all (Koordination)."""
    if is_koordination(user):
        return None
    return set(authority_roles(user))


def authorities_worked(user: Any) -> QuerySet[Authority]:
    """The authorities whose cases the user works (Koordination: all; non-staff: none)."""
    ids = authority_ids_worked(user)
    if ids is None:
        return Authority.objects.all()
    return Authority.objects.filter(pk__in=ids)


def authority_ids_administered(user: Any) -> set[int] | None:
    """Ids of the authorities the user configures as Kommunal-Admin; None means all (Koordination)."""
    if is_koordination(user):
        return None
    return {pk for pk, role in authority_roles(user).items() if role == ROLE_KOMMUNAL_ADMIN}


def authorities_administered(user: Any) -> QuerySet[Authority]:
    """The authorities the user configures as Kommunal-Admin (Koordination: all; others: none)."""
    ids = authority_ids_administered(user)
    if ids is None:
        return Authority.objects.all()
    return Authority.objects.filter(pk__in=ids)


def role_at(user: Any, authority: Authority | int | None) -> str | None:
    """The user's role at the authority (``"kommunal_admin"`` for Koordination), or None."""
    if is_koordination(user):
        return ROLE_KOMMUNAL_ADMIN
    return authority_roles(user).get(_id(authority))


def is_sachbearbeiter(user: Any, authority: Authority | int | None) -> bool:
    """May work this authority's cases: any membership there (a Kommunal-Admin works cases too), or Koordination."""
    return role_at(user, authority) is not None


def is_kommunal_admin(user: Any, authority: Authority | int | None) -> bool:
    """May configure this authority (members, templates, assistants): role Kommunal-Admin there, or Koordination."""
    return role_at(user, authority) == ROLE_KOMMUNAL_ADMIN


def is_any_kommunal_admin(user: Any) -> bool:
    """Kommunal-Admin of at least one authority (or Koordination): may open the configuration pages at all."""
    ids = authority_ids_administered(user)
    return ids is None or bool(ids)


def can_work_case(user: Any, vorgang: Any) -> bool:
    """May read and act on the Vorgang in the inbox (claim, Nachforderung, Bescheid, close, export)."""
    return vorgang is not None and is_sachbearbeiter(user, vorgang.authority_id)


def can_assign_case(user: Any, vorgang: Any, assignee: Any) -> bool:
    """May hand the Vorgang to ``assignee``: the user works the case and the assignee works for its authority
    (None = release the case)."""
    if not can_work_case(user, vorgang):
        return False
    return assignee is None or (is_staff_member(assignee) and is_sachbearbeiter(assignee, vorgang.authority_id))


def permissions_cache_clear(user: Any) -> None:
    """Forget the cached roles (after a membership or group change within the same request, and in tests)."""
    for attr in (_CACHE_ROLES, _CACHE_KOORDINATION, "_amtsweg_authority_ids"):
        if hasattr(user, attr):
            delattr(user, attr)
