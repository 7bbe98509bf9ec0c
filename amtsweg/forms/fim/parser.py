"""XDatenfelder 1, 2 and 3 (XML) → the version-independent model in model.py.

All three versions nest Datenfeldgruppen and Datenfelder inline (struktur/enthaelt), so one reader with a few
version switches covers them: v1 has `id` directly on the element, v2/v3 an `identifikation`; v1 embeds a
`codeliste`, v2/v3 reference one (`codelisteReferenz`), v3 may embed `werte`; v2 writes Präzisierung as a
JSON-ish text, v3 as attributes.

Strictness: structure that the mapping depends on (identification, struktur/enthaelt, multiplicity, Feldart,
Datentyp, Freigabestatus) is checked strictly and reported with a line number. Unknown *metadata* elements in the
large, version-drifting element types (schema, group, field, rule) are ignored with a warning, so that a valid
document of a minor version we have not seen does not fail.
"""

from __future__ import annotations

from lxml import etree

from .errors import FimImportError, at_line
from .model import FimSchema
from .parser_helpers import (
    DATENTYP_ALIASES,
    DATENTYPEN,
    FELDARTEN,
    FREIGABESTATUS,
    KNOWN,
    MAX_DEPTH,
    MULTI,
    NAMESPACES,
    clean,
    meaningful,
    multiplicity_parse,
    praezisierung_text_parse,
)
from .parser_reader import Reader
from .safe_xml import xml_parse

__all__ = [
    "DATENTYPEN",
    "DATENTYP_ALIASES",
    "FELDARTEN",
    "FREIGABESTATUS",
    "KNOWN",
    "MAX_DEPTH",
    "MULTI",
    "NAMESPACES",
    "Reader",
    "clean",
    "fim_parse",
    "meaningful",
    "multiplicity_parse",
    "praezisierung_text_parse",
]


def fim_parse(*, xml: bytes, warnings: list[str] | None = None) -> FimSchema:
    """Parse an XDatenfelder 1/2/3 message (Stammdatenschema or Datenfeldgruppe) into the intermediate model."""
    warnings = warnings if warnings is not None else []
    root = xml_parse(xml=xml)
    qname = etree.QName(root)
    namespace, local = qname.namespace or "", qname.localname
    version = next((v for v, ns in NAMESPACES.items() if ns == namespace), None)
    if version is None and namespace.startswith("urn:xoev-de:fim:standard:xdatenfelder_3"):
        version = 3
        warnings.append(f"XDatenfelder-Namespace '{namespace}' wird wie XDatenfelder 3.0.0 gelesen.")
    if version is None:
        if "xdatenfelder" in namespace or local.startswith("xdatenfelder."):
            supported = ", ".join(NAMESPACES.values())
            raise FimImportError(
                at_line(
                    root.sourceline,
                    f"Unbekannter XDatenfelder-Namespace '{namespace}'. Unterstützt werden: {supported}.",
                ),
                line=root.sourceline,
            )
        shown = f"{{{namespace}}}{local}" if namespace else local
        raise FimImportError(
            at_line(root.sourceline, f"Keine XDatenfelder-Nachricht: Wurzelelement '{shown}' unbekannt."),
            line=root.sourceline,
        )
    reader = Reader(version=version, namespace=namespace, warnings=warnings)
    if local.startswith("xdatenfelder.stammdatenschema."):
        root_kind = "stammdatenschema"
    elif local.startswith("xdatenfelder.datenfeldgruppe."):
        root_kind = "datenfeldgruppe"
    else:
        raise FimImportError(
            at_line(
                root.sourceline,
                f"Nachrichtentyp '{local}' wird nicht unterstützt: importiert werden Stammdatenschemata "
                "(xdatenfelder.stammdatenschema.*) und Datenfeldgruppen (xdatenfelder.datenfeldgruppe.*).",
            ),
            line=root.sourceline,
        )
    candidates = [c for c in root if isinstance(c.tag, str) and reader.local(c) == root_kind]
    if not candidates:
        raise FimImportError(
            at_line(root.sourceline, f"Die Nachricht '{local}' enthält kein Element 'xdf:{root_kind}'."),
            line=root.sourceline,
        )
    if len(candidates) > 1:
        raise FimImportError(
            at_line(candidates[1].sourceline, f"Die Nachricht enthält mehr als ein Element 'xdf:{root_kind}'."),
            line=candidates[1].sourceline,
        )
    return reader.schema(candidates[0], message_type=local, root_kind=root_kind)
