"""Reads: the session's assurance level, memberships, second factors (no writes here)."""

from __future__ import annotations

from collections.abc import Mapping

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest

from amtsweg.accounts.models import Membership, Organisation, Profile, Role
from amtsweg.catalog.models import AssuranceLevel, Leistung

# Session key of the Vertrauensniveau of the current login (set by the account adapter at login).
ASSURANCE_SESSION_KEY = "accounts_assurance_level"


# --- Vertrauensniveau ----------------------------------------------------------------------------


def assurance_from_claims(claims: Mapping, mapping: Mapping | None = None) -> str:
    """The level the identity provider vouches for, per AMTSWEG_ASSURANCE_CLAIMS; niedrig if none is mapped.

    The claims are checked in the mapping's order; the first claim that is present and mapped decides. A claim
    may hold one value or a list (acr is sometimes sent as a list).
    """
    mapping = settings.AMTSWEG_ASSURANCE_CLAIMS if mapping is None else mapping
    for claim, values in mapping.items():
        raw = claims.get(claim)
        candidates = raw if isinstance(raw, list) else [raw]
        levels = [values[c] for c in candidates if isinstance(c, str) and c in values]
        levels = [level for level in levels if level in AssuranceLevel.values]
        if levels:
            return max(levels, key=AssuranceLevel.rank)
    return AssuranceLevel.NIEDRIG


def session_assurance_level(request: HttpRequest) -> str | None:
    """Level of the current login; None when nobody is logged in."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    level = request.session.get(ASSURANCE_SESSION_KEY)
    return level if level in AssuranceLevel.values else AssuranceLevel.NIEDRIG


def assurance_required(*, leistung: Leistung | None) -> str:
    """The Leistung's level, read afresh: the assistant caches its form versions (with the Leistung) per process,
    and a raised level must apply at once, not after a restart. One primary-key query."""
    if leistung is None:
        return AssuranceLevel.NIEDRIG
    level = Leistung.objects.filter(pk=leistung.pk).values_list("required_assurance_level", flat=True).first()
    return level or AssuranceLevel.NIEDRIG


def assurance_shortfall(*, request: HttpRequest, leistung: Leistung | None) -> str | None:
    """The level the Leistung needs if the session is below it, else None.

    "niedrig" needs nothing: such assistants stay open without an account, as before.
    """
    required = assurance_required(leistung=leistung)
    if required == AssuranceLevel.NIEDRIG:
        return None
    if AssuranceLevel.rank(session_assurance_level(request)) >= AssuranceLevel.rank(required):
        return None
    return required


# --- second factor -------------------------------------------------------------------------------

SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def user_has_second_factor(user) -> bool:
    """TOTP or a security key/passkey; recovery codes alone are no factor one can log in with day to day."""
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTORS).exists()


def session_used_second_factor(request: HttpRequest) -> bool:
    """Whether this session's login (or a later re-authentication) included a second factor."""
    return any(r.get("method") == "mfa" for r in get_authentication_records(request, request.user))


# --- profile and organisations ---------------------------------------------------------------------


def profile_for(*, user) -> Profile:
    """The user's profile; an unsaved empty one if none was stored yet."""
    return Profile.objects.filter(user=user).first() or Profile(user=user)


def organisations_for(*, user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name")


def membership_get(*, user, organisation_id: int) -> Membership | None:
    """The user's membership in that organisation; None for organisations the user does not belong to."""
    return Membership.objects.filter(user=user, organisation_id=organisation_id).select_related("organisation").first()


def members_of(*, organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.select_related("user").order_by("-role", "user__email")


def invitations_open(*, organisation: Organisation):
    from django.utils import timezone

    return organisation.invitations.filter(accepted_at__isnull=True, expires_at__gt=timezone.now()).order_by(
        "-created_at"
    )


def is_owner(membership: Membership | None) -> bool:
    return membership is not None and membership.role == Role.INHABER


# --- Privacy: "Meine Daten herunterladen" --------------------------------------------------------


def account_data_export(*, user) -> dict:
    """Everything the accounts app keeps about ``user``, for the JSON download (no secrets: authenticators
    and social logins by type and provider only)."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    profile = Profile.objects.filter(user=user).first()
    profile_data = None
    if profile is not None:
        profile_data = {
            "vorname": profile.given_name,
            "familienname": profile.family_name,
            "geburtsdatum": profile.birth_date.isoformat() if profile.birth_date else None,
            "strasse": profile.street,
            "hausnummer": profile.house_number,
            "postleitzahl": profile.postal_code,
            "ort": profile.city,
            "geaendert_am": profile.updated_at.isoformat(),
        }
    return {
        "konto": {
            "benutzername": user.get_username(),
            "e_mail": user.email,
            "angelegt_am": user.date_joined.isoformat(),
            "letzte_anmeldung": user.last_login.isoformat() if user.last_login else None,
        },
        "persoenliche_angaben": profile_data,
        "e_mail_adressen": [
            {"adresse": e.email, "bestaetigt": e.verified, "hauptadresse": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        "organisationen": [
            {
                "name": m.organisation.name,
                "registergericht": m.organisation.register_court,
                "handelsregisternummer": m.organisation.register_number,
                "umsatzsteuer_id": m.organisation.vat_id,
                "rolle": m.get_role_display(),
                "mitglied_seit": m.created_at.isoformat(),
            }
            for m in organisations_for(user=user)
        ],
        "zweiter_faktor": [
            {"art": a.get_type_display(), "eingerichtet_am": a.created_at.isoformat()}
            for a in Authenticator.objects.filter(user_id=user.pk).order_by("created_at")
        ],
        "verknuepfte_anmeldungen": [
            {"anbieter": s.provider, "verknuepft_am": s.date_joined.isoformat()}
            for s in SocialAccount.objects.filter(user=user).order_by("provider")
        ],
        **_sections_above(user),
    }


def _sections_above(user) -> dict:
    """Sections contributed by apps above accounts (applications, drafts), named in the setting
    ``AMTSWEG_DATA_EXPORT_SECTIONS``: accounts must not import them (layers, ADR 0014)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    sections = {}
    for path in getattr(settings, "AMTSWEG_DATA_EXPORT_SECTIONS", []):
        key, data = import_string(path)(user)
        sections[key] = data
    return sections


def organisations_blocking_deletion(*, user) -> list[Organisation]:
    """Organisations where ``user`` is the last Inhaber while other members remain: deleting the account would
    leave them without anyone who may manage them."""
    blocking = []
    for membership in organisations_for(user=user).filter(role=Role.INHABER):
        others = Membership.objects.filter(organisation_id=membership.organisation_id).exclude(user=user)
        if others.exists() and not others.filter(role=Role.INHABER).exists():
            blocking.append(membership.organisation)
    return blocking
