"""The reference-data version stamp: bumped by every write to territories, authorities and overrides."""

from __future__ import annotations

import uuid

from ..models import ReferenceVersion


def reference_version_bump() -> None:
    """Give the reference data a new version token (in the caller's transaction, so it rolls back with it)."""
    token = uuid.uuid4().hex
    if not ReferenceVersion.objects.filter(pk=1).update(token=token):
        ReferenceVersion.objects.update_or_create(pk=1, defaults={"token": token})
