"""Reads of the case file (for the API and, later, the citizen's Postfach)."""

from __future__ import annotations

from django.db.models import QuerySet

from amtsweg.casefile.models import CaseEvent


def case_events_for(*, submission=None, vorgangsnummer: str = "") -> QuerySet[CaseEvent]:
    """Events of a Vorgang, oldest first (by submission, or by Vorgangsnummer for API-only messages)."""
    if submission is not None:
        return CaseEvent.objects.filter(submission=submission).order_by("created", "pk")
    return CaseEvent.objects.filter(vorgangsnummer=vorgangsnummer).order_by("created", "pk")


def case_status(*, submission=None, vorgangsnummer: str = "") -> CaseEvent | None:
    """The latest status event (the current status), or None if the back office reported none yet."""
    return case_events_for(submission=submission, vorgangsnummer=vorgangsnummer).filter(kind="status").last()
