"""Demo staff: a case worker of Stadtverwaltung Freiberg for the Sachbearbeitung inbox.

The password comes from ``AMTSWEG_DEMO_CASEWORKER_PASSWORD`` or is generated and shown once by
``bootstrap``. The account gets the membership and the view permissions of its work (scoped to
Freiberg in the admin by ``directory.admin_scoping``), nothing more.
"""

from __future__ import annotations

import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from amtsweg.directory.models import Authority, AuthorityMembership
from amtsweg.directory.services import membership_set

CASEWORKER_USERNAME = "sachbearbeitung.freiberg"
CASEWORKER_AUTHORITY_KEY = "gem-14522180"  # Stadtverwaltung Freiberg
PASSWORD_ENV = "AMTSWEG_DEMO_CASEWORKER_PASSWORD"  # noqa: S105 - the variable's name, not a password
PERMISSIONS = [
    ("submissions", "view_submission"),
    ("cases", "view_vorgang"),
    ("cases", "view_caseevent"),
    ("hub", "view_message"),
    ("hub", "view_delivery"),
]


def demo_caseworker_ensure() -> dict:
    """Create the demo case worker once; returns ``{"created": bool, "password": str | None}`` (the
    password only when it was generated here, so the caller can show it once)."""
    authority = Authority.objects.filter(key=CASEWORKER_AUTHORITY_KEY).first()
    if authority is None:
        return {"created": False, "password": None, "skipped": "Stadtverwaltung Freiberg fehlt"}
    users = get_user_model()
    user = users.objects.filter(username=CASEWORKER_USERNAME).first()
    generated = None
    created = user is None
    if created:
        password = os.environ.get(PASSWORD_ENV) or ""
        if not password:
            password = generated = secrets.token_urlsafe(16)
        user = users.objects.create_user(
            username=CASEWORKER_USERNAME,
            password=password,
            is_staff=True,
            first_name="Demo",
            last_name="Sachbearbeitung Freiberg",
        )
        for app_label, codename in PERMISSIONS:
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    membership_set(user=user, authority=authority, role=AuthorityMembership.Role.SACHBEARBEITUNG)
    return {"created": created, "password": generated}


KOMMUNAL_ADMIN_USERNAME = "konfiguration.pirna"
KOMMUNAL_ADMIN_AUTHORITY_KEY = "gem-14628270"  # Stadtverwaltung Pirna: no demo route yet, so it starts empty
KOMMUNAL_ADMIN_PASSWORD_ENV = "AMTSWEG_DEMO_KOMMUNAL_ADMIN_PASSWORD"  # noqa: S105 - the variable's name


def demo_kommunal_admin_ensure() -> dict:
    """The demo Kommunal-Admin of Pirna for the Konfigurationsportal (``/konfiguration/``); same contract
    as ``demo_caseworker_ensure``. No admin permissions: the portal is scoped by the membership alone."""
    authority = Authority.objects.filter(key=KOMMUNAL_ADMIN_AUTHORITY_KEY).first()
    if authority is None:
        return {"created": False, "password": None, "skipped": "Stadtverwaltung Pirna fehlt"}
    users = get_user_model()
    user = users.objects.filter(username=KOMMUNAL_ADMIN_USERNAME).first()
    generated = None
    created = user is None
    if created:
        password = os.environ.get(KOMMUNAL_ADMIN_PASSWORD_ENV) or ""
        if not password:
            password = generated = secrets.token_urlsafe(16)
        user = users.objects.create_user(
            username=KOMMUNAL_ADMIN_USERNAME,
            password=password,
            is_staff=True,
            first_name="Demo",
            last_name="Kommunal-Admin Pirna",
        )
    membership_set(user=user, authority=authority, role=AuthorityMembership.Role.KOMMUNAL_ADMIN)
    return {"created": created, "password": generated}
