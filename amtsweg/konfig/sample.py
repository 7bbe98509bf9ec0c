"""A fictitious, plausible application for a test submission: built from the Kommune's effective form
(overlay applied, switched-off fields left out), so the target sees the fields it will really get."""

from __future__ import annotations

from typing import Any

from amtsweg.common import clock
from amtsweg.forms.formats import data_xml
from amtsweg.forms.selectors import form_resolve, overlay_get
from amtsweg.konfig.models import ServiceSetup
from amtsweg.konfig.selectors import setup_leistung, setup_version

# Well-known test values: no real person, a documented test IBAN, the reserved example domain.
_BY_KEY = {"vorname": "Erika", "nachname": "Mustermann", "name": "Erika Mustermann"}
_BY_TYPE: dict[str, Any] = {
    "text": "Beispielangabe",
    "textarea": "Dies ist ein Testantrag aus dem Konfigurationsportal.",
    "email": "testantrag@example.org",
    "phone": "0351 0000000",
    "date": "2000-01-01",
    "integer": 1,
    "decimal": "1",
    "currency": "10.00",
    "boolean": False,
    "iban": "DE02120300000000202051",
}


def _value(field: dict, form, authority) -> Any:
    kind = field["type"]
    if field["key"] in _BY_KEY and kind == "text":
        return _BY_KEY[field["key"]]
    if kind in ("choice", "multichoice"):
        options = field.get("options") or form.codelists.get(field.get("codelist") or "", [])
        if not options:
            return None
        return options[0]["value"] if kind == "choice" else [options[0]["value"]]
    if kind == "address":
        return {
            "street": "Musterstraße",
            "house_number": "1",
            "postal_code": authority.postal_code or "01067",
            "city": authority.city or "Dresden",
        }
    if kind == "integer" and isinstance(field.get("min"), int):
        return field["min"]
    value = _BY_TYPE.get(kind)
    if isinstance(value, str) and field.get("max_length"):
        value = value[: field["max_length"]]
    return value


def sample_application(*, setup: ServiceSetup) -> dict:
    """``{"meta", "data", "xml"}`` for ``hub.services.routetest.route_test_send``."""
    definition, authority = setup.definition, setup.authority
    version = setup_version(setup=setup)
    leistung = setup_leistung(setup=setup)
    form = form_resolve(version=version, overlay=overlay_get(definition=definition, authority=authority))
    answers: dict[str, Any] = {}
    for step in form.steps:
        for group in step["groups"]:
            values = {
                f["key"]: _value(f, form, authority) for f in group["fields"] if f["type"] not in ("info", "file")
            }
            values = {k: v for k, v in values.items() if v is not None}
            if group.get("repeat") is not None:
                answers[group["key"]] = [values]
            else:
                answers.update(values)
    territory = authority.territory
    now = clock.now().isoformat(timespec="seconds")
    meta: dict[str, Any] = {
        "quelle": "test",
        "leika": leistung.leika_key,
        "leistung": leistung.name,
        "ags": getattr(territory, "ags", "") or "",
        "ars": getattr(territory, "ars", "") or "",
        "gemeinde": getattr(territory, "name", "") or "",
        "behoerde": authority.key,
        "behoerde_name": authority.name,
        "formular": definition.key,
        "formularversion": str(version.number),
        "eingereicht_am": now,
        "empfangen_am": now,
        "anlagen": [],
    }
    return {"meta": meta, "data": answers, "xml": data_xml(version=version, answers=answers)}
