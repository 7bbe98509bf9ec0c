"""xdomea 3.0 adapter: XSD validation against the official schemas and the package's contents."""

from __future__ import annotations

import io
import zipfile

import pytest
from lxml import etree

from amtsweg.hub.adapters.base import DeliveryError
from amtsweg.hub.adapters.xdomea import (
    MESSAGE_ELEMENT,
    NS,
    XdomeaAdapter,
    build_package,
    schema_dir,
    validation_errors,
    xdomea_schema,
)
from amtsweg.hub.registry import adapter_registry

X = {"x": NS}


def _deliver(payload, config):
    return adapter_registry.get("xdomea").deliver(payload=payload, config=config)


def test_registered_with_schema():
    assert adapter_registry.get("xdomea").__class__ is XdomeaAdapter
    assert "transport" in XdomeaAdapter.config_schema["properties"]


def test_xml_validates_against_the_official_xsd(make_payload):
    package = build_package(payload=make_payload(), config={"recipient_name": "Stadt Dresden"})
    # Independent check with a freshly parsed schema from the shared folder (not the adapter's cache).
    schema = etree.XMLSchema(etree.parse(str(schema_dir() / "xdomea.xsd")))
    document = etree.fromstring(package.xml)
    assert schema.validate(document), schema.error_log
    assert etree.QName(document).localname == MESSAGE_ELEMENT
    assert document.findtext("x:Kopf/x:Nachrichtentyp/code", namespaces=X) == "0605"
    assert document.findtext("x:Kopf/x:ProzessID", namespaces=X) == package.prozess_id
    assert document.findtext("x:Kopf/x:Importbestaetigung", namespaces=X) == "1"
    assert document.findtext("x:Kopf/x:Empfaenger/x:Institution/x:Name", namespaces=X) == "Stadt Dresden"
    assert document.findtext("x:SchriftgutobjektZumAblegen/x:FachverfahrenObjektID", namespaces=X) == "AW-2026-000042"


def test_zip_holds_exactly_the_referenced_files(make_payload):
    payload = make_payload()
    package = build_package(payload=payload, config={})
    assert package.zip_name == f"{package.prozess_id}_FVDaten.SGOAblegen.0605.zip"
    assert package.xml_name == f"{package.prozess_id}_FVDaten.SGOAblegen.0605.xml"
    archive = zipfile.ZipFile(io.BytesIO(package.zip_bytes))
    document = etree.fromstring(archive.read(package.xml_name))
    referenced = document.xpath("//x:Primaerdokument/x:Dateiname/text()", namespaces=X)
    assert sorted(archive.namelist()) == sorted([package.xml_name, *referenced])
    assert len(referenced) == 4  # data file, receipt, two attachments
    contents = {name.split("_", 1)[1]: archive.read(name) for name in referenced}
    assert contents == {
        "antrag.xml": payload.document,
        "Quittung_AW-2026-000042.pdf": payload.receipt_pdf,
        "Meldebescheinigung.pdf": payload.attachments[0].content,
        "Foto_Hund.jpg": payload.attachments[1].content,
    }
    # Each Dateiname starts with the UUID of its Dokument (xdomea's stringDateinameType).
    for dokument in document.iterfind(".//x:Dokument", namespaces=X):
        doc_id = dokument.findtext("x:Identifikation/x:ID", namespaces=X)
        assert dokument.findtext(".//x:Primaerdokument/x:Dateiname", namespaces=X).startswith(f"{doc_id}_")


def test_ids_are_stable_per_idempotency_key(make_payload):
    payload = make_payload()
    first, again = build_package(payload=payload, config={}), build_package(payload=payload, config={})
    other = build_package(payload=make_payload(), config={})
    assert first.prozess_id == again.prozess_id and first.primary_files == again.primary_files
    assert other.prozess_id != first.prozess_id


def test_json_document_and_no_attachments_still_valid(make_payload):
    payload = make_payload(
        document=b'{"a": 1}', document_content_type="application/json", document_name="antrag.json", attachments=()
    )
    package = build_package(payload=payload, config={"container_id": "AKTE-4711", "ablageort": "Hundesteuer 2026"})
    assert validation_errors(package.xml) == []
    assert b"<code>100</code>" in package.xml  # "Sonstiges" with SonstigerName for JSON


def test_invalid_xml_is_detected(make_payload):
    package = build_package(payload=make_payload(), config={})
    broken = package.xml.replace(b"<xdomea:Stapel>false</xdomea:Stapel>", b"")
    errors = validation_errors(broken)
    assert errors and "Kopf" in errors[0]


def test_schema_references_outside_the_folder_are_refused(tmp_path):
    from amtsweg.common.safe_xml import XmlRefused, schema_load

    # A perfectly valid local schema, but outside the xdomea folder: without the resolver it would load.
    (tmp_path / "other.xsd").write_text('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>')
    xsd = tmp_path / "evil.xsd"
    xsd.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:include schemaLocation="other.xsd"/></xs:schema>'
    )
    assert etree.XMLSchema(etree.parse(str(xsd))) is not None
    with pytest.raises(XmlRefused, match="außerhalb"):
        schema_load(root=schema_dir().parent, text=xsd.read_text().replace("other.xsd", f"file://{tmp_path}/other.xsd"))
    assert xdomea_schema() is xdomea_schema()  # loaded once per process


def test_delivery_to_directory_and_repeat(drop_dir, make_payload):
    payload = make_payload()
    result = _deliver(payload, {"transport": "directory", "directory": str(drop_dir)})
    [zip_path] = list(drop_dir.iterdir())
    assert zip_path.name == f"{result.remote_reference}_FVDaten.SGOAblegen.0605.zip"
    before = zip_path.read_bytes()
    again = _deliver(payload, {"directory": str(drop_dir)})
    assert "bereits zugestellt" in again.detail
    assert list(drop_dir.iterdir()) == [zip_path] and zip_path.read_bytes() == before
    assert zipfile.ZipFile(zip_path).testzip() is None


def test_delivery_via_sftp(sftp_server, make_payload):
    payload = make_payload()
    config = {"transport": "sftp", "sftp": sftp_server.config(directory=str(sftp_server.root / "dms-import"))}
    result = _deliver(payload, config)
    zip_path = sftp_server.root / "dms-import" / f"{result.remote_reference}_FVDaten.SGOAblegen.0605.zip"
    archive = zipfile.ZipFile(zip_path)
    assert validation_errors(archive.read(f"{result.remote_reference}_FVDaten.SGOAblegen.0605.xml")) == []
    assert "bereits zugestellt" in _deliver(payload, config).detail


def test_sftp_with_unknown_host_key_is_refused(sftp_server, make_payload):
    from amtsweg.hub.receivers.sftpd import generate_ed25519

    _, other = generate_ed25519()
    config = {"transport": "sftp", "sftp": sftp_server.config(host_key=other)}
    with pytest.raises(DeliveryError) as excinfo:
        _deliver(make_payload(), config)
    assert excinfo.value.retryable is False
