"""Formats derived from a form version for the integration hub: JSON Schema, XML and XSD of the answers.

See docs/forms/data-formats.md. All three are generated from the version's document alone, so a
submission made with version n can always be described and checked with version n's schemas.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from amtsweg.forms.fields import ADDRESS_PARTS, FILE_TYPES

XML_NAMESPACE = "urn:amtsweg:forms:data:1"
XSD_NAMESPACE = "http://www.w3.org/2001/XMLSchema"
ROOT_ELEMENT = "antrag"
VALUE_ELEMENT = "wert"
PATTERNS = {
    "decimal": r"^-?\d+(\.\d+)?$",
    "currency": r"^-?\d+\.\d{2}$",
    "date": r"^\d{4}-\d{2}-\d{2}$",
    "phone": r"^\+?[0-9][0-9 ()/.\-]*$",
    "iban": r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$",
    "postal_code": r"^[0-9]{5}$",
}
DEFAULT_MAX_LENGTH = {"text": 200, "textarea": 10000}
# Characters XML 1.0 cannot carry; removed from text values instead of failing the export.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _document(version) -> dict:
    return version.document if hasattr(version, "document") else version


def _number(version) -> int | str:
    return getattr(version, "number", None) or getattr(getattr(version, "version", None), "number", "") or ""


def _options(field: dict, document: dict) -> list[str]:
    options = field.get("options") or (document.get("codelists") or {}).get(field.get("codelist") or "", [])
    return [o["value"] for o in options]


def _field_schema(field: dict, document: dict) -> dict:
    kind = field["type"]
    schema: dict[str, Any]
    if kind in {"text", "textarea"}:
        schema = {"type": "string", "maxLength": field.get("max_length", DEFAULT_MAX_LENGTH[kind])}
        if "min_length" in field:
            schema["minLength"] = field["min_length"]
        if "pattern" in field:
            schema["pattern"] = field["pattern"]
    elif kind == "integer":
        schema = {"type": "integer"}
        if "min" in field:
            schema["minimum"] = field["min"]
        if "max" in field:
            schema["maximum"] = field["max"]
    elif kind in {"decimal", "currency", "phone", "iban"}:
        schema = {"type": "string", "pattern": PATTERNS[kind]}
        if kind == "phone":
            schema["maxLength"] = 30
    elif kind == "date":
        schema = {"type": "string", "format": "date", "pattern": PATTERNS["date"]}
    elif kind == "boolean":
        schema = {"type": "boolean"}
    elif kind == "choice":
        schema = {"type": "string", "enum": _options(field, document)}
    elif kind == "multichoice":
        schema = {"type": "array", "items": {"enum": _options(field, document)}, "uniqueItems": True}
        if "min" in field:
            schema["minItems"] = int(field["min"])
        if "max" in field:
            schema["maxItems"] = int(field["max"])
    elif kind == "email":
        schema = {"type": "string", "format": "email", "maxLength": 254}
    elif kind == "address":
        schema = _address_schema()
    elif kind == "file":
        schema = _file_schema(field)
    else:  # pragma: no cover - info fields have no answer and are skipped by the callers
        schema = {}
    title = field.get("label")
    return {"title": title, **schema} if title else schema


def _address_schema() -> dict:
    return {
        "type": "object",
        "properties": {
            "street": {"type": "string", "minLength": 1, "maxLength": 100},
            "house_number": {"type": "string", "maxLength": 20},
            "postal_code": {"type": "string", "pattern": PATTERNS["postal_code"]},
            "city": {"type": "string", "minLength": 1, "maxLength": 100},
        },
        "required": ["street", "postal_code", "city"],
        "additionalProperties": False,
    }


def _file_schema(field: dict) -> dict:
    return {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "size": {"type": "integer", "minimum": 1},
            "type": {"enum": (field.get("file") or {}).get("types") or sorted(FILE_TYPES)},
            "ref": {"type": "string"},
        },
        "required": ["name", "size", "type"],
        "additionalProperties": False,
    }


def _always_answered(field: dict, *containers: dict) -> bool:
    """Required in the data schema only if nothing can hide, switch off or compute it."""
    return (
        bool(field.get("required"))
        and not field.get("optional_switch")
        and "compute" not in field
        and all("when" not in c for c in (field, *containers))
    )


def _rows_schema(group: dict, document: dict) -> dict:
    """The array of a repeatable group's rows; a row holds its fields and its nested groups' arrays (ADR 0027)."""
    fields = [f for f in group["fields"] if f["type"] != "info"]
    # Inside an existing row only the field's own condition can hide it.
    row_required = [f["key"] for f in fields if _always_answered(f)]
    row_properties = {f["key"]: _field_schema(f, document) for f in fields}
    for sub in group.get("subgroups") or []:
        row_properties[sub["key"]] = _rows_schema(sub, document)
        if sub["repeat"].get("min", 0) > 0 and "when" not in sub:
            row_required.append(sub["key"])
    repeat = group["repeat"]
    array: dict[str, Any] = {
        "title": group["title"],
        "type": "array",
        "items": {
            "type": "object",
            "properties": row_properties,
            "required": row_required,
            "additionalProperties": False,
        },
    }
    if repeat.get("min"):
        array["minItems"] = repeat["min"]
    if repeat.get("max") is not None:
        array["maxItems"] = repeat["max"]
    return array


def data_json_schema(*, version) -> dict:
    """JSON Schema (draft 2020-12) of the submitted answers of ``version`` (after ``answers_finalize``).

    Types, formats, option lists, lengths, numeric bounds, repeat limits; fields that cannot be
    hidden are required. Checks that need context (dates relative to today, PLZ/Ort, IBAN checksum,
    cross-field rules) are done by the engine, not by this schema.
    """
    document = _document(version)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for step in document["steps"]:
        for group in step["groups"]:
            fields = [f for f in group["fields"] if f["type"] != "info"]
            if group.get("repeat") is None:
                for f in fields:
                    properties[f["key"]] = _field_schema(f, document)
                    if _always_answered(f, group, step):
                        required.append(f["key"])
                continue
            properties[group["key"]] = _rows_schema(group, document)
            repeat = group["repeat"]
            if repeat.get("min", 0) > 0 and "when" not in group and "when" not in step:
                required.append(group["key"])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:amtsweg:forms:{document['key']}:{_number(version)}:data",
        "title": document["title"],
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value))


def _q(name: str) -> str:
    return f"{{{XML_NAMESPACE}}}{name}"


def _append_field(parent: etree._Element, field: dict, value: Any) -> None:
    if value is None or value == "" or value == []:
        return
    element = etree.SubElement(parent, _q(field["key"]))
    kind = field["type"]
    if kind == "multichoice" and isinstance(value, list):
        for item in value:
            etree.SubElement(element, _q(VALUE_ELEMENT)).text = _text(item)
    elif kind == "address" and isinstance(value, dict):
        for part in ADDRESS_PARTS:
            etree.SubElement(element, _q(part)).text = _text(value.get(part) or "")
    elif kind == "file" and isinstance(value, dict):
        for attribute in ("name", "size", "type", "ref"):
            if value.get(attribute) not in (None, ""):
                element.set(attribute, _text(value[attribute]))
    else:
        element.text = _text(value)


def _append_row(parent: etree._Element, group: dict, row: Any) -> None:
    """One element per row; a nested group's rows (ADR 0027) as elements inside it, after the row's fields."""
    row = row if isinstance(row, dict) else {}
    element = etree.SubElement(parent, _q(group["key"]))
    for f in group["fields"]:
        if f["type"] != "info":
            _append_field(element, f, row.get(f["key"]))
    for sub in group.get("subgroups") or []:
        nested = row.get(sub["key"])
        for inner in nested if isinstance(nested, list) else []:
            _append_row(element, sub, inner)


def data_xml(*, version, answers: dict) -> bytes:
    """The answers as XML (UTF-8): ``<antrag formular=… version=… leika=…>``, one element per group
    (repeated per row for repeatable groups), one element per answered field, in form order."""
    document = _document(version)
    root = etree.Element(_q(ROOT_ELEMENT), nsmap={None: XML_NAMESPACE})
    root.set("formular", document["key"])
    root.set("version", str(_number(version)))
    if document.get("leistung"):
        root.set("leika", document["leistung"])
    answers = answers if isinstance(answers, dict) else {}
    for step in document["steps"]:
        for group in step["groups"]:
            fields = [f for f in group["fields"] if f["type"] != "info"]
            if group.get("repeat") is not None:
                rows = answers.get(group["key"])
                for row in rows if isinstance(rows, list) else []:
                    _append_row(root, group, row)
                continue
            if any(answers.get(f["key"]) not in (None, "", []) for f in fields):
                element = etree.SubElement(root, _q(group["key"]))
                for f in fields:
                    _append_field(element, f, answers.get(f["key"]))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- XSD ----------------------------------------------------------------------------------------


def _xs(parent: etree._Element, tag: str, **attributes: Any) -> etree._Element:
    return etree.SubElement(parent, f"{{{XSD_NAMESPACE}}}{tag}", {k: str(v) for k, v in attributes.items()})


def _restriction(parent: etree._Element, base: str, facets: list[tuple[str, Any]]) -> None:
    simple = _xs(parent, "simpleType")
    restriction = _xs(simple, "restriction", base=base)
    for facet, value in facets:
        _xs(restriction, facet, value=value)


def _field_xsd(sequence: etree._Element, field: dict, document: dict) -> None:
    kind, name = field["type"], field["key"]
    if kind == "multichoice":
        element = _xs(sequence, "element", name=name, minOccurs=0)
        inner = _xs(_xs(element, "complexType"), "sequence")
        value = _xs(inner, "element", name=VALUE_ELEMENT, maxOccurs="unbounded")
        _restriction(value, "xs:string", [("enumeration", v) for v in _options(field, document)])
        return
    if kind == "address":
        element = _xs(sequence, "element", name=name, minOccurs=0)
        inner = _xs(_xs(element, "complexType"), "sequence")
        for part in ADDRESS_PARTS:
            _xs(inner, "element", name=part, type="xs:string")
        return
    if kind == "file":
        element = _xs(sequence, "element", name=name, minOccurs=0)
        complex_type = _xs(element, "complexType")
        _xs(complex_type, "attribute", name="name", type="xs:string", use="required")
        _xs(complex_type, "attribute", name="size", type="xs:positiveInteger", use="required")
        kind_attribute = _xs(complex_type, "attribute", name="type", use="required")
        _restriction(kind_attribute, "xs:string", [("enumeration", t) for t in sorted(FILE_TYPES)])
        _xs(complex_type, "attribute", name="ref", type="xs:string")
        return
    if kind == "choice":
        element = _xs(sequence, "element", name=name, minOccurs=0)
        _restriction(element, "xs:string", [("enumeration", v) for v in _options(field, document)])
        return
    if kind in {"integer", "decimal", "currency"}:
        facets = []
        if "min" in field:
            facets.append(("minInclusive", field["min"]))
        if "max" in field:
            facets.append(("maxInclusive", field["max"]))
        if kind == "currency":
            facets.append(("fractionDigits", 2))
        base = "xs:integer" if kind == "integer" else "xs:decimal"
        if facets:
            _restriction(_xs(sequence, "element", name=name, minOccurs=0), base, facets)
        else:
            _xs(sequence, "element", name=name, type=base, minOccurs=0)
        return
    if kind in {"text", "textarea"}:
        element = _xs(sequence, "element", name=name, minOccurs=0)
        _restriction(element, "xs:string", [("maxLength", field.get("max_length", DEFAULT_MAX_LENGTH[kind]))])
        return
    xs_type = {"date": "xs:date", "boolean": "xs:boolean"}.get(kind, "xs:string")
    _xs(sequence, "element", name=name, type=xs_type, minOccurs=0)


def _group_xsd(sequence: etree._Element, group: dict, document: dict, occurs: dict) -> None:
    element = _xs(sequence, "element", name=group["key"], **occurs)
    group_sequence = _xs(_xs(element, "complexType"), "sequence")
    for f in group["fields"]:
        if f["type"] != "info":
            _field_xsd(group_sequence, f, document)
    for sub in group.get("subgroups") or []:
        high = sub["repeat"].get("max")
        _group_xsd(
            group_sequence, sub, document, {"minOccurs": 0, "maxOccurs": high if high is not None else "unbounded"}
        )


def data_xsd(*, version) -> bytes:
    """XML Schema of ``data_xml`` for ``version`` (types, option lists, bounds, repeat limits)."""
    document = _document(version)
    schema = etree.Element(
        f"{{{XSD_NAMESPACE}}}schema",
        {"targetNamespace": XML_NAMESPACE, "elementFormDefault": "qualified"},
        nsmap={"xs": XSD_NAMESPACE, None: XML_NAMESPACE},
    )
    root = _xs(schema, "element", name=ROOT_ELEMENT)
    root_type = _xs(root, "complexType")
    sequence = _xs(root_type, "sequence")
    for step in document["steps"]:
        for group in step["groups"]:
            repeat = group.get("repeat")
            occurs = {"minOccurs": 0}
            if repeat is not None:
                occurs["maxOccurs"] = repeat["max"] if repeat.get("max") is not None else "unbounded"
            _group_xsd(sequence, group, document, occurs)
    _xs(root_type, "attribute", name="formular", type="xs:string", use="required", fixed=document["key"])
    _xs(root_type, "attribute", name="version", type="xs:positiveInteger", use="required")
    _xs(root_type, "attribute", name="leika", type="xs:string")
    return etree.tostring(schema, xml_declaration=True, encoding="UTF-8", pretty_print=True)
