"""The one way the platform parses XML (FIM files, rule stylesheets and schemas, messages, xdomea).

Untrusted XML gets no DTD at all (which rules out XXE and entity-expansion bombs), no network and no
huge trees. A DOCTYPE is detected by parsing, not by searching bytes, so it is found in any encoding
the parser understands (UTF-16 with or without byte order mark, UCS-4, EBCDIC, …): the parser never
loads or expands a DTD, and a document that carries one is refused afterwards.

XSD schemas may include/import other files only from one folder (the rule depot, the xdomea
schema directory); every other location — absolute paths, ``file:`` or network URLs, ``..`` out of
the folder — is refused by a resolver before libxml2 reads it.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

# Generous for real schemas (the largest FIM Stammdatenschemata are a few MB) but bounded.
MAX_XML_BYTES = 20 * 1024 * 1024


class XmlRefused(ValueError):
    """The XML cannot be accepted. The message is German and names the problem (never file contents)."""

    def __init__(self, message: str, *, line: int | None = None, reason: str = "invalid"):
        super().__init__(message)
        self.line = line
        self.reason = reason  # "empty", "too_large", "doctype", "syntax", "schema"


def safe_parser(*, strip_comments: bool = False) -> etree.XMLParser:
    """A parser that never loads a DTD, resolves an entity or touches the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=strip_comments,
        remove_pis=strip_comments,
    )


def _doctype_refused(what: str) -> XmlRefused:
    return XmlRefused(
        f"{what} enthält eine DOCTYPE-Deklaration. Aus Sicherheitsgründen (externe Entitäten, "
        "Entity-Bomben) werden XML-Dokumente mit DTD nicht verarbeitet.",
        reason="doctype",
    )


def xml_parse(
    data: bytes | str,
    *,
    what: str = "Das XML-Dokument",
    max_bytes: int | None = None,
    strip_comments: bool = False,
) -> etree._Element:
    """Parse untrusted XML and return the root element; raise ``XmlRefused`` with a German message.

    ``str`` input is encoded as UTF-8 (an encoding declaration in it must then say UTF-8 or nothing).
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    limit = MAX_XML_BYTES if max_bytes is None else max_bytes
    if not raw.strip():
        raise XmlRefused(f"{what} ist leer.", reason="empty")
    if len(raw) > limit:
        raise XmlRefused(
            f"{what} ist zu groß ({len(raw) / 1024 / 1024:.1f} MB); erlaubt sind höchstens "
            f"{limit / 1024 / 1024:.0f} MB.",
            reason="too_large",
        )
    try:
        root = etree.fromstring(raw, parser=safe_parser(strip_comments=strip_comments))
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        where = f"Zeile {line}, Spalte {exc.position[1]}: " if line else ""
        raise XmlRefused(f"{where}{what} ist kein wohlgeformtes XML ({exc.msg}).", line=line, reason="syntax") from None
    if root is None:
        raise XmlRefused(f"{what} enthält kein XML-Element.", reason="syntax")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _doctype_refused(what)
    return root


class ConfinedResolver(etree.Resolver):
    """Resolves schema includes/imports only to existing files inside ``root``; refuses everything else."""

    def __init__(self, root: Path):
        super().__init__()
        self.root = Path(root).resolve()
        self.refused: list[str] = []

    def _local_path(self, system_url: str) -> Path | None:
        parts = urlsplit(system_url)
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            return Path(unquote(parts.path)).resolve()
        if parts.scheme == "" and system_url:
            return Path(system_url).resolve()  # relative names were made absolute by libxml2 (base URL)
        return None  # http:, ftp:, data:, …

    def resolve(self, system_url, public_id, context):
        path = self._local_path(system_url or "")
        if path is None or not path.is_relative_to(self.root) or not path.is_file():
            self.refused.append(system_url or "")
            raise etree.XMLSchemaParseError(f"Schema-Verweis außerhalb von {self.root.name}/ abgelehnt.")
        return self.resolve_filename(str(path), context)


def schema_load(*, root: Path, path: Path | None = None, text: bytes | str | None = None) -> etree.XMLSchema:
    """Load an XSD (from ``path`` or ``text``) whose includes/imports must stay inside ``root``.

    ``text`` gets ``root`` as its base, so relative ``schemaLocation``s resolve inside the folder.
    Raises ``XmlRefused`` (reason "schema") for a reference outside ``root`` or a broken schema.
    """
    root = Path(root).resolve()
    resolver = ConfinedResolver(root)
    parser = safe_parser()
    parser.resolvers.add(resolver)
    what = "Das XML-Schema"
    if path is not None:
        path = Path(path).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise XmlRefused(f"{what} liegt außerhalb von {root.name}/ und wird nicht geladen.", reason="schema")
        raw = path.read_bytes()
        base = str(path)
    else:
        raw = text.encode("utf-8") if isinstance(text, str) else bytes(text or b"")
        base = str(root / "schema.xsd")
    xml_parse(raw, what=what)  # size, well-formedness and no DOCTYPE, before the schema parser sees it
    try:
        document = etree.fromstring(raw, parser=parser, base_url=base)
        return etree.XMLSchema(document)
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as error:
        if resolver.refused:
            raise XmlRefused(
                f"{what} verweist auf eine Datei außerhalb von {root.name}/ (xs:include/xs:import); "
                "das ist nicht erlaubt.",
                reason="schema",
            ) from None
        raise XmlRefused(f"{what} ist fehlerhaft: {error}", reason="schema") from None
