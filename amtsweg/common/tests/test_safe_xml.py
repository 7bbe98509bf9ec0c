"""The one safe-XML function: DOCTYPE refused in any encoding, schema includes confined to one folder."""

from __future__ import annotations

import pytest

from amtsweg.common.safe_xml import XmlRefused, schema_load, xml_parse
from amtsweg.hub.transform import TransformError, output_validate, rules_dir

XSD_NS = "http://www.w3.org/2001/XMLSchema"
XXE = '<?xml version="1.0" encoding="{enc}"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{path}">]><r>&x;</r>'


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "geheim.txt"
    path.write_text("STRENG-GEHEIM-4711")
    return path


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_doctype_is_refused_in_any_encoding(secret, encoding):
    # utf-16/utf-32 write a byte order mark, -le/-be do not (the declaration alone names the encoding).
    declared = encoding.split("-")[0].upper() + "-" + encoding.split("-")[1]
    raw = XXE.format(enc=declared, path=secret).encode(encoding)
    assert b"<!DOCTYPE" not in raw  # a byte search for UTF-8 "<!DOCTYPE" would miss it
    with pytest.raises(XmlRefused, match="DOCTYPE") as excinfo:
        xml_parse(raw)
    assert excinfo.value.reason == "doctype"
    assert "STRENG-GEHEIM" not in str(excinfo.value)


def test_utf16_doctype_is_refused_by_the_hub_transform_too(secret):
    from amtsweg.hub.transform import xml_parse as hub_xml_parse

    raw = XXE.format(enc="UTF-16", path=secret).encode("utf-16")
    with pytest.raises(TransformError, match="DOCTYPE"):
        hub_xml_parse(raw)


def test_plain_documents_parse_in_any_encoding():
    text = '<?xml version="1.0" encoding="UTF-16"?><antrag><name>Jürgen Öztürk</name></antrag>'
    root = xml_parse(text.encode("utf-16"))
    assert root.findtext("name") == "Jürgen Öztürk"


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "empty"), (b"<a><b></a>", "syntax"), (b"x" * 200, "too_large")],
)
def test_refusals_name_the_reason(data, reason):
    with pytest.raises(XmlRefused) as excinfo:
        xml_parse(data, max_bytes=100)
    assert excinfo.value.reason == reason


def _include(location: str) -> str:
    return f'<xs:schema xmlns:xs="{XSD_NS}"><xs:include schemaLocation="{location}"/></xs:schema>'


@pytest.fixture
def depot(tmp_path):
    folder = tmp_path / "rules"
    (folder / "common").mkdir(parents=True)
    (folder / "common" / "types.xsd").write_text(
        f'<xs:schema xmlns:xs="{XSD_NS}"><xs:element name="antrag" type="xs:string"/></xs:schema>'
    )
    outside = tmp_path / "outside.xsd"
    outside.write_text(f'<xs:schema xmlns:xs="{XSD_NS}"><xs:element name="antrag" type="xs:string"/></xs:schema>')
    return folder, outside


def test_schema_include_inside_the_depot_loads(depot):
    folder, _outside = depot
    schema = schema_load(root=folder, text=_include("common/types.xsd"))
    assert schema.validate(xml_parse(b"<antrag>x</antrag>").getroottree())


@pytest.mark.parametrize("location", ["file://{outside}", "{outside}", "../outside.xsd", "common/../../outside.xsd"])
def test_schema_include_outside_the_depot_is_refused(depot, location):
    folder, outside = depot
    with pytest.raises(XmlRefused, match="außerhalb") as excinfo:
        schema_load(root=folder, text=_include(location.format(outside=outside)))
    assert excinfo.value.reason == "schema"


def test_schema_include_over_the_network_is_refused(depot):
    folder, _outside = depot
    with pytest.raises(XmlRefused, match="außerhalb"):
        schema_load(root=folder, text=_include("http://127.0.0.1:9/evil.xsd"))


def test_schema_file_outside_the_depot_is_refused(depot):
    folder, outside = depot
    with pytest.raises(XmlRefused, match="außerhalb"):
        schema_load(root=folder, path=outside)


def test_rule_xsd_with_a_file_include_is_refused(tmp_path):
    # A rule's XSD (stored as text) may not read files outside the rule depot: /etc/… or a temp file.
    outside = tmp_path / "outside.xsd"
    outside.write_text(f'<xs:schema xmlns:xs="{XSD_NS}"><xs:element name="r" type="xs:string"/></xs:schema>')
    assert not outside.resolve().is_relative_to(rules_dir())
    with pytest.raises(TransformError, match="außerhalb"):
        output_validate(schema_kind="xsd", schema_text=_include(f"file://{outside}"), output=b"<r>x</r>")
