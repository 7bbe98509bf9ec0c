"""Demo inventory for the Konfigurationsportal: a few real product names of Saxon back offices as EXAMPLES.

Which adapter reaches which product here is an assumption for the demo (not confirmed by the vendors);
the description says so. A product without an adapter is listed but not offered as a route target.
"""

from __future__ import annotations

from amtsweg.hub.models import Product

EXAMPLE_NOTE = "Beispieleintrag der Demo; die Anbindung ist nicht vom Hersteller bestätigt."
PRODUCTS = [
    ("VOIS|MESO", "HSH Soft- und Hardware Vertriebs GmbH", Product.Kind.FACHVERFAHREN, ["http"], "Meldewesen"),
    ("AutiSta", "Verlag für Standesamtswesen", Product.Kind.FACHVERFAHREN, ["http"], "Standesamt"),
    ("OK.VORFAHRT", "AKDB", Product.Kind.FACHVERFAHREN, ["http"], "Kfz-Zulassung"),
    (
        "H&H proDoppik",
        "H&H Datenverarbeitungs- und Beratungsgesellschaft",
        Product.Kind.FACHVERFAHREN,
        ["http"],
        "Finanzwesen, Steuern und Abgaben",
    ),
    ("enaio", "OPTIMAL SYSTEMS", Product.Kind.DMS, ["xdomea"], "DMS / E-Akte"),
    ("VIS-Suite", "PDV GmbH", Product.Kind.DMS, ["xdomea", "filedrop"], "DMS / E-Akte"),
    ("Gewerbe-Fachverfahren (ohne Schnittstelle)", "", Product.Kind.FACHVERFAHREN, [], "Gewerbewesen"),
]


def konfig_demo_ensure() -> dict:
    """Create the example products once (existing entries are left as the operator edited them)."""
    created = 0
    for name, vendor, kind, adapters, area in PRODUCTS:
        _, new = Product.objects.get_or_create(
            name=name,
            defaults={
                "vendor": vendor,
                "kind": kind,
                "adapter_types": adapters,
                "description": f"{area}. {EXAMPLE_NOTE}",
            },
        )
        created += int(new)
    return {"produkte_neu": created, "produkte": Product.objects.count()}
