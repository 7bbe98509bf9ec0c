"""Data XML for applications that arrive through the inbound API.

Portal submissions carry XML derived from their form version (``forms.formats.data_xml``). API
clients send JSON, so the same structure is derived from the JSON itself, and the integration
rules (e.g. the Fachverfahren XSLT) work for both: top-level objects become groups, lists of
objects become repeated groups, and top-level scalars are gathered in the group ``angaben``.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from amtsweg.forms.formats import ROOT_ELEMENT, XML_NAMESPACE

_NAME = re.compile(r"[^A-Za-z0-9_.-]")
# Nesting the XML follows: groups, rows of nested groups, their fields (deeper JSON is cut, not recursed).
_MAX_DEPTH = 4


def _element_name(key: str) -> str:
    name = _NAME.sub("_", str(key)) or "feld"
    return name if re.match(r"[A-Za-z_]", name) else f"f_{name}"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _append(parent: etree._Element, key: str, value: Any, depth: int = 0) -> None:
    if _is_group(value) and isinstance(value, list) and depth < _MAX_DEPTH:
        # Rows of a nested repeatable group (ADR 0027): one element per row, as data_xml writes them.
        for row in value:
            _append(parent, key, row, depth + 1)
        return
    element = etree.SubElement(parent, f"{{{XML_NAMESPACE}}}{_element_name(key)}")
    if isinstance(value, dict):
        for sub_key, sub_value in value.items():
            if depth < _MAX_DEPTH and _is_group(sub_value):
                _append(element, sub_key, sub_value, depth + 1)
                continue
            child = etree.SubElement(element, f"{{{XML_NAMESPACE}}}{_element_name(sub_key)}")
            child.text = _text(sub_value) if not isinstance(sub_value, dict | list) else None
    elif isinstance(value, list):
        element.text = ", ".join(_text(v) for v in value)
    else:
        element.text = _text(value)


def _is_group(value: Any) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, list) and bool(value) and all(isinstance(r, dict) for r in value)
    )


def api_data_xml(*, data: dict, leika_key: str) -> bytes:
    root = etree.Element(f"{{{XML_NAMESPACE}}}{ROOT_ELEMENT}", nsmap={None: XML_NAMESPACE})
    root.set("formular", "api")
    root.set("version", "0")
    root.set("leika", leika_key)
    # Scalars and lists of scalars go into one group "angaben"; objects and lists of objects become groups.
    flat = {k: v for k, v in data.items() if not _is_group(v)}
    if flat:
        group = etree.SubElement(root, f"{{{XML_NAMESPACE}}}angaben")
        for key, value in flat.items():
            _append(group, key, value)
    for key, value in data.items():
        rows = [value] if isinstance(value, dict) else value if _is_group(value) else []
        for row in rows:
            group = etree.SubElement(root, f"{{{XML_NAMESPACE}}}{_element_name(key)}")
            for sub_key, sub_value in row.items():
                _append(group, sub_key, sub_value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
