"""Reads of the transaction log."""

from __future__ import annotations

from django.db.models import QuerySet

from amtsweg.audit.models import AuditEntry


def audit_entries_for(*, message_id: object = None, delivery_id: object = None) -> QuerySet[AuditEntry]:
    """Entries of one message and/or delivery, oldest first."""
    entries = AuditEntry.objects.order_by("seq")
    if message_id:
        entries = entries.filter(message_id=str(message_id))
    if delivery_id:
        entries = entries.filter(delivery_id=str(delivery_id))
    return entries
