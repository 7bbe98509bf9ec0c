"""Prefill (once-only, issue 10 §4): the account's profile data for matching assistant fields.

Which field gets which profile value is declared in AMTSWEG_PREFILL_FIELDS (field key -> profile source);
a field is filled only if it exists outside repeat groups and has the type the value needs. Values come
in the shape the step page posts them, so the assistant normalises them like typed answers; the citizen
consents on the start page, sees them marked on the step and can change them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from amtsweg.accounts.selectors import profile_for

# Profile source -> field types it may fill.
SOURCES: dict[str, tuple[str, ...]] = {
    "given_name": ("text",),
    "family_name": ("text",),
    "birth_date": ("date",),
    "address": ("address",),
    "email": ("email",),
    # Organisationskonto (when applying "für die Organisation"; AMTSWEG_PREFILL_ORGANISATION_FIELDS).
    "organisation_name": ("text",),
    "organisation_register_court": ("text",),
    "organisation_register_number": ("text",),
    "organisation_registered": ("boolean",),
    "organisation_vat_id": ("text",),
}


def _organisation_values(organisation) -> dict[str, Any]:
    # "HRB 12345" in the account, the Gewerbeanzeige asks for the number without the register kind.
    number = organisation.register_number.strip()
    for prefix in ("HRB", "HRA", "GnR", "PR", "VR"):
        if number.upper().startswith(prefix.upper()):
            number = number[len(prefix) :].strip()
    return {
        "organisation_name": organisation.name,
        "organisation_register_court": organisation.register_court,
        "organisation_register_number": number,
        "organisation_registered": "ja" if organisation.register_number else None,
        "organisation_vat_id": organisation.vat_id,
    }


def _profile_values(user) -> dict[str, Any]:
    profile = profile_for(user=user)
    address = {
        "street": profile.street,
        "house_number": profile.house_number,
        "postal_code": profile.postal_code,
        "city": profile.city,
    }
    return {
        "given_name": profile.given_name,
        "family_name": profile.family_name,
        "birth_date": profile.birth_date.strftime("%d.%m.%Y") if profile.birth_date else None,
        "address": address if all(address.values()) else None,
        "email": user.email,
    }


def prefill_answers(*, user, form, organisation=None) -> dict[str, Any]:
    """Answers (field key -> raw value) the profile can fill in ``form``; empty for anonymous users.
    With ``organisation`` (the user applies for it; the caller checked the membership) its data too."""
    if user is None or not user.is_authenticated:
        return {}
    values = _profile_values(user)
    mapping = dict(settings.AMTSWEG_PREFILL_FIELDS)
    if organisation is not None:
        values.update(_organisation_values(organisation))
        mapping.update(getattr(settings, "AMTSWEG_PREFILL_ORGANISATION_FIELDS", {}))
    result: dict[str, Any] = {}
    for key, source in mapping.items():
        ref = form.fields.get(key)
        value = values.get(source)
        if ref is None or ref.repeat_group or not value or ref.field["type"] not in SOURCES.get(source, ()):
            continue
        result[key] = value
    return result


def prefill_labels(*, form, keys) -> list[str]:
    return [form.fields[k].field.get("label") or k for k in keys if k in form.fields]
