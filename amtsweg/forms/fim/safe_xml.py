"""FIM files go through the platform's one safe-XML parser (``amtsweg.common.safe_xml``).

FIM files are uploaded by administrators and come from external repositories, so they are untrusted:
no DTDs (which rules out XXE and entity-expansion bombs), no network access, no huge trees. This
module only turns the parser's refusal into a ``FimImportError``.
"""

from __future__ import annotations

from lxml import etree

from amtsweg.common import safe_xml

from .errors import FimImportError

# Generous for real schemas (the largest FIM Stammdatenschemata are a few MB) but bounded.
MAX_XML_BYTES = safe_xml.MAX_XML_BYTES


def xml_parse(*, xml: bytes) -> etree._Element:
    """Parse untrusted XML bytes and return the root element; raise FimImportError with a German message."""
    if not isinstance(xml, bytes | bytearray):
        raise FimImportError("Die FIM-Datei muss als Bytes übergeben werden.")
    try:
        return safe_xml.xml_parse(xml, what="Die Datei", max_bytes=MAX_XML_BYTES, strip_comments=True)
    except safe_xml.XmlRefused as error:
        message = str(error)
        if error.reason == "doctype":
            message += " XDatenfelder-Nachrichten brauchen keine."
        raise FimImportError(message, line=error.line) from None
