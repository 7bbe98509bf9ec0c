"""Model permissions that follow the roles (ADR 0024): a permission row alone does not open platform-wide data.

Django's ModelBackend grants ``app.view_model`` to anyone holding the row, for every row of the model.
For models that hold every citizen's data or the platform's configuration that is wrong for a Kommune's
staff, however generous an operator was with permissions. This backend drops such permissions unless
the user is zentrale Koordination (``directory.permissions.is_koordination``):

- ``KOORDINATION_ONLY``: accounts, e-mail addresses, second factors, logins, audit chain, task rows,
  legal pages, Projektlandkarte/Beteiligung and roll-out monitor — nothing of it belongs to one authority.
- ``SHARED_READ_ONLY``: reference data and definitions every authority shares (register, catalogue,
  form definitions, rules and product inventory of the hub, Bescheid templates per Leistung): staff may view, only
  Koordination may change them, since a change reaches every authority.

Rows that belong to one authority are scoped separately, by ``directory.admin_scoping``; the
Konfigurationsportal's records (``konfig``) are per authority too, shown read-only in the admin to the
Koordination only (Kommunal-Admins see theirs in the portal).
``has_module_perms`` follows, since ModelBackend derives it from ``get_all_permissions``.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend

from amtsweg.directory.permissions import is_koordination

KOORDINATION_ONLY = frozenset(
    {
        "account.emailaddress",
        "accounts.invitation",
        "accounts.membership",
        "accounts.organisation",
        "accounts.profile",
        "admin.logentry",
        "audit.auditentry",
        "auth.group",
        "auth.permission",
        "auth.user",
        "axes.accessattempt",
        "axes.accessfailurelog",
        "axes.accesslog",
        "contenttypes.contenttype",
        "core.workerprocess",
        "django_tasks_database.dbtaskresult",
        "mfa.authenticator",
        "pages.page",
        # Projektlandkarte, Beteiligung and the roll-out monitor: kept by the zentrale Koordination only.
        "projekte.abonnement",
        "projekte.bewertung",
        "projekte.bewertungsverlauf",
        "projekte.einladung",
        "projekte.ergebnisdokument",
        "projekte.fussnote",
        "projekte.kommentar",
        "projekte.landkarteeintrag",
        "projekte.leistungspaket",
        "projekte.mitwirkung",
        "projekte.phasenereignis",
        "projekte.phasenstatus",
        "projekte.produktnutzung",
        "projekte.produktplaneintrag",
        "projekte.projekt",
        "projekte.projektrolle",
        "projekte.werkstatt",
        "rollout.adoptionrecord",
        "rollout.kurzstatuspublication",
        "rollout.plannedservice",
        "rollout.reifegraddeclaration",
        "rollout.reportlabel",
        "sessions.session",
        "socialaccount.socialaccount",
        "socialaccount.socialapp",
        "socialaccount.socialtoken",
    }
)

SHARED_READ_ONLY = frozenset(
    {
        "cases.bescheidvorlage",
        "catalog.lebenslage",
        "catalog.leistung",
        "catalog.ozgleistung",
        "catalog.themenfeld",
        "directory.authority",
        "directory.postalcode",
        "directory.referenceversion",
        "directory.registerimport",
        "directory.territory",
        "forms.codelist",
        "forms.formdefinition",
        "forms.formversion",
        "hub.integrationrule",
        "hub.product",
        "jurisdiction.override",
    }
)

_ACTIONS = ("view", "add", "change", "delete")


def permission_allowed(perm: str, *, koordination: bool) -> bool:
    """Whether the role lets a user use the model permission ``perm`` (``"app_label.codename"``)."""
    if koordination:
        return True
    app_label, _, codename = perm.partition(".")
    action, _, model = codename.partition("_")
    if action not in _ACTIONS:
        return True  # a custom permission: the view that checks it decides
    key = f"{app_label}.{model}"
    if key in KOORDINATION_ONLY:
        return False
    return not (key in SHARED_READ_ONLY and action != "view")


class RolePermissionsMixin:
    """Cuts a ModelBackend's permissions to what the user's role allows (see module docstring). Every
    backend derived from ModelBackend needs it — allauth's grants model permissions too."""

    def get_all_permissions(self, user_obj, obj=None):
        perms = super().get_all_permissions(user_obj, obj)
        if not perms:
            return perms
        koordination = is_koordination(user_obj)
        return {perm for perm in perms if permission_allowed(perm, koordination=koordination)}


class RoleModelBackend(RolePermissionsMixin, ModelBackend):
    """Django's ModelBackend with role-bound permissions."""


class RoleAllauthBackend(RolePermissionsMixin, AllauthBackend):
    """allauth's login backend (e-mail or username) with role-bound permissions."""
