"""Sandboxed transformation and validation of messages by integration rules.

XSLT 1.0 (lxml) runs with ``XSLTAccessControl.DENY_ALL`` (no file read/write, no network, no
``document()``), stylesheets and input XML are parsed without DTDs, entity resolution or network,
and anything carrying a DOCTYPE is refused (``amtsweg.common.safe_xml``); a rule's XSD may include
only files from the rule depot. JSON mappings are declarative
(dotted source path → target key, constants, a few formatters), no code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
from lxml import etree

from amtsweg.common import safe_xml

MAX_XML_BYTES = safe_xml.MAX_XML_BYTES


class TransformError(Exception):
    """The rule could not be applied or its output is invalid. Never retryable: a fix of the rule
    (or the message) is needed. ``reason`` is readable and contains no personal data."""

    def __init__(self, reason: str, *, errors: list[str] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.errors = errors or [reason]


def xml_parse(data: bytes | str, *, what: str = "XML-Dokument") -> etree._ElementTree:
    """Parse untrusted XML with the platform's safe parser: no DOCTYPE/entities at all, no network, bounded size."""
    try:
        return etree.ElementTree(safe_xml.xml_parse(data, what=what))
    except safe_xml.XmlRefused as error:
        raise TransformError(str(error)) from None


@lru_cache(maxsize=64)
def xslt_compile(text: str) -> etree.XSLT:
    """Compile a stylesheet in the sandbox. Refuses DOCTYPE, xsl:include/xsl:import and document()."""
    tree = xml_parse(text, what="Das XSLT-Stylesheet")
    xsl = "http://www.w3.org/1999/XSL/Transform"
    if tree.getroot().xpath("//xsl:include | //xsl:import", namespaces={"xsl": xsl}):
        raise TransformError("Das XSLT-Stylesheet darf keine anderen Dateien einbinden (xsl:include/xsl:import).")
    expressions = " ".join(
        value for element in tree.iter() if isinstance(element.tag, str) for value in element.attrib.values()
    )
    if re.search(r"\bdocument\s*\(", expressions) or re.search(r"\bunparsed-text\s*\(", expressions):
        raise TransformError("Das XSLT-Stylesheet darf keine externen Dokumente lesen (document()).")
    try:
        return etree.XSLT(tree, access_control=etree.XSLTAccessControl.DENY_ALL)
    except etree.XSLTParseError as error:
        raise TransformError(f"Das XSLT-Stylesheet ist fehlerhaft: {error}") from None


def xslt_apply(*, stylesheet: str, document: bytes | str, params: dict[str, str]) -> bytes:
    transform = xslt_compile(stylesheet)
    source = xml_parse(document, what="Die Antragsdaten (XML)")
    try:
        result = transform(source, **{k: etree.XSLT.strparam(str(v)) for k, v in params.items()})
    except etree.XSLTApplyError as error:
        raise TransformError(f"Die XSLT-Transformation ist fehlgeschlagen: {error}") from None
    if result.getroot() is None:
        raise TransformError("Die XSLT-Transformation hat kein XML-Dokument erzeugt.")
    return etree.tostring(result, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- JSON mapping -------------------------------------------------------------------------------

_MISSING = object()


def _date_de(value):
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", str(value))
    return f"{match[3]}.{match[2]}.{match[1]}" if match else value


FORMATTERS = {
    "str": lambda v: "" if v is None else str(v),
    "int": lambda v: int(v),
    "upper": lambda v: str(v).upper(),
    "lower": lambda v: str(v).lower(),
    "date_de": _date_de,
    "ja_nein": lambda v: "ja" if v else "nein",
    "iban_grouped": lambda v: " ".join(str(v)[i : i + 4] for i in range(0, len(str(v)), 4)),
}


def _get(source: Any, path: str) -> Any:
    current = source
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def _set(target: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
        if not isinstance(target, dict):
            raise TransformError(f"Die Abbildung setzt {path!r} unterhalb eines Werts.")
    target[parts[-1]] = value


def jsonmap_validate(mapping: Any) -> list[dict]:
    """Check the mapping document's shape; returns its entries."""
    if not isinstance(mapping, dict) or not isinstance(mapping.get("fields"), list):
        raise TransformError('Die JSON-Abbildung braucht eine Liste "fields".')
    for i, entry in enumerate(mapping["fields"], start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("target"), str) or not entry["target"]:
            raise TransformError(f'Eintrag {i} der JSON-Abbildung hat kein Ziel ("target").')
        if ("source" in entry) == ("const" in entry):
            raise TransformError(f'Eintrag {i} ({entry["target"]}) braucht genau eines von "source" oder "const".')
        if entry.get("format") is not None and entry["format"] not in FORMATTERS:
            raise TransformError(
                f"Eintrag {i} ({entry['target']}): unbekanntes Format {entry['format']!r} "
                f"(erlaubt: {', '.join(sorted(FORMATTERS))})."
            )
    return mapping["fields"]


def jsonmap_apply(*, mapping_text: str, context: dict) -> bytes:
    """Apply a declarative mapping to ``context`` ({"meta": …, "data": …}).

    Entry: ``{"target": "a.b", "source": "data.x.0.y", "format": "date_de", "default": …, "required": true}``
    or ``{"target": "a.c", "const": "…"}``. Missing optional sources are left out.
    """
    try:
        mapping = json.loads(mapping_text)
    except json.JSONDecodeError as error:
        raise TransformError(
            f"Die JSON-Abbildung ist kein gültiges JSON: {error.msg} (Zeile {error.lineno})."
        ) from None
    output: dict = {}
    for entry in jsonmap_validate(mapping):
        if "const" in entry:
            _set(output, entry["target"], entry["const"])
            continue
        value = _get(context, entry["source"])
        if value is _MISSING or value is None:
            if "default" in entry:
                value = entry["default"]
            elif entry.get("required"):
                raise TransformError(f"Pflichtangabe {entry['source']!r} fehlt für {entry['target']!r}.")
            else:
                continue
        if entry.get("format"):
            try:
                value = FORMATTERS[entry["format"]](value)
            except (TypeError, ValueError):
                raise TransformError(
                    f"Wert für {entry['target']!r} passt nicht zum Format {entry['format']!r}."
                ) from None
        _set(output, entry["target"], value)
    return json.dumps(output, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


# --- validation ---------------------------------------------------------------------------------


@dataclass
class ValidationOutcome:
    valid: bool
    errors: list[str] = field(default_factory=list)


def rules_dir() -> Path:
    """The rule depot: the only folder a rule's XSD may include or import other schemas from."""
    return Path(__file__).resolve().parent / "rules"


@lru_cache(maxsize=32)
def _xsd(schema_text: str) -> etree.XMLSchema:
    try:
        return safe_xml.schema_load(root=rules_dir(), text=schema_text)
    except safe_xml.XmlRefused as error:
        raise TransformError(f"Das XML-Schema der Regel ist nicht verwendbar: {error}") from None


def output_validate(*, schema_kind: str, schema_text: str, output: bytes) -> ValidationOutcome:
    if schema_kind == "xsd":
        schema = _xsd(schema_text)
        try:
            document = xml_parse(output, what="Die Ausgabe")
        except TransformError as error:
            return ValidationOutcome(False, [error.reason])
        if schema.validate(document):
            return ValidationOutcome(True)
        # Line and message only: the values themselves may be personal data.
        return ValidationOutcome(False, [f"Zeile {e.line}: {e.message}" for e in list(schema.error_log)[:20]])
    if schema_kind == "jsonschema":
        try:
            document = json.loads(output)
        except json.JSONDecodeError as error:
            return ValidationOutcome(False, [f"Die Ausgabe ist kein gültiges JSON: {error.msg}"])
        validator = jsonschema.Draft202012Validator(json.loads(schema_text))
        errors = [
            f"{'/'.join(str(p) for p in e.absolute_path) or '(Wurzel)'}: {e.validator} verletzt"
            for e in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))[:20]
        ]
        return ValidationOutcome(not errors, errors)
    return ValidationOutcome(True)
