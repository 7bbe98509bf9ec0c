"""Demo setup of the five real application assistants (issue 3, scope item 7).

Loads and publishes the central definitions from amtsweg/forms/definitions/, applies each Kommune's
overlay from its overlays/ folder and activates every assistant for the overlay's authority plus a few
further Saxon authorities of the right level (Gemeinde services: Stadtverwaltungen; Kreis services:
Landratsämter and kreisfreie Städte). Authorities without an overlay use the central defaults, so only
those are chosen for which the defaults fit (e.g. the Unterscheidungszeichen C, DD, L).
Idempotent: unchanged files leave versions, overlays and activations as they are.
"""

from __future__ import annotations

from pathlib import Path

from amtsweg.forms.definition import definition_parse
from amtsweg.forms.services import definition_load_file, overlay_load

DEFINITIONS_DIR = Path(__file__).resolve().parents[1] / "forms" / "definitions"
OVERLAYS_DIR = DEFINITIONS_DIR / "overlays"

# definition key -> authorities (Authority.key) that offer it in the demo, besides the overlay's authority.
REAL_SERVICES: dict[str, list[str]] = {
    # Gemeinde services
    "hundesteuer": ["gem-14522080", "gem-14522140", "gem-14627140"],  # Döbeln, Flöha, Meißen
    "gewerbeanzeige": ["gem-14523320", "gem-14524330", "gem-14626110"],  # Plauen, Zwickau, Görlitz
    "bewohnerparkausweis": ["gem-14713000", "gem-14511000"],  # Leipzig, Chemnitz
    # Kreis services (Zulassungs-/Waffenbehörde): Landratsämter and kreisfreie Städte
    "wunschkennzeichen": ["gem-14612000", "gem-14713000", "gem-14511000"],  # Dresden, Leipzig, Chemnitz
    "waffenbesitzkarte": ["lra-14522", "lra-14729", "gem-14511000"],  # Mittelsachsen, Landkreis Leipzig, Chemnitz
}


def _activation_set(*, definition, authority, result: dict) -> bool:
    """Activate the assistant; True when a new activation was created.

    An authority without a valid route stays offline (activation_set refuses to go live) and is
    reported in ``result["ohne_weiterleitung"]``: the demo never accepts applications that go nowhere.
    """
    from django.core.exceptions import ValidationError

    from amtsweg.assistant.models import Activation
    from amtsweg.assistant.services import activation_set

    existed = Activation.objects.filter(definition=definition, authority=authority, live=True).exists()
    try:
        activation_set(definition=definition, authority=authority, live=True)
    except ValidationError:
        activation_set(definition=definition, authority=authority, live=False)
        result["ohne_weiterleitung"].append(f"{definition.key}@{authority.key}")
        return False
    return not existed


def demo_forms_ensure() -> dict:
    """Load, publish, overlay and activate the five real assistants. Returns counts for the dev log."""
    from amtsweg.demo.hub import hub_demo_routing_ensure
    from amtsweg.directory.models import Authority

    result = {
        "definitionen": 0,
        "anpassungen": 0,
        "freischaltungen_neu": 0,
        "fehlende_behoerden": [],
        "ohne_weiterleitung": [],
    }
    # Routes first: an activation goes live only with a valid route to a demo target.
    hub_demo_routing_ensure()
    definitions = {}
    for key in REAL_SERVICES:
        version = definition_load_file(path=DEFINITIONS_DIR / f"{key}.yaml", publish=True)
        definitions[key] = version.definition
        result["definitionen"] += 1
    for path in sorted(OVERLAYS_DIR.glob("*.yaml")):
        document = definition_parse(text=path.read_text(encoding="utf-8"), fmt="yaml")
        if document.get("definition") not in definitions:
            continue
        if not Authority.objects.filter(key=document.get("authority")).exists():
            result["fehlende_behoerden"].append(document.get("authority"))
            continue
        overlay = overlay_load(document=document)
        result["anpassungen"] += 1
        if _activation_set(definition=overlay.definition, authority=overlay.authority, result=result):
            result["freischaltungen_neu"] += 1
    for key, authority_keys in REAL_SERVICES.items():
        for authority_key in authority_keys:
            authority = Authority.objects.filter(key=authority_key).first()
            if authority is None:
                result["fehlende_behoerden"].append(authority_key)
                continue
            if _activation_set(definition=definitions[key], authority=authority, result=result):
                result["freischaltungen_neu"] += 1
    return result
