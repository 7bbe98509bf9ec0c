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


def prefill_answers(*, user, form) -> dict[str, Any]:
    """Answers (field key -> raw value) the profile can fill in ``form``; empty for anonymous users."""
    if user is None or not user.is_authenticated:
        return {}
    values = _profile_values(user)
    result: dict[str, Any] = {}
    for key, source in settings.AMTSWEG_PREFILL_FIELDS.items():
        ref = form.fields.get(key)
        value = values.get(source)
        if ref is None or ref.repeat_group or not value or ref.field["type"] not in SOURCES.get(source, ()):
            continue
        result[key] = value
    return result


def prefill_labels(*, form, keys) -> list[str]:
    return [form.fields[k].field.get("label") or k for k in keys if k in form.fields]
