"""OASIS genericode 1.0 code lists → (identification, code/label rows). Pure, no database.

Files come from external repositories or admin uploads, so they are untrusted and go through the platform's
one safe XML parser (no DTD, no network, bounded size). Genericode does not say which column is the
human-readable label, so it is chosen by a documented order (docs/standards/xdatenfelder.md, "Code lists"):
a ``codenameKey`` key, else a column named like the list's ShortName (e.g. "Staatsangehoerigkeit"), else the
first column with a known label name, else the first non-code column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from amtsweg.common import safe_xml

GC_NAMESPACE = "http://docs.oasis-open.org/codelist/ns/genericode/1.0/"
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
# Normalised column ids (lower case, without - _ and spaces) that carry the label, best first.
LABEL_COLUMNS = (
    "descriptiondeutsch",
    "beschreibung",
    "wert",
    "name",
    "bezeichnung",
    "bezeichnunglang",
    "staatsnamekurz",
    "staatennamekurz",
    "gebietsbezeichnungkurz",
    "suchbegriff",
)


class GenericodeInvalid(ValueError):
    """The file is not a usable genericode 1.0 code list; the German message names the problem."""


@dataclass
class GenericodeList:
    urn: str
    version: str
    name: str
    agency: str
    code_column: str
    label_column: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # German notes (rows without code, duplicate codes)


def _norm(text: str) -> str:
    return re.sub(r"[-_\s]", "", text or "").lower()


def _text(el: etree._Element | None) -> str:
    return " ".join((el.text or "").split()) if el is not None else ""


def _child(el: etree._Element, name: str) -> etree._Element | None:
    """First child with this local name, in the genericode namespace or none (both occur in the wild)."""
    for child in el:
        qname = etree.QName(child) if isinstance(child.tag, str) else None
        if qname is not None and qname.localname == name and qname.namespace in (None, GC_NAMESPACE):
            return child
    return None


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [
        c
        for c in el
        if isinstance(c.tag, str)
        and etree.QName(c).localname == name
        and etree.QName(c).namespace in (None, GC_NAMESPACE)
    ]


def _label_column(columns: list[str], keys: list[etree._Element], code: str, short_name: str) -> str:
    for key in keys:
        ref = _child(key, "ColumnRef")
        if "codename" in (key.get("Id") or "").lower() and ref is not None and ref.get("Ref") in columns:
            return ref.get("Ref")
    others = [c for c in columns if c != code]
    by_norm = {_norm(c): c for c in others}
    if _norm(short_name) in by_norm:
        return by_norm[_norm(short_name)]
    for wanted in LABEL_COLUMNS:
        if wanted in by_norm:
            return by_norm[wanted]
    if not others:
        raise GenericodeInvalid("Die Codeliste hat nur eine Spalte; es fehlt eine Spalte mit Bezeichnungen.")
    return others[0]


def genericode_parse(*, data: bytes) -> GenericodeList:
    """Parse a genericode 1.0 ``gc:CodeList``; raise ``GenericodeInvalid`` with a German message."""
    try:
        root = safe_xml.xml_parse(data, what="Die Codelisten-Datei", max_bytes=MAX_BYTES, strip_comments=True)
    except safe_xml.XmlRefused as error:
        raise GenericodeInvalid(str(error)) from None
    qname = etree.QName(root)
    if qname.namespace != GC_NAMESPACE or qname.localname != "CodeList":
        raise GenericodeInvalid(
            f"Keine Genericode-1.0-Codeliste: Wurzelelement '{qname.localname}' im Namensraum "
            f"'{qname.namespace or '-'}' (erwartet gc:CodeList, {GC_NAMESPACE})."
        )
    ident = _child(root, "Identification")
    if ident is None:
        raise GenericodeInvalid("Der Codeliste fehlt 'Identification'.")
    urn = _text(_child(ident, "CanonicalUri"))
    version = _text(_child(ident, "Version"))
    if not urn or not version:
        raise GenericodeInvalid("'Identification' braucht 'CanonicalUri' (Kennung) und 'Version'.")
    short_name = _text(_child(ident, "ShortName"))
    name = _text(_child(ident, "LongName")) or short_name or urn
    agency_el = _child(ident, "Agency")
    agency = ""
    if agency_el is not None:
        agency = _text(_child(agency_el, "LongName")) or _text(_child(agency_el, "ShortName"))
    column_set = _child(root, "ColumnSet")
    if column_set is None:
        raise GenericodeInvalid("Der Codeliste fehlt 'ColumnSet'.")
    columns = [c.get("Id") for c in _children(column_set, "Column") if c.get("Id")]
    keys = _children(column_set, "Key")
    code_refs = [_child(k, "ColumnRef") for k in keys if "codename" not in (k.get("Id") or "").lower()]
    code_refs = [r.get("Ref") for r in code_refs if r is not None and r.get("Ref") in columns]
    if not code_refs:
        raise GenericodeInvalid("Die Codeliste nennt keinen Schlüssel ('Key' mit 'ColumnRef' auf eine Spalte).")
    code_column = code_refs[0]
    label_column = _label_column(columns, keys, code_column, short_name)
    body = _child(root, "SimpleCodeList")
    if body is None:
        raise GenericodeInvalid("Der Codeliste fehlt 'SimpleCodeList'.")
    result = GenericodeList(
        urn=urn, version=version, name=name, agency=agency, code_column=code_column, label_column=label_column
    )
    seen: set[str] = set()
    for row in _children(body, "Row"):
        values = {}
        for value in _children(row, "Value"):
            simple = _child(value, "SimpleValue")
            values[value.get("ColumnRef")] = _text(simple)
        code, label = values.get(code_column, ""), values.get(label_column, "")
        if not code:
            result.skipped.append(f"Zeile {row.sourceline}: ohne Code, übersprungen.")
            continue
        if code in seen:
            result.skipped.append(f"Zeile {row.sourceline}: Code '{code}' doppelt, übersprungen.")
            continue
        seen.add(code)
        result.rows.append((code, label or code))
        if len(result.rows) > MAX_ROWS:
            raise GenericodeInvalid(f"Die Codeliste hat mehr als {MAX_ROWS} Einträge.")
    if not result.rows:
        raise GenericodeInvalid("Die Codeliste enthält keine Einträge.")
    return result


def sources_table(text: str) -> dict[str, tuple[str, str]]:
    """file name → (source, licence) from a Markdown table with the columns ``file``, ``source…``, ``licence``.

    The shared code-list folder documents where each file comes from in such a table (SOURCES.md); the
    import keeps that attribution with each list.
    """
    result: dict[str, tuple[str, str]] = {}
    header: list[str] | None = None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if header is None:
            header = [c.lower() for c in cells]
            continue
        if set("".join(cells)) <= set("-: "):
            continue
        row = dict(zip(header, cells, strict=False))
        file_name = row.get("file", "")
        source = next((v for k, v in row.items() if k.startswith("source")), "")
        if file_name.endswith(".xml") and (source or row.get("licence")):
            result[file_name] = (source, row.get("licence", ""))
    return result
