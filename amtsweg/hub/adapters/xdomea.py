"""xdomea 3.0 adapter: a ZIP package ``FVDaten.SGOAblegen.0605`` for a DMS/E-Akte (see docs/standards/xdomea.md).

The package holds ``<ProzessID>_FVDaten.SGOAblegen.0605.xml`` and the primary documents (receipt PDF, data
file, attachments) named ``<Dokument-UUID>_<Name>`` as xdomea's ``stringDateinameType`` requires. The XML
is validated against the official XSD from the shared data folder before anything is delivered; schemas
are loaded with a parser that never touches the network and resolves only files inside that folder.

The ProzessID and all object UUIDs are derived from the idempotency key, so every attempt of one delivery
produces the same file name and ids: the drop target skips an existing ZIP and a DMS recognises repeats.
Transport: a local import directory or an SFTP server (the code paths of the filedrop/sftp adapters).
"""

from __future__ import annotations

import functools
import io
import re
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from django.conf import settings
from lxml import etree

from amtsweg.common import safe_xml
from amtsweg.hub.adapters.base import TEST_SUBJECT_PREFIX, DeliveryError, DeliveryResult, OutboundPayload
from amtsweg.hub.adapters.filedrop import LocalTree, PlannedFile, local_os_error, plan_files, prepare_local_root
from amtsweg.hub.adapters.sftp import SFTP_CONFIG_PROPERTIES, SftpTree, sftp_io_error, sftp_session
from amtsweg.hub.registry import adapter_registry

NS = "urn:xoev-de:xdomea:schema:3.0.0"
MESSAGE_NAME = "FVDaten.SGOAblegen"
MESSAGE_CODE = "0605"
MESSAGE_ELEMENT = f"{MESSAGE_NAME}.{MESSAGE_CODE}"
NACHRICHTENTYP_LIST_URI = "urn:xoev-de:xdomea:codeliste:nachrichtentyp"
DATEIFORMAT_LIST_URI = "urn:xoev-de:xdomea:codeliste:dateiformat"
# Fixed namespace for the name-based UUIDs (uuid5) of this adapter; never change it (ids must stay stable).
UUID_NAMESPACE = uuid.UUID("4b0e8c62-3f7e-5a51-9d0c-7a6d2f1e9b30")
PRODUCT_NAME = "Amtsweg Integrationsdienst"
PRODUCT_VERSION = "1.0"

# Code list "Dateiformat" 1.0 (code_lists/Dateiformat_1.0.xml); "100" = Sonstiges with SonstigerName.
DATEIFORMAT_CODES = {
    "jpe": "009", "jpeg": "010", "jpg": "011", "odt": "015", "pdf": "018", "png": "019", "tif": "023",
    "tiff": "024", "xml": "030", "xsd": "031", "docx": "035", "xlsx": "036", "pptx": "037", "txt": "045",
}  # fmt: skip
PDFA_CODE = "044"  # pdf - Portable Document Format (Archival): the receipts are PDF/A
OTHER_CODE = "100"


def schema_dir() -> Path:
    return Path(settings.SHARED_DATA_DIR) / "xdomea" / "3.0.0"


@functools.cache
def xdomea_schema() -> etree.XMLSchema:
    """The official xdomea 3.0.0 schema (all messages), loaded once per process.

    Includes/imports resolve only inside the shared xdomea folder (``../xoev/`` lives beside 3.0.0/).
    """
    root = schema_dir()
    return safe_xml.schema_load(root=root.parent, path=root / "xdomea.xsd")


def validation_errors(xml: bytes) -> list[str]:
    """XSD errors as short readable lines (path and error type only: values could be personal data)."""
    document = safe_xml.xml_parse(xml, what="Die xdomea-Nachricht").getroottree()
    schema = xdomea_schema()
    if schema.validate(document):
        return []
    return [f"Zeile {e.line}: {e.type_name} bei {e.path}" for e in schema.error_log]


@dataclass(frozen=True)
class XdomeaPackage:
    prozess_id: str
    xml_name: str
    zip_name: str
    xml: bytes
    zip_bytes: bytes
    primary_files: tuple[str, ...]  # file names inside the ZIP besides the XML, in XML order


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(UUID_NAMESPACE, "\x1f".join(parts)))


def _file_format(planned: PlannedFile) -> tuple[str, str, str]:
    """(Dateiformat code, SonstigerName or "", format version) of a file."""
    ext = planned.path.rpartition(".")[2].lower() if "." in planned.path else ""
    version = ""
    if planned.content.startswith(b"%PDF-"):
        match = re.match(rb"%PDF-(\d\.\d)", planned.content)
        version = match.group(1).decode() if match else ""
        ext = "pdf"
    if planned.role == "receipt":
        return PDFA_CODE, "", version or "1.7"
    if ext == "xml" or planned.content_type.endswith("xml"):
        return DATEIFORMAT_CODES["xml"], "", "1.0"
    if ext == "json" or planned.content_type == "application/json":
        return OTHER_CODE, "json - JavaScript Object Notation (RFC 8259)", "RFC 8259"
    if ext in DATEIFORMAT_CODES:
        return DATEIFORMAT_CODES[ext], "", version or "unbekannt"
    return OTHER_CODE, (ext or planned.content_type or "unbekannt")[:60], "unbekannt"


_TITLES = {"receipt": ("Eingangsquittung", "Eingangsquittung"), "document": ("Antragsdaten", "Antragsdaten")}


def build_package(*, payload: OutboundPayload, config: dict, now: datetime | None = None) -> XdomeaPackage:
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    key = payload.idempotency_key
    prozess_id = _uuid("prozess", key)
    received = str(payload.metadata.get("received_at", ""))[:10] or now.date().isoformat()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", received):
        received = now.date().isoformat()

    E = _Builder()
    vorgang, primary = _vorgang(E, payload=payload, received=received, now=now)
    sgo = E("SchriftgutobjektZumAblegen")
    sgo.append(E("FachverfahrenObjektID", payload.vorgangsnummer))
    if config.get("container_id"):
        sgo.append(E("IDContainer", config["container_id"]))
    wrapper = E("Schriftgutobjekt")
    wrapper.append(vorgang)
    sgo.append(wrapper)
    if config.get("ablageort"):
        sgo.append(E("Ablageort", config["ablageort"]))

    root = E(MESSAGE_ELEMENT)
    root.append(_kopf(E, payload=payload, config=config, prozess_id=prozess_id, now=now))
    root.append(sgo)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    errors = validation_errors(xml)
    if errors:
        # Our own output must be valid; an invalid package is a bug or bad config, retrying cannot help.
        raise DeliveryError("xdomea-Nachricht ist nicht schemakonform: " + "; ".join(errors[:3]), retryable=False)

    xml_name = f"{prozess_id}_{MESSAGE_ELEMENT}.xml"
    zip_name = f"{prozess_id}_{MESSAGE_ELEMENT}.zip"
    buffer = io.BytesIO()
    stamp = now.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in [(xml_name, xml), *primary]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return XdomeaPackage(
        prozess_id=prozess_id,
        xml_name=xml_name,
        zip_name=zip_name,
        xml=xml,
        zip_bytes=buffer.getvalue(),
        primary_files=tuple(name for name, _ in primary),
    )


def _kopf(E: _Builder, *, payload: OutboundPayload, config: dict, prozess_id: str, now: datetime) -> etree._Element:
    """The message head: process id, type, sender/recipient, systems and confirmation flags."""
    kopf = E("Kopf")
    kopf.append(E("ProzessID", prozess_id))
    typ = E("Nachrichtentyp", listURI=NACHRICHTENTYP_LIST_URI, listVersionID="2.0")
    typ.append(E.plain("code", MESSAGE_CODE))
    kopf.append(typ)
    kopf.append(E("Erstellungszeitpunkt", now.isoformat().replace("+00:00", "Z")))
    kopf.append(_kontakt(E, "Absender", config.get("sender_name") or "Serviceportal Amtsweg"))
    kopf.append(_kontakt(E, "Empfaenger", config.get("recipient_name") or payload.authority_key or "Empfänger"))
    kopf.append(_system(E, "SendendesSystem", config.get("instance_id") or "amtsweg", PRODUCT_NAME, PRODUCT_VERSION))
    if config.get("receiving_system"):
        kopf.append(_system(E, "EmpfangendesSystem", config["receiving_system"], "", ""))
    kopf.append(E("Empfangsbestaetigung", "true" if config.get("receipt_confirmation", False) else "false"))
    kopf.append(E("Importbestaetigung", "1"))  # fixed by the schema: the DMS reports the import
    kopf.append(E("Erstellerkennung", config.get("creator_id") or "amtsweg-integrationsdienst"))
    kopf.append(E("Stapel", "false"))
    return kopf


def _vorgang(
    E: _Builder, *, payload: OutboundPayload, received: str, now: datetime
) -> tuple[etree._Element, list[tuple[str, bytes]]]:
    """The Vorgang with one Dokument per planned file; returns it and the (file name, content) pairs."""
    key = payload.idempotency_key
    leistung = payload.metadata.get("leistung_name") or payload.metadata.get("leistung") or payload.leika_key
    vorgang = E("Vorgang")
    ident = E("Identifikation")
    ident.append(E("ID", _uuid("vorgang", key)))
    vorgang.append(ident)
    meta = E("AllgemeineMetadaten")
    test_mark = f"{TEST_SUBJECT_PREFIX} " if payload.test else ""
    meta.append(E("Betreff", f"{test_mark}Antrag {leistung} ({payload.vorgangsnummer})"))
    meta.append(E("Kennzeichen", payload.vorgangsnummer))
    vorgang.append(meta)
    vorgang.append(E("Typ", "Antrag"))
    primary: list[tuple[str, bytes]] = []
    for number, planned in enumerate(plan_files(payload=payload), start=1):
        doc_id = _uuid("dokument", key, planned.path)
        original = planned.path.rpartition("/")[2]
        if planned.role == "receipt":
            original = f"Quittung_{payload.vorgangsnummer}.pdf"
        filename = f"{doc_id}_{original}"
        vorgang.append(
            _dokument(E, planned=planned, number=number, doc_id=doc_id, original=original, received=received, now=now)
        )
        primary.append((filename, planned.content))
    return vorgang, primary


def _dokument(
    E: _Builder, *, planned, number: int, doc_id: str, original: str, received: str, now: datetime
) -> etree._Element:
    """One Dokument: identification, title and type, and its primary file's format."""
    title, doc_type = _TITLES.get(planned.role, (f"Anlage: {original}", "Anlage"))
    dokument = E("Dokument")
    dident = E("Identifikation")
    dident.append(E("ID", doc_id))
    dident.append(E("NummerImUebergeordnetenContainer", str(number)))
    dokument.append(dident)
    dmeta = E("AllgemeineMetadaten")
    dmeta.append(E("Betreff", title))
    dokument.append(dmeta)
    dokument.append(E("Posteingangsdatum", received))
    dokument.append(E("Typ", doc_type))
    version = E("Version")
    version.append(E("Nummer", "1"))
    code, other_name, format_version = _file_format(planned)
    fmt = E("Format")
    name = E("Name", listVersionID="1.0", listURI=DATEIFORMAT_LIST_URI)
    name.append(E.plain("code", code))
    fmt.append(name)
    if other_name:
        fmt.append(E("SonstigerName", other_name))
    fmt.append(E("Version", format_version))
    prim = E("Primaerdokument")
    prim.append(E("Dateiname", f"{doc_id}_{original}"))
    prim.append(E("DateinameOriginal", original))
    prim.append(E("Ersteller", PRODUCT_NAME))
    prim.append(E("DatumUhrzeit", now.isoformat().replace("+00:00", "Z")))
    fmt.append(prim)
    version.append(fmt)
    dokument.append(version)
    return dokument


class _Builder:
    """Tiny element factory for the xdomea namespace (code lists' ``code`` elements are unqualified)."""

    def __call__(self, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
        element = etree.Element(f"{{{NS}}}{tag}", nsmap={"xdomea": NS}, **attrs)
        if text is not None:
            element.text = text
        return element

    @staticmethod
    def plain(tag: str, text: str) -> etree._Element:
        element = etree.Element(tag)
        element.text = text
        return element


def _kontakt(E: _Builder, tag: str, name: str) -> etree._Element:
    kontakt = E(tag)
    institution = E("Institution")
    institution.append(E("Name", name))
    kontakt.append(institution)
    return kontakt


def _system(E: _Builder, tag: str, instance: str, product: str, version: str) -> etree._Element:
    system = E(tag)
    system.append(E("InstanzID", instance))
    if product:
        system.append(E("Produktname", product))
    if version:
        system.append(E("Version", version))
    return system


def deliver_package(*, target, package: XdomeaPackage) -> DeliveryResult:
    """Write the ZIP atomically unless a ZIP of the same ProzessID is already there."""
    if target.exists(package.zip_name):
        return DeliveryResult(remote_reference=package.prozess_id, detail="bereits zugestellt (Paket vorhanden)")
    target.remove_stale_temp_files("", base_name=package.zip_name)
    target.write_atomic(package.zip_name, package.zip_bytes)
    return DeliveryResult(remote_reference=package.prozess_id, detail=package.zip_name)


@adapter_registry.register
class XdomeaAdapter:
    type_key: ClassVar[str] = "xdomea"
    label: ClassVar[str] = "DMS/E-Akte (xdomea 3.0)"
    config_schema: ClassVar[dict] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "xdomea-Paket für DMS/E-Akte",
        "type": "object",
        "properties": {
            "transport": {
                "type": "string",
                "enum": ["directory", "sftp"],
                "default": "directory",
                "title": "Übertragung",
            },
            "directory": {"type": "string", "pattern": "^/", "title": "Importordner des DMS (absoluter Pfad)"},
            "create_directory": {"type": "boolean", "default": True, "title": "Importordner bei Bedarf anlegen"},
            "sftp": {
                "type": "object",
                "title": "SFTP-Zugang zum Importordner",
                "properties": SFTP_CONFIG_PROPERTIES,
                "required": ["host", "username", "host_key"],
                "additionalProperties": False,
            },
            "sender_name": {"type": "string", "title": "Absender (Institution)"},
            "recipient_name": {"type": "string", "title": "Empfänger (Institution)"},
            "instance_id": {"type": "string", "title": "InstanzID des sendenden Systems"},
            "receiving_system": {"type": "string", "title": "InstanzID des empfangenden DMS"},
            "creator_id": {"type": "string", "title": "Erstellerkennung"},
            "container_id": {"type": "string", "title": "ID der Zielakte im DMS (IDContainer)"},
            "ablageort": {"type": "string", "title": "Ablageort im DMS"},
            "receipt_confirmation": {"type": "boolean", "default": False, "title": "Empfangsbestätigung anfordern"},
        },
        "allOf": [
            {
                "if": {"properties": {"transport": {"const": "sftp"}}, "required": ["transport"]},
                "then": {"required": ["sftp"]},
            },
            {
                "if": {"not": {"properties": {"transport": {"const": "sftp"}}, "required": ["transport"]}},
                "then": {"required": ["directory"]},
            },
        ],
        "additionalProperties": False,
    }

    def deliver(self, *, payload: OutboundPayload, config: dict) -> DeliveryResult:
        package = build_package(payload=payload, config=config)
        if config.get("transport", "directory") == "sftp":
            sftp_config = config["sftp"]
            with sftp_session(sftp_config) as client:
                tree = SftpTree(client, sftp_config.get("directory", "."))
                try:
                    tree.makedirs("")
                    return deliver_package(target=tree, package=package)
                except DeliveryError:
                    raise
                except OSError as exc:
                    raise sftp_io_error(exc, what="Ablage des xdomea-Pakets per SFTP fehlgeschlagen") from exc
        try:
            return deliver_package(target=LocalTree(prepare_local_root(config)), package=package)
        except OSError as exc:
            raise local_os_error(exc, what="Ablage des xdomea-Pakets fehlgeschlagen") from exc
