"""Writes of the accounts app: profile, organisations, memberships, invitations, the session's level."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from amtsweg.accounts.models import Invitation, Membership, Organisation, Profile, Role
from amtsweg.accounts.selectors import ASSURANCE_SESSION_KEY
from amtsweg.catalog.models import AssuranceLevel
from amtsweg.web import limits

logger = logging.getLogger(__name__)

PROFILE_FIELDS = ("given_name", "family_name", "birth_date", "street", "house_number", "postal_code", "city")


class AccountsError(Exception):
    """A refused action; the message is German and shown to the user as is."""


def session_assurance_set(*, request: HttpRequest, level: str) -> None:
    if level not in AssuranceLevel.values:
        raise ValueError(f"unknown assurance level {level!r}")
    request.session[ASSURANCE_SESSION_KEY] = level


def profile_update(*, user, data: dict) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    for name in PROFILE_FIELDS:
        if name in data:
            setattr(profile, name, data[name])
    profile.save()
    return profile


@transaction.atomic
def organisation_create(*, user, name: str, register_court: str = "", register_number: str = "", vat_id: str = ""):
    """A new Organisationskonto; its creator is its first Inhaber."""
    organisation = Organisation.objects.create(
        name=name, register_court=register_court, register_number=register_number, vat_id=vat_id
    )
    Membership.objects.create(organisation=organisation, user=user, role=Role.INHABER)
    return organisation


def _require_owner(*, by, organisation: Organisation) -> None:
    if not Membership.objects.filter(organisation=organisation, user=by, role=Role.INHABER).exists():
        raise AccountsError(gettext("Nur Inhaberinnen und Inhaber der Organisation dürfen das."))


def _owners_left(organisation: Organisation, without: Membership) -> int:
    return organisation.memberships.filter(role=Role.INHABER).exclude(pk=without.pk).count()


@transaction.atomic
def membership_remove(*, by, membership: Membership) -> None:
    """An Inhaber removes a member; any member may leave (but not the last Inhaber)."""
    if membership.user_id != by.pk:
        _require_owner(by=by, organisation=membership.organisation)
    if membership.role == Role.INHABER and _owners_left(membership.organisation, membership) == 0:
        raise AccountsError(gettext("Die Organisation braucht mindestens eine Inhaberin oder einen Inhaber."))
    membership.delete()


@transaction.atomic
def membership_role_change(*, by, membership: Membership, role: str) -> Membership:
    _require_owner(by=by, organisation=membership.organisation)
    if role not in Role.values:
        raise AccountsError(gettext("Unbekannte Rolle."))
    demoted = membership.role == Role.INHABER and role != Role.INHABER
    if demoted and _owners_left(membership.organisation, membership) == 0:
        raise AccountsError(gettext("Die Organisation braucht mindestens eine Inhaberin oder einen Inhaber."))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(*, by, organisation: Organisation, email: str, role: str, base_url: str) -> Invitation:
    """Invite an address; the mail with the link leaves once the invitation is committed."""
    _require_owner(by=by, organisation=organisation)
    email = email.strip()
    if role not in Role.values:
        raise AccountsError(gettext("Unbekannte Rolle."))
    if organisation.memberships.filter(user__email__iexact=email).exists():
        raise AccountsError(gettext("Diese Person ist bereits Mitglied der Organisation."))
    refused = limits.limits_take(
        (limits.MAILS_PER_ADDRESS, limits.address_key(email)), (limits.MAILS_GLOBAL, limits.GLOBAL_KEY)
    )
    if refused is not None:
        raise AccountsError(gettext("Gerade wurden zu viele E-Mails verschickt. Bitte versuchen Sie es später erneut."))
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=token_hash(token),
        invited_by=by,
        expires_at=timezone.now() + timedelta(days=settings.AMTSWEG_INVITATION_DAYS),
    )
    link = base_url.rstrip("/") + reverse("accounts:invitation", kwargs={"token": token})
    context = {"organisation": organisation, "link": link, "expires_at": invitation.expires_at}
    # The invitee's language is unknown: the mail speaks the inviting owner's language (docs/i18n.md).
    language = translation.get_language() or settings.LANGUAGE_CODE

    def send() -> None:
        with translation.override(language):
            send_mail(
                subject=translation.gettext("Einladung in das Organisationskonto „{name}“").format(
                    name=organisation.name
                ),
                message=render_to_string("accounts/email/invitation.txt", context),
                from_email=None,
                recipient_list=[email],
            )

    transaction.on_commit(send)
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user) -> Membership:
    """Join the organisation. Only once, before expiry, and only by a user with the invited (verified) address."""
    from allauth.account.models import EmailAddress

    invitation = Invitation.objects.select_for_update().filter(token_hash=token_hash(token)).first()
    if invitation is None:
        raise AccountsError(gettext("Diese Einladung ist ungültig. Bitte prüfen Sie den Link aus der E-Mail."))
    if invitation.accepted_at is not None:
        raise AccountsError(
            gettext("Diese Einladung wurde bereits angenommen und kann nicht noch einmal verwendet werden.")
        )
    if invitation.expires_at <= timezone.now():
        raise AccountsError(gettext("Diese Einladung ist abgelaufen. Bitte lassen Sie sich erneut einladen."))
    if not EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists():
        raise AccountsError(
            gettext(
                "Diese Einladung gilt für eine andere E-Mail-Adresse. Bitte melden Sie sich mit dem Konto an, "
                "an dessen bestätigte E-Mail-Adresse die Einladung ging."
            )
        )
    membership, created = Membership.objects.get_or_create(
        organisation=invitation.organisation, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


# --- Privacy: deleting one's own account -------------------------------------------------------


def account_delete(*, user) -> int:
    """Delete ``user`` with profile, e-mail addresses, memberships, second factors and social logins.

    Organisations the user is the only member of are deleted with the account; where other Inhaber remain,
    only the membership goes. Refused (AccountsError) while the user is the last Inhaber of an organisation
    with other members. The audit entry names no person. Returns the number of organisations deleted.
    """
    from amtsweg.accounts.selectors import organisations_blocking_deletion
    from amtsweg.audit.services import audit_record

    if user.is_staff or user.is_superuser:
        # Staff accounts belong to the authority's administration (permissions, audit trail of the inbox).
        raise AccountsError(
            gettext(
                "Konten von Mitarbeitenden einer Behörde löscht die Verwaltung. Bitte wenden Sie sich an Ihre "
                "Administration."
            )
        )
    with transaction.atomic():
        blocking = organisations_blocking_deletion(user=user)
        if blocking:
            names = ", ".join(f"„{o.name}“" for o in blocking)
            raise AccountsError(
                gettext(
                    "Sie sind die einzige Inhaberin oder der einzige Inhaber von {names}. Bitte übertragen Sie die "
                    "Rolle „Inhaber/in“ zuerst an ein anderes Mitglied oder entfernen Sie die anderen Mitglieder; "
                    "danach können Sie Ihr Konto löschen."
                ).format(names=names)
            )
        alone = Organisation.objects.filter(memberships__user=user).exclude(
            pk__in=Membership.objects.exclude(user=user).values("organisation_id")
        )
        organisations = len(alone)
        alone.delete()
        user.delete()  # cascades: profile, memberships, e-mail addresses, authenticators, social accounts
        audit_record(
            event="account_deleted",
            detail={"reason": "Nutzerkonto auf eigenen Wunsch gelöscht", "count": organisations},
        )
    return organisations
