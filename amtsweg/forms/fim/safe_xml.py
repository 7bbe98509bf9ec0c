"""Parsing untrusted XML safely.

FIM files are uploaded by administrators and come from external repositories, so they are untrusted:
no DTDs (which rules out XXE and entity-expansion bombs), no network access, no huge trees.
"""

from __future__ import annotations

import re

from lxml import etree

from .errors import FimImportError

# Generous for real schemas (the largest FIM Stammdatenschemata are a few MB) but bounded.
MAX_XML_BYTES = 20 * 1024 * 1024

# "<!DOCTYPE" in the encodings an XML file may declare without a byte order mark problem (UTF-8/ASCII/Latin-1,
# UTF-16 LE/BE). The post-parse check on docinfo catches anything this pre-check misses.
_DOCTYPE_PATTERNS = (
    re.compile(rb"<!DOCTYPE", re.IGNORECASE),
    re.compile("<!DOCTYPE".encode("utf-16-le"), re.IGNORECASE),
    re.compile("<!DOCTYPE".encode("utf-16-be"), re.IGNORECASE),
)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def xml_parse(*, xml: bytes) -> etree._Element:
    """Parse untrusted XML bytes and return the root element; raise FimImportError with a German message."""
    if not isinstance(xml, bytes | bytearray):
        raise FimImportError("Die FIM-Datei muss als Bytes übergeben werden.")
    if not xml.strip():
        raise FimImportError("Die Datei ist leer.")
    if len(xml) > MAX_XML_BYTES:
        raise FimImportError(
            f"Die Datei ist zu groß ({len(xml) / 1024 / 1024:.1f} MB); erlaubt sind höchstens "
            f"{MAX_XML_BYTES // 1024 // 1024} MB."
        )
    if any(pattern.search(xml) for pattern in _DOCTYPE_PATTERNS):
        raise _doctype_error()
    try:
        root = etree.fromstring(bytes(xml), parser=_parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        where = f"Zeile {line}, Spalte {column}: " if line else ""
        raise FimImportError(f"{where}Die Datei ist kein wohlgeformtes XML ({exc.msg}).", line=line) from None
    if root is None:
        raise FimImportError("Die Datei enthält kein XML-Element.")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _doctype_error()
    return root


def _doctype_error() -> FimImportError:
    return FimImportError(
        "Die Datei enthält eine DOCTYPE-Deklaration. Aus Sicherheitsgründen (externe Entitäten, "
        "Entity-Bomben) werden XML-Dateien mit DTD nicht verarbeitet; XDatenfelder-Nachrichten brauchen keine."
    )
