"""The citizen's open drafts in "Meine Daten herunterladen" (``AMTSWEG_DATA_EXPORT_SECTIONS``)."""

from __future__ import annotations

from amtsweg.assistant.selectors import drafts_of


def drafts_export(user) -> tuple[str, list[dict]]:
    """("begonnene_antraege", [...]): each draft with its answers as entered and the names of its files."""
    return "begonnene_antraege", [
        {
            "antrag": draft.version.definition.title,
            "gemeinde": draft.gemeinde.name,
            "fuer_organisation": draft.organisation.name if draft.organisation else None,
            "angelegt_am": draft.created.isoformat(),
            "geaendert_am": draft.updated.isoformat(),
            "loeschung_am": draft.expires_at.isoformat(),
            "angaben": draft.answers,
            "dateien": [u.name for u in draft.uploads.order_by("created")],
        }
        for draft in drafts_of(user=user)
    ]
