"""The authorisation walk (issue 10 §7, ADR 0024): every URL pattern, every role, two of everything.

Every URL pattern the resolver knows must have a row in ``URLS`` (or, for the admin, its model a row in
``ADMIN_MODELS`` / its name in ``ADMIN_SITE``): a new view fails ``test_every_url_is_classified`` until
someone decides who may use it. Path parameters are filled with real objects of side A (Dresden) and side B
(Freiberg) — two citizens, two organisations, two authorities (``authz_world``). Each role requests each URL:

- a role the rule does not admit gets a refusal (302 to a login, 401, 403, 404 or 405) and nothing else;
- a role the rule admits gets an answer (below 400; 405 for POST-only views on GET);
- no answer, admitted or not, contains the Vorgangsnummer, name or IBAN of a side the role may not see, nor
  the name of a foreign organisation;
- POSTs of every role that is not admitted change nothing (``world_fingerprint`` before and after).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from amtsweg.web.tests.authz_world import (
    API_ROLES,
    CASE_SIDES,
    ORG_SIDES,
    SESSION_ROLES,
    STAFF_ROLES,
    World,
    world_build,
    world_fingerprint,
)

# --- Rules: who is admitted -------------------------------------------------------------------------------

PUBLIC = "public"  # everyone, nothing personal
ANY = "any"  # a step of a login flow whose answer depends on session state: only "no foreign data, no 5xx"
SIGNED_IN = "signed_in"  # any account, its own data only
APPLICANT = "applicant"  # the citizen whose Vorgang it is
ORG_MEMBER = "org_member"  # a member of the organisation (our org users are its Inhaber)
ORG_OWNER = "org_owner"
CASE_READER = "case_reader"  # the applicant, or staff working the case's authority
STAFF_ANY = "staff_any"  # staff with at least one authority (or Koordination)
STAFF_CASE = "staff_case"  # staff working the case's authority (Sachbearbeitung, Kommunal-Admin, Koordination)
API_CLIENT = "api_client"  # the API client of the case's authority
API_ANY = "api_any"  # any API client with the scope
VIEW_OWNER = "view_owner"  # the case worker who saved the inbox view
KOMMUNAL_ADMIN = "kommunal_admin"  # Kommunal-Admin of the object's authority (no object: of any authority)
KOMMUNE_MEMBER = "kommune_member"  # staff member (either role) of the object's Kommune; not the Koordination
INVITED = "invited"  # staff of a Kommune invited to the object's Werkstatt, or the Koordination
COORDINATOR = "coordinator"  # the zentrale Koordination only
NOBODY = "nobody"  # a capability (token in the URL) filled with an unknown token, or an operator token


def _staff_of(role: str, side: str | None) -> bool:
    return role == "koordination" or (side is not None and role in (f"sb_{side}", f"ka_{side}"))


def admitted(rule: str, role: str, side: str | None) -> bool:
    return {
        PUBLIC: True,
        ANY: True,
        SIGNED_IN: role not in ("anonymous", *API_ROLES),
        APPLICANT: role == f"citizen_{side}",
        ORG_MEMBER: role == f"org_{side}",
        ORG_OWNER: role == f"org_{side}",
        CASE_READER: role == f"citizen_{side}" or _staff_of(role, side),
        STAFF_ANY: role in STAFF_ROLES,
        STAFF_CASE: _staff_of(role, side),
        API_CLIENT: role == f"api_{side}",
        API_ANY: role in API_ROLES,
        VIEW_OWNER: role == f"sb_{side}",
        KOMMUNAL_ADMIN: role == f"ka_{side}" if side is not None else role.startswith("ka_"),
        KOMMUNE_MEMBER: side is not None and role in (f"sb_{side}", f"ka_{side}"),
        INVITED: _staff_of(role, side),
        COORDINATOR: role == "koordination",
        NOBODY: False,
    }[rule]


@dataclass
class Url:
    rule: str
    #: Data for a POST as every role that is not admitted (None: the view takes no POST worth trying).
    post: dict | None = None
    #: The view answers only POST (GET: 405 for everyone).
    post_only: bool = False
    #: The walk's objects are not what the admitted role would find (e.g. an API client sees only the
    #: messages it posted itself): only refusals are checked.
    admitted_may_miss: bool = False
    json: bool = False
    query: str = ""
    params: dict = field(default_factory=dict)


NACHFORDERUNG = {"text": "Bitte Nachweis einreichen.", "documents": "Nachweis", "due_date": "2030-01-31"}

URLS: dict[str, Url] = {
    # API
    "api-schema": Url(PUBLIC),
    "api-docs": Url(PUBLIC),
    "hub-api:antraege": Url(API_ANY, post={}, json=True, post_only=True),
    "hub-api:antrag": Url(API_CLIENT, admitted_may_miss=True),
    "hub-api:status": Url(API_CLIENT, post={"status": "in_bearbeitung"}, json=True),
    "hub-api:nachforderungen": Url(API_CLIENT, post={"text": "Bitte Nachweis einreichen."}, json=True, post_only=True),
    "hub-api:bescheide": Url(API_CLIENT, post={"text": "Bescheid"}, json=True, post_only=True),
    "directory-api:facts": Url(PUBLIC),
    "finder-api:leistungen": Url(PUBLIC, query="q=Hundesteuer"),
    "finder-api:leistung": Url(PUBLIC),
    "finder-api:orte": Url(PUBLIC, query="q=Dresden"),
    "finder-api:zustaendigkeit": Url(PUBLIC, query="leistung=99102013000000&ags=14612000"),
    "api-not-found": Url(NOBODY),
    # Antragsassistent: start is public; a draft is reached only with its secret token (here: unknown)
    "assistant:start": Url(PUBLIC, admitted_may_miss=True),  # the test assistant is not live here
    "assistant:resume": Url(NOBODY),
    "assistant:draft": Url(NOBODY),
    "assistant:review": Url(NOBODY, post={}),
    "assistant:stop": Url(NOBODY),
    "assistant:save": Url(NOBODY, post={"email": "x@example.org"}),
    "assistant:upload": Url(NOBODY),
    "assistant:step": Url(NOBODY, post={"vorname": "X"}),
    # Meine Anträge / Postfach
    "postfach:list": Url(SIGNED_IN),
    "postfach:attach": Url(SIGNED_IN),
    "postfach:detail": Url(APPLICANT, post={"text": "Antwort eines Fremden"}),
    "postfach:event_file": Url(APPLICANT),
    # Servicekonto, Organisationskonto
    "accounts:home": Url(SIGNED_IN),
    "accounts:profile": Url(SIGNED_IN),
    "accounts:organisation_create": Url(SIGNED_IN),
    "accounts:organisation": Url(ORG_MEMBER, post={"email": "fremd@example.org", "role": "inhaber"}),
    "accounts:member_role": Url(ORG_OWNER, post={"role": "inhaber"}, post_only=True),
    "accounts:member_remove": Url(ORG_OWNER, post={}, post_only=True),
    "accounts:invitation": Url(ANY, post={}),  # unknown token: a page saying so, to anyone
    "accounts:step_up": Url(PUBLIC),  # explains the levels and offers the providers
    "accounts:data_export": Url(SIGNED_IN),
    "accounts:delete": Url(SIGNED_IN),
    # allauth: login flows and the signed-in user's own settings
    "account_login": Url(PUBLIC),
    "account_logout": Url(PUBLIC),
    "account_inactive": Url(PUBLIC),
    "account_signup": Url(PUBLIC),
    "account_reauthenticate": Url(ANY),
    "account_request_reauthentication_code": Url(ANY),
    "account_confirm_reauthentication_code": Url(ANY),
    "account_email": Url(SIGNED_IN),
    "account_email_verification_sent": Url(PUBLIC),
    "account_change_password": Url(ANY),
    "account_set_password": Url(ANY),
    "account_reset_password": Url(PUBLIC),
    "account_confirm_login_code": Url(ANY),
    "account_confirm_email": Url(ANY),
    "account_reset_password_from_key_done": Url(PUBLIC),
    "account_reset_password_from_key": Url(ANY),
    "account_reset_password_done": Url(PUBLIC),
    "mfa_index": Url(SIGNED_IN),
    "mfa_authenticate": Url(ANY),
    "mfa_reauthenticate": Url(ANY),
    "mfa_activate_totp": Url(ANY),
    "mfa_deactivate_totp": Url(ANY),
    "mfa_view_recovery_codes": Url(ANY),
    "mfa_generate_recovery_codes": Url(ANY),
    "mfa_download_recovery_codes": Url(ANY),
    "mfa_list_webauthn": Url(ANY),
    "mfa_add_webauthn": Url(ANY),
    "mfa_reauthenticate_webauthn": Url(ANY),
    "mfa_remove_webauthn": Url(ANY, post={}),
    "mfa_edit_webauthn": Url(ANY, post={"name": "fremd"}),
    "mfa_login_webauthn": Url(ANY),
    "socialaccount_login_cancelled": Url(PUBLIC),
    "socialaccount_login_error": Url(ANY),  # allauth answers 401 by design
    "socialaccount_signup": Url(ANY),
    "socialaccount_connections": Url(ANY),
    "socialaccount_legacy_redirect": Url(ANY),
    "openid_connect_login": Url(ANY),
    "openid_connect_callback": Url(ANY),
    # Sachbearbeitung
    "inbox:list": Url(STAFF_ANY),
    "inbox:view_save": Url(STAFF_ANY, post={"name": "Fremde Ansicht", "query": "status=eingegangen"}, post_only=True),
    "inbox:view_delete": Url(VIEW_OWNER, post={}, post_only=True),
    "inbox:case": Url(STAFF_CASE),
    "inbox:claim": Url(STAFF_CASE, post={}, post_only=True),
    "inbox:assign": Url(STAFF_CASE, post={"assignee": ""}, post_only=True),
    "inbox:nachforderung": Url(STAFF_CASE, post=NACHFORDERUNG, post_only=True),
    "inbox:resume": Url(STAFF_CASE, post={}, post_only=True),
    "inbox:bescheid": Url(STAFF_CASE, post={"text": "Fremder Bescheid"}),
    "inbox:close": Url(STAFF_CASE, post={}, post_only=True),
    "inbox:export": Url(STAFF_CASE, post={}, post_only=True),
    "inbox:receipt": Url(STAFF_CASE),
    "inbox:attachment": Url(STAFF_CASE),
    "inbox:event_file": Url(STAFF_CASE),
    # Operations, legal pages, the citizen's confirmation after submitting, the finder
    "health-live": Url(PUBLIC),
    "health-ready": Url(PUBLIC),
    "metrics": Url(NOBODY),
    "impressum": Url(PUBLIC),
    "datenschutz": Url(PUBLIC),
    "barrierefreiheit": Url(PUBLIC),
    "submissions:confirmation": Url(CASE_READER),
    "submissions:status": Url(CASE_READER),
    "submissions:forwarding": Url(CASE_READER),
    "submissions:receipt": Url(CASE_READER),
    "finder:start": Url(PUBLIC),
    "finder:search": Url(PUBLIC),
    "finder:place-suggest": Url(PUBLIC),
    "finder:leistung": Url(PUBLIC),
    "finder:themen": Url(PUBLIC),
    "finder:lebenslage": Url(PUBLIC),
    "set_language": Url(PUBLIC),  # Django's set_language: a cookie and back (GET: back only)
    # Citizen pages: the account's own drafts, Nachreichung, withdrawal, the documents of a Nachreichung
    "assistant:account_draft_resume": Url(APPLICANT),
    "assistant:account_draft_delete": Url(APPLICANT, post={}),
    "assistant:reopen": Url(APPLICANT, post={}),
    "assistant:reopen_file": Url(APPLICANT, admitted_may_miss=True),  # no upload in the reopened step yet
    "postfach:withdraw": Url(APPLICANT, post={"reason": "Fremder Rückzug", "confirm": "on"}),
    "postfach:document_file": Url(APPLICANT),
    "inbox:document": Url(STAFF_CASE),
    # Konfigurationsportal: the Kommunal-Admin configures the own authority only (Koordination: the admin)
    "konfig:catalogue": Url(KOMMUNAL_ADMIN),
    "konfig:activate": Url(KOMMUNAL_ADMIN, post={}, post_only=True),
    "konfig:handover_offer": Url(KOMMUNAL_ADMIN, post={}),
    "konfig:handover_decide": Url(KOMMUNAL_ADMIN, post={"aktion": "beenden"}, post_only=True),
    "konfig:setup": Url(KOMMUNAL_ADMIN),
    "konfig:details": Url(KOMMUNAL_ADMIN, post={}),
    "konfig:preview": Url(KOMMUNAL_ADMIN),
    "konfig:route": Url(KOMMUNAL_ADMIN, post={"target": "postfach"}),
    "konfig:test": Url(KOMMUNAL_ADMIN, post={}, post_only=True),
    "konfig:golive": Url(KOMMUNAL_ADMIN, post={}, post_only=True),
    "konfig:deactivate": Url(KOMMUNAL_ADMIN, post={}, post_only=True),
    # Projektlandkarte (public), Beteiligung (staff of a Kommune; Koordination moderates)
    "projekte:tabelle": Url(PUBLIC),
    "projekte:export": Url(PUBLIC),
    "projekte:landkarte": Url(PUBLIC),
    "projekte:detail": Url(PUBLIC),
    "projekte-api:projekte": Url(PUBLIC),
    "projekte-api:ranking": Url(PUBLIC),
    "beteiligung:start": Url(STAFF_ANY),
    "beteiligung:ranking": Url(STAFF_ANY),
    "beteiligung:leistung": Url(STAFF_ANY),
    "beteiligung:bewerten": Url(STAFF_ANY, post={"stufe": "1"}, post_only=True),
    "beteiligung:mitwirken": Url(STAFF_ANY, post={}, post_only=True),
    "beteiligung:nutzung": Url(STAFF_ANY, post={}, post_only=True),
    "beteiligung:kommentieren": Url(STAFF_ANY, post={"text": "Fremder Kommentar"}, post_only=True),
    "beteiligung:folgen": Url(STAFF_ANY, post={"folgen": "1"}, post_only=True),
    "beteiligung:projekt_folgen": Url(STAFF_ANY, post={"folgen": "1"}, post_only=True),
    "beteiligung:dokument": Url(INVITED),
    "beteiligung:einladung": Url(KOMMUNE_MEMBER, post={"antwort": "abgesagt"}, post_only=True),
    "beteiligung:projekt_neu": Url(COORDINATOR, post={"title": "Fremdes Projekt"}, post_only=True),
    "beteiligung:projekt": Url(COORDINATOR),
    "beteiligung:projekt_phase": Url(COORDINATOR, post={"phase": "p1", "status": "abgeschlossen"}, post_only=True),
    "beteiligung:werkstatt_neu": Url(COORDINATOR, post={"number": "2", "date": "2030-01-01"}, post_only=True),
    "beteiligung:werkstatt_einladen": Url(COORDINATOR, post={}, post_only=True),
    "beteiligung:dokument_hochladen": Url(COORDINATOR, post={"art": "protokoll"}, post_only=True),
    "beteiligung:teilnahme": Url(COORDINATOR, post={"teilgenommen": "1"}, post_only=True),
    "beteiligung:moderation": Url(COORDINATOR),
    "beteiligung:moderieren": Url(COORDINATOR, post={"freigeben": "1"}, post_only=True),
    # Roll-out monitor: public; publishing the Kurzstatus speaks for the platform (Koordination)
    "rollout:monitor": Url(PUBLIC),
    "rollout:table-csv": Url(PUBLIC),
    "rollout:table-json": Url(PUBLIC),
    "rollout:adoption-csv": Url(PUBLIC),
    "rollout:leistung": Url(PUBLIC),
    "rollout:reifegrad-csv": Url(PUBLIC),
    "rollout:kurzstatus": Url(PUBLIC),
    "rollout:kurzstatus-pdf": Url(PUBLIC),
    "rollout:kurzstatus-csv": Url(PUBLIC),
    "rollout:kurzstatus-publish": Url(COORDINATOR, post={"stichtag": "2026-01-01"}, post_only=True),
    "rollout:publication": Url(PUBLIC),
    "rollout-api:coverage": Url(PUBLIC, query="leika=99102013000000"),
    "rollout-api:coverage-list": Url(PUBLIC),
    "rollout-api:reifegrad": Url(PUBLIC, query="leika=99102013000000"),
}

# Patterns without a name get one here, by their route.
UNNAMED = {
    "^api/": "api-not-found",
    "konto/social/login/cancelled/": "socialaccount_legacy_redirect",
    "konto/social/login/error/": "socialaccount_legacy_redirect",
    "konto/social/signup/": "socialaccount_legacy_redirect",
    "konto/social/connections/": "socialaccount_legacy_redirect",
}

# --- The admin --------------------------------------------------------------------------------------------

SCOPED = "scoped"  # rows of one authority: staff of that authority (Koordination: all)
SHARED = "shared"  # reference data of all authorities: staff may view, only Koordination changes
KOORDINATION = "koordination"  # personal data of all users or platform operations: Koordination only

ADMIN_MODELS = {
    "account.emailaddress": KOORDINATION,
    "accounts.invitation": KOORDINATION,
    "accounts.organisation": KOORDINATION,
    "accounts.profile": KOORDINATION,
    "apiclients.apiclient": SCOPED,
    "assistant.activation": SCOPED,
    "audit.auditentry": KOORDINATION,
    "auth.group": KOORDINATION,
    "auth.user": KOORDINATION,
    "axes.accessattempt": KOORDINATION,
    "axes.accessfailurelog": KOORDINATION,
    "axes.accesslog": KOORDINATION,
    "cases.bescheidvorlage": SHARED,
    "cases.caseevent": SCOPED,
    "cases.vorgang": SCOPED,
    "catalog.lebenslage": SHARED,
    "catalog.leistung": SHARED,
    "catalog.ozgleistung": SHARED,
    "catalog.themenfeld": SHARED,
    "core.workerprocess": KOORDINATION,
    "directory.authority": SHARED,
    "directory.authoritymembership": SCOPED,
    "directory.postalcode": SHARED,
    "directory.registerimport": SHARED,
    "directory.territory": SHARED,
    "django_tasks_database.dbtaskresult": KOORDINATION,
    "forms.codelist": SHARED,
    "forms.formdefinition": SHARED,
    "forms.formversion": SHARED,
    "forms.overlay": SCOPED,
    "hub.delivery": SCOPED,
    "hub.integrationrule": SHARED,
    "hub.message": SCOPED,
    "hub.product": SHARED,
    "hub.routing": SCOPED,
    "hub.targetsystem": SCOPED,
    "inbox.nachforderungvorlage": SCOPED,
    "jurisdiction.override": SHARED,
    # The Konfigurationsportal's records: per authority, but in the admin read-only for the Koordination
    # (Kommunal-Admins see their own in the portal).
    "konfig.handover": KOORDINATION,
    "konfig.konfigchange": KOORDINATION,
    "konfig.routetest": KOORDINATION,
    "konfig.servicesetup": KOORDINATION,
    "mfa.authenticator": KOORDINATION,
    "pages.page": KOORDINATION,
    "projekte.fussnote": KOORDINATION,
    "projekte.kommentar": KOORDINATION,
    "projekte.landkarteeintrag": KOORDINATION,
    "projekte.leistungspaket": KOORDINATION,
    "projekte.produktplaneintrag": KOORDINATION,
    "projekte.projekt": KOORDINATION,
    "rollout.adoptionrecord": KOORDINATION,
    "rollout.kurzstatuspublication": KOORDINATION,
    "rollout.plannedservice": KOORDINATION,
    "rollout.reifegraddeclaration": KOORDINATION,
    "rollout.reportlabel": KOORDINATION,
    "socialaccount.socialaccount": KOORDINATION,
    "socialaccount.socialapp": KOORDINATION,
    "socialaccount.socialtoken": KOORDINATION,
    "submissions.submission": SCOPED,
}

# The admin site's own pages: every staff user may open them; nobody else (302 to the admin login).
ADMIN_SITE = {
    "admin:index",
    "admin:login",
    "admin:logout",
    "admin:password_change",
    "admin:password_change_done",
    "admin:autocomplete",
    "admin:jsi18n",
    "admin:view_on_site",
    "admin:app_list",
    "admin-catch-all",
}


# --- Enumerating the resolver -----------------------------------------------------------------------------


@dataclass
class Pattern:
    route: str
    name: str
    params: list[str]


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = ":".join(part for part in (namespace, entry.namespace) if part) or None
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            params = list(entry.pattern.regex.groupindex)
            yield Pattern(route=route, name=name, params=params)


def all_patterns() -> list[Pattern]:
    return list(_walk(get_resolver().url_patterns))


def _admin_model_of(pattern: Pattern) -> str | None:
    """``app_label.model`` of an admin URL of a registered model (by its route ``admin/<app>/<model>/``)."""
    match = re.match(r"admin/([a-z_]+)/([a-z0-9_]+)/", pattern.route)
    if match is None:
        return None
    label = f"{match.group(1)}.{match.group(2)}"
    registered = {m._meta.label_lower for m in admin.site._registry}
    return label if label in registered else None


def _admin_site_name(pattern: Pattern) -> str:
    return pattern.name or "admin-catch-all"


def test_every_url_is_classified():
    """A new URL (or admin model) without a decision in the tables above fails here."""
    unclassified = []
    for pattern in all_patterns():
        if pattern.route.startswith("admin/"):
            if _admin_model_of(pattern) is not None:
                continue
            if _admin_site_name(pattern) not in ADMIN_SITE:
                unclassified.append(f"{pattern.route} ({pattern.name})")
            continue
        name = pattern.name or UNNAMED.get(pattern.route)
        if name not in URLS:
            unclassified.append(f"{pattern.route} ({pattern.name})")
    registered = {m._meta.label_lower for m in admin.site._registry}
    unclassified += [f"admin model {label}" for label in sorted(registered - set(ADMIN_MODELS))]
    assert not unclassified, "Ohne Regel in test_authz_walk (wer darf das?): " + ", ".join(unclassified)
    # And no stale rows: every row names something that exists.
    names = {p.name or UNNAMED.get(p.route) for p in all_patterns()}
    assert set(URLS) <= names, set(URLS) - names
    assert set(ADMIN_MODELS) <= registered, set(ADMIN_MODELS) - registered


# --- Filling parameters -----------------------------------------------------------------------------------

SIDE_PARAMS = {"number", "vorgangsnummer", "event_id", "position", "message_id", "pk", "member_pk"}
FAKE_TOKEN = "A" * 43

# ``pk`` of these URLs: the side's object of this model (authz_world), or the shared one.
PK_OBJECTS = {
    "assistant:account_draft_resume": "assistant.draft",
    "assistant:account_draft_delete": "assistant.draft",
    "konfig:handover_decide": "konfig.handover",
    **{
        f"konfig:{name}": "konfig.servicesetup"
        for name in ("setup", "details", "preview", "route", "test", "golive", "deactivate")
    },
    **dict.fromkeys(
        (
            "projekte:detail",
            "beteiligung:projekt_folgen",
            "beteiligung:projekt",
            "beteiligung:projekt_phase",
            "beteiligung:werkstatt_neu",
        ),
        "projekte.projekt",
    ),
    "beteiligung:werkstatt_einladen": "projekte.werkstatt",
    "beteiligung:dokument_hochladen": "projekte.werkstatt",
    "beteiligung:dokument": "projekte.ergebnisdokument",
    "beteiligung:einladung": "projekte.einladung",
    "beteiligung:teilnahme": "projekte.einladung",
    "beteiligung:moderieren": "projekte.kommentar",
}
# URLs of the files of a Nachreichung (the others with ``event_id`` take the Bescheid).
DOCUMENT_URLS = {"postfach:document_file", "inbox:document"}


def _kwargs(pattern: Pattern, world: World, side_key: str | None) -> dict:
    side = world.side(side_key) if side_key else None
    values: dict = {}
    for param in pattern.params:
        if param in ("number", "vorgangsnummer"):
            values[param] = side.vorgang.number
        elif param == "event_id" and pattern.name in DOCUMENT_URLS:
            values[param] = side.nachreichung.pk
        elif param == "event_id":
            values[param] = side.bescheid.pk
        elif param == "position":
            values[param] = 1
        elif param == "message_id":
            values[param] = str(side.message.pk)
        elif param == "pk" and pattern.name.startswith("accounts:"):
            values[param] = side.organisation.pk
        elif param == "pk" and pattern.name.startswith("inbox:"):
            values[param] = side.objects["inbox.savedview"].pk
        elif param == "pk" and pattern.name in PK_OBJECTS:
            values[param] = side.objects[PK_OBJECTS[pattern.name]].pk
        elif param == "pk" and pattern.name.startswith("beteiligung:"):
            values[param] = world.leistung.pk  # the Leistung pages of the Beteiligung (shared catalogue)
        elif param == "pk" and pattern.name == "rollout:publication":
            values[param] = world.shared["rollout.kurzstatuspublication"].pk
        elif param == "fmt":
            values[param] = "csv"
        elif param == "definition_id":
            values[param] = world.version.definition.pk
        elif param == "leika":
            values[param] = world.leistung.leika_key
        elif param == "member_pk":
            values[param] = side.org_clerk_membership.pk
        elif param == "pk":
            values[param] = 999999
        elif param == "token":
            values[param] = FAKE_TOKEN
        elif param == "key" and pattern.name.startswith("assistant:"):
            values[param] = world.version.definition.key
        elif param == "ags":
            values[param] = "14612000"
        elif param == "ref":
            values[param] = "x1"
        elif param == "step":
            values[param] = "angaben"
        elif param == "slug":
            values[param] = world.leistung.slug
        elif param in ("themenfeld_slug", "lebenslage_slug"):
            values.update(_lebenslage_slugs())
        elif param == "provider_id":
            values[param] = "unbekannt"
        elif param == "uidb36":
            values[param] = "1"
        elif param == "key":
            values[param] = "unbekannt-0000"
        else:
            raise AssertionError(f"Kein Wert für den Parameter {param!r} von {pattern.route}")
    return values


def _lebenslage_slugs() -> dict:
    from amtsweg.catalog.models import Lebenslage

    lebenslage = Lebenslage.objects.select_related("themenfeld").order_by("pk").first()
    return {"themenfeld_slug": lebenslage.themenfeld.slug, "lebenslage_slug": lebenslage.slug}


def _path(pattern: Pattern, kwargs: dict) -> str:
    if pattern.name and pattern.name not in UNNAMED.values():
        with contextlib.suppress(NoReverseMatch):  # regex routes of allauth: built from the route below
            return reverse(pattern.name, kwargs=kwargs)
    path = pattern.route
    for key, value in kwargs.items():
        path = re.sub(rf"<(?:\w+:)?{key}>|\(\?P<{key}>[^)]*\)", str(value), path)
    path = path.replace("^", "").replace("$", "")
    if pattern.route == "^api/":
        path = "api/unbekannt/"
    return "/" + path


# --- Requests ---------------------------------------------------------------------------------------------


# Not loopback: the metrics answer loopback without a token (ops.metrics); the walk comes from outside.
OUTSIDE_ADDRESS = "203.0.113.7"


def _client(world: World, role: str) -> Client:
    client = Client(REMOTE_ADDR=OUTSIDE_ADDRESS)
    if role in API_ROLES:
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {world.api_tokens[role]}"
    elif role != "anonymous":
        client.force_login(world.users[role])
    return client


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode("utf-8", errors="replace")


def _foreign_markers(world: World, role: str) -> list[str]:
    markers = []
    for key, side in world.sides.items():
        if key not in CASE_SIDES.get(role, set()):
            markers += side.markers()
        if key not in ORG_SIDES.get(role, set()):
            markers += side.org_markers()
    return markers


def _assert_no_foreign_data(world: World, role: str, path: str, response) -> None:
    body = _body(response)
    leaked = [marker for marker in _foreign_markers(world, role) if marker in body]
    assert not leaked, f"{role} sieht auf {path} fremde Daten: {leaked}"


REFUSALS = {301, 302, 303, 401, 403, 404, 405}


def _assert_refused(role: str, path: str, response) -> None:
    assert response.status_code in REFUSALS, f"{role} darf {path} nicht öffnen, bekam {response.status_code}"
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        assert "login" in location or "/admin/" in location, f"{role} auf {path}: Umleitung nach {location}"


def _sides_for(pattern: Pattern) -> list[str | None]:
    return ["a", "b"] if set(pattern.params) & SIDE_PARAMS else [None]


def _roles_for(pattern: Pattern) -> tuple[str, ...]:
    return SESSION_ROLES + API_ROLES if pattern.route.startswith("api/") else SESSION_ROLES


@pytest.fixture
def world(db, version, leistung, dresden, freiberg, settings):
    settings.AMTSWEG_STAFF_MFA_REQUIRED = False  # MFA has its own tests; here: the roles behind it
    return world_build(version=version, leistung=leistung, gemeinden={"a": dresden, "b": freiberg})


def _check(failures: list, check, *args) -> None:
    """Run one assertion and collect its failure, so one run of the walk reports every finding."""
    try:
        check(*args)
    except AssertionError as error:
        failures.append(str(error).splitlines()[0])


def _assert_admitted(role: str, path: str, response, url: Url) -> None:
    if url.post_only:
        assert response.status_code == 405, f"{role} GET {path}: {response.status_code} statt 405"
    elif not url.admitted_may_miss:
        assert response.status_code < 400, f"{role} darf {path} öffnen, bekam {response.status_code}"


def _ours_and_private(role: str, response, url: Url) -> bool:
    """A page of ours (not allauth's e-mail or second-factor pages) that only some may see, shown to one."""
    if url.rule == PUBLIC or response.status_code != 200 or role in API_ROLES:
        return False
    view = response.resolver_match.func
    return getattr(view, "view_class", view).__module__.startswith("amtsweg.")


def _assert_not_cached(role: str, path: str, response) -> None:
    """Kept out of every cache: Django's never_cache headers, or web.downloads.private_file for files."""
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= directives, f"{role} GET {path}: Cache-Control {response.get('Cache-Control')!r}"


def test_every_public_url_as_every_role(world):
    clients = {role: _client(world, role) for role in SESSION_ROLES + API_ROLES}
    failures: list[str] = []
    checked = private = 0
    for pattern in all_patterns():
        if pattern.route.startswith("admin/"):
            continue
        name = pattern.name or UNNAMED[pattern.route]
        url = URLS[name]
        for side in _sides_for(pattern):
            path = _path(pattern, _kwargs(pattern, world, side))
            if url.query:
                path = f"{path}?{url.query}"
            for role in _roles_for(pattern):
                response = clients[role].get(path)
                if response.status_code >= 500:
                    failures.append(f"{role} GET {path}: {response.status_code}")
                    continue
                _check(failures, _assert_no_foreign_data, world, role, path, response)
                checked += 1
                if url.rule == ANY:
                    continue
                if admitted(url.rule, role, side):
                    _check(failures, _assert_admitted, role, path, response, url)
                    if _ours_and_private(role, response, url):
                        private += 1
                        _check(failures, _assert_not_cached, role, path, response)
                else:
                    _check(failures, _assert_refused, role, path, response)
    assert not failures, "\n".join(failures)
    assert checked > 500
    assert private > 100, private


def test_no_foreign_post_changes_anything(world):
    clients = {role: _client(world, role) for role in SESSION_ROLES + API_ROLES}
    before = world_fingerprint(world)
    failures: list[str] = []
    posted = 0
    for pattern in all_patterns():
        if pattern.route.startswith("admin/"):
            continue
        url = URLS[pattern.name or UNNAMED[pattern.route]]
        if url.post is None:
            continue
        for side in _sides_for(pattern):
            path = _path(pattern, _kwargs(pattern, world, side))
            for role in _roles_for(pattern):
                if url.rule != ANY and admitted(url.rule, role, side):
                    continue
                data = url.post
                if pattern.name == "inbox:assign":
                    data = {"assignee": world.users[f"sb_{side}"].pk}
                if url.json:
                    response = clients[role].post(path, data, content_type="application/json")
                else:
                    response = clients[role].post(path, data)
                if response.status_code >= 500:
                    failures.append(f"{role} POST {path}: {response.status_code}")
                    continue
                _check(failures, _assert_no_foreign_data, world, role, path, response)
                if url.rule != ANY and not (url.json and response.status_code == 400):
                    # (the API validates the body before it looks up the Vorgang: 400 reveals nothing)
                    _check(failures, _assert_refused, role, path, response)
                posted += 1
    assert not failures, "\n".join(failures)
    assert posted > 100
    assert world_fingerprint(world) == before


# --- The admin walk ---------------------------------------------------------------------------------------


def _admin_object_kwargs(pattern: Pattern, obj) -> dict | None:
    kwargs = {}
    for param in pattern.params:
        if param in ("object_id", "pk", "id"):
            if obj is None:
                return None
            kwargs[param] = str(obj.pk)
        elif param == "fmt":
            kwargs[param] = "json"
        elif param == "content_type_id":
            from django.contrib.contenttypes.models import ContentType

            if obj is None:
                return None
            kwargs[param] = str(ContentType.objects.get_for_model(obj).pk)
        elif param in ("app_label", "url"):
            kwargs[param] = "cases" if param == "app_label" else "gibt-es-nicht/"
        else:
            raise AssertionError(f"Kein Wert für {param!r} in {pattern.route}")
    return kwargs


def _shared_object(label: str):
    from django.apps import apps

    return apps.get_model(label).objects.order_by("pk").first()


def _admin_targets(world: World, pattern: Pattern, label: str | None):
    """(side, object) pairs to fill the URL with: both sides for scoped models, one object otherwise."""
    if label is None:
        return [(None, world.side("a").vorgang)]
    if not set(pattern.params) & {"object_id", "pk", "id"}:
        return [(None, None)]
    if ADMIN_MODELS[label] == SCOPED:
        return [(key, side.objects.get(label)) for key, side in world.sides.items()]
    return [(None, _shared_object(label))]


def _admin_expectation(label: str | None, pattern: Pattern, role: str, side: str | None) -> str:
    """ "refuse", "admit" or "either" (admitted to the page, but the action itself may be refused)."""
    if pattern.name in ("admin:login", "admin:logout"):
        return "either"
    if role not in STAFF_ROLES:
        return "refuse"
    if label is None:
        return "either"
    kind = ADMIN_MODELS[label]
    action = (pattern.name or "").rsplit("_", 1)[-1]
    if kind == KOORDINATION:
        return (
            "admit"
            if role == "koordination" and action in ("changelist", "change")
            else ("either" if role == "koordination" else "refuse")
        )
    if kind == SHARED:
        if role == "koordination":
            return "either"
        return "admit" if action in ("changelist", "change") else "either"
    # SCOPED
    if side is None or _staff_of(role, side):
        return "admit" if action in ("changelist", "change", "history") else "either"
    return "refuse"


def _assert_admin_login(role: str, path: str, response) -> None:
    assert response.status_code == 302 and "/admin/login/" in response["Location"], f"{role} auf {path}: kein Login"


def _assert_admin_admitted(role: str, path: str, response) -> None:
    location = response.get("Location", "")
    assert response.status_code < 400 and "/admin/login/" not in location, (
        f"{role} darf {path} öffnen, bekam {response.status_code} {location}"
    )


# Every non-staff role meets the admin login alike; two of them stand for all.
ADMIN_ROLES = ("anonymous", "citizen_a", *STAFF_ROLES)


def test_admin_walk(world):
    clients = {role: _client(world, role) for role in ADMIN_ROLES}
    failures: list[str] = []
    checked = 0
    for pattern in all_patterns():
        if not pattern.route.startswith("admin/"):
            continue
        label = _admin_model_of(pattern)
        for side, obj in _admin_targets(world, pattern, label):
            kwargs = _admin_object_kwargs(pattern, obj)
            if kwargs is None:
                continue
            path = _path(pattern, kwargs)
            for role in ADMIN_ROLES:
                response = clients[role].get(path)
                if response.status_code >= 500:
                    failures.append(f"{role} GET {path}: {response.status_code}")
                    continue
                _check(failures, _assert_no_foreign_data, world, role, path, response)
                expectation = _admin_expectation(label, pattern, role, side)
                if expectation == "refuse":
                    _check(failures, _assert_refused, role, path, response)
                    if role not in STAFF_ROLES:
                        _check(failures, _assert_admin_login, role, path, response)
                elif expectation == "admit":
                    _check(failures, _assert_admin_admitted, role, path, response)
                checked += 1
    assert not failures, "\n".join(failures)
    assert checked > 800


def test_admin_foreign_delete_and_change_change_nothing(world):
    """POSTs to delete or change a row of the other authority, and platform-wide rows, as Kommune staff."""
    from django.apps import apps

    before = world_fingerprint(world)
    for role, other in (("sb_a", "b"), ("ka_a", "b"), ("sb_b", "a")):
        client = _client(world, role)
        for label, obj in world.side(other).objects.items():
            if obj is None or ADMIN_MODELS.get(label) != SCOPED:
                continue
            app_label, model = label.split(".")
            delete = reverse(f"admin:{app_label}_{model}_delete", args=[obj.pk])
            _assert_refused(role, delete, client.post(delete, {"post": "yes"}))
            changelist = reverse(f"admin:{app_label}_{model}_changelist")
            client.post(changelist, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
        # A Sachbearbeiter may not write the configuration of their own authority either (Kommunal-Admin only).
        for label in (
            "assistant.activation",
            "apiclients.apiclient",
            "hub.targetsystem",
            "forms.overlay",
            "inbox.nachforderungvorlage",
        ):
            own = world.side(role[-1]).objects[label]
            app_label, model = label.split(".")
            delete = reverse(f"admin:{app_label}_{model}_delete", args=[own.pk])
            response = client.post(delete, {"post": "yes"})
            if role.startswith("sb_"):
                _assert_refused(role, delete, response)
        # Platform-wide rows: accounts of citizens, organisations.
        user = world.users["citizen_b"]
        response = client.post(reverse("admin:auth_user_delete", args=[user.pk]), {"post": "yes"})
        assert response.status_code == 403
        org = world.side("b").organisation
        response = client.post(reverse("admin:accounts_organisation_delete", args=[org.pk]), {"post": "yes"})
        assert response.status_code == 403
    after = world_fingerprint(world)
    # The Kommunal-Admin of A deleted A's own configuration rows — allowed; everything else is unchanged.
    for label in (
        "assistant.activation",
        "apiclients.apiclient",
        "hub.targetsystem",
        "forms.overlay",
        "hub.routing",
        "inbox.nachforderungvorlage",
    ):
        before["a"]["objects"].pop(label)
        after["a"]["objects"].pop(label)
    assert after == before
    assert apps.get_model("cases.vorgang").objects.filter(pk=world.side("b").vorgang.pk).exists()
