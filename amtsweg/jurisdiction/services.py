"""Writes for Zuständigkeit overrides."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from amtsweg.catalog.models import Leistung
from amtsweg.directory.models import Authority, Territory
from amtsweg.directory.services import reference_version_bump

from .models import Override

_ALLOWED_KINDS = {Territory.Kind.GEMEINDE, Territory.Kind.GEMEINDEVERBAND, Territory.Kind.KREIS}


@transaction.atomic
def override_set(
    *, leistung: Leistung, territory: Territory, authority: Authority, reason: str, note: str = ""
) -> Override:
    """Create or replace the override for (Leistung, territory)."""
    if territory.kind not in _ALLOWED_KINDS:
        raise ValidationError("Abweichungen sind nur für Gemeinden, Gemeindeverbände oder Kreise möglich.")
    if territory.valid_until is not None:
        raise ValidationError(f"{territory.name} besteht nicht mehr; bitte die Nachfolgegemeinde wählen.")
    if reason not in Override.Reason.values:
        raise ValidationError("Unbekannter Grund für die Abweichung.")
    reference_version_bump()
    override, _ = Override.objects.update_or_create(
        leistung=leistung,
        territory=territory,
        defaults={"authority": authority, "reason": reason, "note": note},
    )
    return override


@transaction.atomic
def override_delete(*, override: Override) -> None:
    reference_version_bump()
    override.delete()
