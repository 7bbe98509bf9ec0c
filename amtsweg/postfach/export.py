"""The citizen's Vorgänge in "Meine Daten herunterladen" (``AMTSWEG_DATA_EXPORT_SECTIONS``).

Exactly what the Postfach shows the citizen (``timeline.entry_for``): no case worker, no assignee, no
API client, no audit actor, no file hashes.
"""

from __future__ import annotations

from amtsweg.cases.models import CaseEvent, Vorgang
from amtsweg.cases.selectors import case_documents_for
from amtsweg.postfach.timeline import entry_for


def vorgaenge_export(user) -> tuple[str, list[dict]]:
    """("antraege", [...]) for the Vorgänge the user applied for (organisations' ones belong to them)."""
    vorgaenge = list(
        Vorgang.objects.filter(applicant=user)
        .select_related("leistung", "authority", "organisation")
        .order_by("created")
    )
    events: dict[int, list[CaseEvent]] = {}
    for event in CaseEvent.objects.filter(vorgang__in=vorgaenge).select_related("authority").order_by("created", "pk"):
        events.setdefault(event.vorgang_id, []).append(event)
    files: dict[int, list[str]] = {}
    for vorgang in vorgaenge:
        for document in case_documents_for(vorgang=vorgang):
            files.setdefault(document.event_id, []).append(document.name)
    result = []
    for vorgang in vorgaenge:
        entries = []
        for event in events.get(vorgang.pk, []):
            entry = entry_for(event)
            entries.append(
                {
                    "art": entry.title,
                    "datum": event.created.isoformat(),
                    "von": event.authority.name if entry.from_authority else "Sie",
                    "text": entry.text,
                    "frist": entry.due_date.isoformat() if entry.due_date else None,
                    "angeforderte_unterlagen": entry.documents,
                    "dateien": files.get(event.pk, []) + ([event.file.name.rsplit("/", 1)[-1]] if event.file else []),
                    "gelesen_am": event.read_at.isoformat() if event.read_at else None,
                }
            )
        result.append(
            {
                "vorgangsnummer": vorgang.number,
                "leistung": vorgang.leistung.name if vorgang.leistung else None,
                "zustaendige_stelle": vorgang.authority.name,
                "fuer_organisation": vorgang.organisation.name if vorgang.organisation else None,
                "eingegangen_am": vorgang.created.isoformat(),
                "status": vorgang.get_status_display(),
                "verlauf": entries,
            }
        )
    return "antraege", result
