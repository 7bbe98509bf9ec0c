"""The citizen's view of a Vorgang's events: titles (German source, translated) for the status timeline and
thread; the authority's own texts stay as written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from amtsweg.cases.models import AUTHORITY_KINDS, MESSAGE_KINDS, CaseEvent, CaseStatus

TITLES: dict[str, Promise] = {
    CaseEvent.Kind.NACHFORDERUNG: _("Unterlagen nachgefordert"),
    CaseEvent.Kind.BESCHEID: _("Bescheid erlassen"),
    CaseEvent.Kind.ANTWORT: _("Ihre Antwort"),
    CaseEvent.Kind.NACHREICHUNG: _("Ihre nachgereichten Unterlagen"),
    CaseEvent.Kind.RUECKNAHME: _("Antrag zurückgezogen"),
}


@dataclass(frozen=True)
class Entry:
    event: CaseEvent
    title: str
    text: str
    due_date: date | None
    documents: list[str]
    from_authority: bool
    unread: bool
    # Files of a Nachreichung (cases.CaseDocument), in order.
    files: tuple = ()

    @property
    def created(self) -> datetime:
        return self.event.created


def _status_title(status: str | None) -> str:
    if status in CaseStatus.values:
        return gettext("Status: {status}").format(status=CaseStatus(status).label)
    return gettext("Statusmeldung")


def entry_for(event: CaseEvent, files=()) -> Entry:
    payload = event.payload or {}
    if event.kind == CaseEvent.Kind.STATUS:
        title, text = _status_title(payload.get("status")), payload.get("note") or ""
    else:
        title = str(TITLES[event.kind]) if event.kind in TITLES else event.get_kind_display()
        text = payload.get("text") or ""
    due = payload.get("due_date")
    try:
        due_date = date.fromisoformat(due) if due else None
    except (TypeError, ValueError):
        due_date = None
    documents = [str(d) for d in payload.get("documents_requested") or [] if d]
    from_authority = event.kind in AUTHORITY_KINDS
    return Entry(
        event=event,
        title=title,
        text=str(text),
        due_date=due_date,
        documents=documents,
        from_authority=from_authority,
        unread=event.kind in MESSAGE_KINDS and event.read_at is None,
        files=tuple(files),
    )


# The stages of a Vorgang as the citizen sees them (the Postfach's KERN task list), and how far each
# reported status has come: 0 received, 1 being processed, 2 decided, 3 closed.
STAGES = (_("Antrag eingegangen"), _("In Bearbeitung"), _("Bescheid erlassen"), _("Abgeschlossen"))
_REACHED: dict[str, int] = {
    CaseStatus.EINGEGANGEN: 0,
    CaseStatus.IN_BEARBEITUNG: 1,
    CaseStatus.NACHFORDERUNG: 1,
    CaseStatus.BESCHIEDEN: 2,
    CaseStatus.ABGESCHLOSSEN: 3,
}


def stages_for(*, status: str, received: datetime) -> list[dict]:
    """``[{title, state, date}]`` with state done/current/action/todo; a Nachforderung adds the
    citizen's own stage "Unterlagen nachreichen" right after "In Bearbeitung"."""
    reached = _REACHED.get(status, 0)
    stages = []
    for index, title in enumerate(STAGES):
        ongoing = index == 1 and reached == 1
        state = "current" if ongoing else "done" if index <= reached else "todo"
        stages.append({"title": title, "state": state, "date": received if index == 0 else None})
        if index == 1 and status == CaseStatus.NACHFORDERUNG:
            stages.append({"title": gettext("Unterlagen nachreichen"), "state": "action", "date": None})
    return stages
