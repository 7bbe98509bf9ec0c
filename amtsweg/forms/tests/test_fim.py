"""FIM import (XDatenfelder 1/2/3 → form definition): fixtures, mapping rules and safe XML parsing.

These tests need no database.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from django.conf import settings
from lxml import etree

from amtsweg.forms.definition import definition_errors, definition_publish_errors
from amtsweg.forms.engine import form_from_document, step_validate
from amtsweg.forms.fim import FimImportError, fim_import, fim_parse, safe_xml
from amtsweg.forms.fim.mapping import field_type_map, pattern_normalise, slugify
from amtsweg.forms.fim.model import CodelistValues
from amtsweg.forms.fim.parser import multiplicity_parse, praezisierung_text_parse
from amtsweg.forms.fim.parser_helpers import label_humanise

FIM_DIR = Path(settings.SHARED_DATA_DIR) / "fim"
FIXTURES = FIM_DIR / "xdatenfelder-xml-fixtures"
WABEKA = FIM_DIR / "WaBeKa.xml"
STAAT_URN = "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat"

NS2 = "urn:xoev-de:fim:standard:xdatenfelder_2"


def field(
    ident: str,
    label: str = "Feld",
    *,
    feldart: str = "input",
    datentyp: str = "text",
    praezisierung: str = "",
    inhalt: str = "",
    hilfe: str = "",
    extra: str = "",
) -> str:
    return f"""
    <xdf:datenfeld>
      <xdf:identifikation><xdf:id>{ident}</xdf:id><xdf:version>1.0</xdf:version></xdf:identifikation>
      <xdf:name>{escape(label)}</xdf:name>
      <xdf:bezeichnungEingabe>{escape(label)}</xdf:bezeichnungEingabe>
      <xdf:status><code>aktiv</code></xdf:status>
      <xdf:schemaelementart><code>RNG</code></xdf:schemaelementart>
      <xdf:hilfetextEingabe>{escape(hilfe)}</xdf:hilfetextEingabe>
      <xdf:feldart><code>{feldart}</code></xdf:feldart>
      <xdf:datentyp><code>{datentyp}</code></xdf:datentyp>
      <xdf:praezisierung>{escape(praezisierung)}</xdf:praezisierung>
      <xdf:inhalt>{escape(inhalt)}</xdf:inhalt>
      {extra}
    </xdf:datenfeld>"""


def group(ident: str, label: str, *children: str, extra: str = "") -> str:
    return f"""
    <xdf:datenfeldgruppe>
      <xdf:identifikation><xdf:id>{ident}</xdf:id><xdf:version>1.0</xdf:version></xdf:identifikation>
      <xdf:name>{escape(label)}</xdf:name>
      <xdf:bezeichnungEingabe>{escape(label)}</xdf:bezeichnungEingabe>
      <xdf:status><code>aktiv</code></xdf:status>
      <xdf:schemaelementart><code>RNG</code></xdf:schemaelementart>
      {extra}
      {"".join(children)}
    </xdf:datenfeldgruppe>"""


def struct(anzahl: str, element: str) -> str:
    return f"<xdf:struktur><xdf:anzahl>{anzahl}</xdf:anzahl><xdf:enthaelt>{element}</xdf:enthaelt></xdf:struktur>"


def schema(*structures: str, name: str = "Testantrag", ident: str = "S12345", extra: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<xdf:xdatenfelder.stammdatenschema.0102 xmlns:xdf="{NS2}">
  <xdf:header><xdf:nachrichtID>t</xdf:nachrichtID><xdf:erstellungszeitpunkt>2024-01-01T00:00:00Z</xdf:erstellungszeitpunkt></xdf:header>
  <xdf:stammdatenschema>
    <xdf:identifikation><xdf:id>{ident}</xdf:id><xdf:version>1.0</xdf:version></xdf:identifikation>
    <xdf:name>{escape(name)}</xdf:name>
    <xdf:bezeichnungEingabe>{escape(name)}</xdf:bezeichnungEingabe>
    <xdf:status><code>aktiv</code></xdf:status>
    {extra}
    {"".join(structures)}
  </xdf:stammdatenschema>
</xdf:xdatenfelder.stammdatenschema.0102>""".encode()


def fields_of(definition: dict) -> dict[str, dict]:
    return {f["key"]: f for s in definition["steps"] for g in s["groups"] for f in g["fields"]}


def groups_of(definition: dict) -> dict[str, dict]:
    return {g["key"]: g for s in definition["steps"] for g in s["groups"]}


def group_of_field(definition: dict, key: str) -> dict:
    return next(g for s in definition["steps"] for g in s["groups"] if any(f["key"] == key for f in g["fields"]))


def fim(xml: bytes, **kwargs):
    return fim_import(xml=xml, **kwargs)


# -- WaBeKa (XDatenfelder 1) ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wabeka():
    return fim_import(xml=WABEKA.read_bytes())


def test_wabeka_keeps_all_46_fields_in_their_18_groups(wabeka):
    root = etree.parse(str(WABEKA)).getroot()
    ns = {"xdf": "urn:xoev-de:fim:standard:xdatenfelder_1"}
    xml_fields = [e.findtext("xdf:id", namespaces=ns) for e in root.iterfind(".//xdf:datenfeld", ns)]
    xml_groups = [e.findtext("xdf:id", namespaces=ns) for e in root.iterfind(".//xdf:datenfeldgruppe", ns)]
    assert (len(xml_fields), len(xml_groups)) == (46, 18)  # the numbers of the issue, counted in the XML

    fields = [e for e in wabeka.elements if e.kind == "datenfeld"]
    groups = [e for e in wabeka.elements if e.kind == "datenfeldgruppe"]
    assert sorted(e.fim_id for e in fields) == sorted(xml_fields)
    assert sorted(e.fim_id for e in groups) == sorted(xml_groups)
    assert all(e.target == "field" for e in fields)

    definition = wabeka.definition
    field_keys = list(fields_of(definition))
    assert len(field_keys) == 46  # every occurrence is a field of the assistant, none merged away
    assert sorted(e.key for e in fields) == sorted(field_keys)
    containers = {s["key"] for s in definition["steps"]} | set(groups_of(definition))
    assert all(e.key in containers for e in groups)
    assert {f["x-fim"]["id"] for f in fields_of(definition).values()} == set(xml_fields)


def test_wabeka_is_a_valid_definition(wabeka):
    assert wabeka.standard_version == 1
    assert definition_errors(document=wabeka.definition) == []
    assert wabeka.definition["key"] == "waffenbesitzkarte-wbk-gruen"
    assert wabeka.definition["title"] == "Waffenbesitzkarte (WBK grün)"
    assert wabeka.definition["x-fim"]["id"] == "S00000036"


def test_wabeka_structure(wabeka):
    definition = wabeka.definition
    steps = [(s["key"], s["title"]) for s in definition["steps"]]
    assert steps == [
        ("allgemeine_angaben", "Allgemeine Angaben"),  # F00000141, F00000057 at the top level
        ("schritt_g00000032", "Ausstellende Behörde"),
        ("schritt_g00000067", "Berechtigte natürliche Person"),
        ("weitere_angaben", "Weitere Angaben"),  # F00000110 between two groups
        ("schritt_g00000024", "Bestätigung Gültigkeit der Urkunde"),
        ("schritt_g00000048", "Waffen"),
        ("schritt_g00000066", "Amtliche Eintragungen"),
    ]
    groups = groups_of(definition)
    # third level: title joins the second-level title and its own
    assert groups["g00000039"]["title"] == (
        "Name Natürliche Person (ohne Künstlername und Ordensname) – Vorname natürliche Person"
    )
    # the repeatable top-level group (0:*) holds its nested Stempel group's fields
    eintragungen = groups["g00000066"]
    assert eintragungen["repeat"] == {"min": 0, "max": 99, "item_label": "Amtliche Eintragungen"}
    assert [f["x-fim"]["id"] for f in eintragungen["fields"]] == ["F00000064", "F00000008", "F00000058", "F00000059"]


def test_wabeka_fields(wabeka):
    fields = fields_of(wabeka.definition)
    assert fields["f00000057"]["type"] == "decimal" and fields["f00000057"]["required"] is True
    assert fields["f00000141"]["type"] == "info"
    assert (fields["f00000034"]["min_length"], fields["f00000034"]["max_length"]) == (1, 250)
    assert fields["f00000033"].get("required") is None  # 0:1
    assert fields["f00000066"]["type"] == "date"
    assert fields["f00000031"]["type"] == "boolean"
    assert fields["f00000034"]["help"] == "Geben Sie den Namen der Organisation an."
    # fields of the optional group "Titel natürliche Person" (0:1) are optional
    assert "required" not in fields["f00000043"]
    # repeated use of the same field gets suffixed keys
    assert {"f00000008", "f00000008_2", "f00000008_3", "f00000008_4"} <= set(fields)
    assert {"f00000058", "f00000058_2", "f00000058_5"} <= set(fields)


def test_wabeka_repeatable_fields_and_code_lists(wabeka):
    definition = wabeka.definition
    groups = groups_of(definition)
    vorname = groups["f00000045_liste"]  # Vorname 1:* inside an optional group (0:1) → may be left out
    assert vorname["repeat"] == {"min": 0, "max": 99, "item_label": "Vorname"}
    assert vorname["fields"][0]["required"] is True
    seriennummer = groups["f00000017_liste"]  # 1:4
    assert seriennummer["repeat"] == {"min": 1, "max": 4, "item_label": "Hersteller- bzw. Seriennummer"}

    fields = fields_of(definition)
    staat = fields["f00000038"]
    assert staat["type"] == "choice" and staat["codelist"] == "staat"
    assert staat["x-fim"]["codelist"] == "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat"
    # without a code-list store nothing resolves: no placeholder options, the lists are reported and block publishing
    assert definition["codelists"]["staat"] == []
    kategorie = fields["f00000049"]  # no URN in the file at all: the list's name from the Präzisierung is the key
    assert "options" not in kategorie and kategorie["x-fim"]["codelist"] == "Waffenkategorie"
    assert any("urn:de:xwaffe:codelisten:munitionsbezeichnungkaliber" in w for w in wabeka.warnings)
    assert any("Codeliste Waffenkategorie fehlt" in w for w in wabeka.warnings)
    assert {c["urn"] for c in wabeka.missing_codelists} >= {"Anrede", "Waffenkategorie", STAAT_URN}
    blockers = definition_publish_errors(document=definition)
    assert any("„Staat“" in b and f"{STAAT_URN}, Version 2017-01-01" in b for b in blockers)
    assert "platzhalter" not in str(definition)
    assert any("beliebig oft" in w and "F00000045" in w for w in wabeka.warnings)


# -- every fixture: imports, or fails naming the problem -------------------------------------------------------

FIXTURE_ERRORS = {
    "v2/duplicate-optional-value.xml": ["Zeile 15", "'xdf:beschreibung'", "mehrfach"],
    "v2/duplicate-required-value.xml": ["Zeile 13", "'xdf:name'", "mehrfach"],
    "v2/minimal.xml": ["T1234", "keine übernehmbaren Datenfelder", "keine 'xdf:struktur'"],
    "v2/rule.xml": ["T1234", "keine übernehmbaren Datenfelder"],
    "v2/data-group-rule.xml": ["keine übernehmbaren Datenfelder", "G00000082"],
    "v2/unknown-namespace.xml": ["Zeile 2", "Unbekannter XDatenfelder-Namespace", "xdatenfelder_unknown"],
    "v3/duplicate-id-node.xml": ["Zeile 11", "'xdf:id'", "mehrfach"],
    "v3/empty-id-node.xml": ["Zeile 10", "'xdf:id' ist leer"],
    "v3/missing-id-node.xml": ["Zeile 9", "ohne 'xdf:id'"],
    "v3/unexpected-node.xml": ["Zeile 11", "Unerwartetes Element 'xdf:unknown'", "'xdf:identifikation'"],
    "v3/invalid-freigabestatus.xml": ["Zeile 17", "Ungültiger Freigabestatus '10'"],
    "v3/unknown-namespace.xml": ["Zeile 3", "Unbekannter XDatenfelder-Namespace"],
    # not schema-valid: <xdf:inhalt> twice (an empty one, then "Some Content")
    "v3/input.xml": ["Zeile 64", "'xdf:inhalt'", "mehrfach"],
}
FIXTURE_OK = {"v2/simple.xml", "v2/label.xml", "v2/select.xml", "v2/data-field-rule.xml", "v3/simple.xml"}


def test_every_fixture_is_covered():
    on_disk = {f"{p.parent.name}/{p.name}" for p in FIXTURES.glob("v*/*.xml")}
    assert on_disk == set(FIXTURE_ERRORS) | FIXTURE_OK


@pytest.mark.parametrize("name", sorted(FIXTURE_ERRORS))
def test_broken_fixture_fails_with_clear_message(name):
    with pytest.raises(FimImportError) as excinfo:
        fim_import(xml=(FIXTURES / name).read_bytes())
    for part in FIXTURE_ERRORS[name]:
        assert part in str(excinfo.value)


@pytest.mark.parametrize("name", sorted(FIXTURE_OK))
def test_good_fixture_imports_to_valid_definition(name):
    result = fim_import(xml=(FIXTURES / name).read_bytes())
    assert definition_errors(document=result.definition) == []
    assert result.standard_version == int(name[1])


def test_v2_simple():
    result = fim_import(xml=(FIXTURES / "v2/simple.xml").read_bytes())
    definition = result.definition
    assert (definition["key"], definition["title"]) == ("test", "Test")
    assert definition["description"] == "Eine Beschreibung"
    field = fields_of(definition)["f60000227"]
    assert field["label"] == "Familienname" and field["required"] is True
    assert (field["min_length"], field["max_length"], field["help"]) == (1, 120, "Hilfe Eingabe")
    assert field["x-fim"] == {"id": "F60000227", "version": "1.1", "anzahl": "1:1"}
    # schema-level rule carried as documentation, script not executed
    assert "Regel R60000037 Version 1.2 „MindestEineAngabe“" in definition["documentation"]
    assert "Skript (nicht ausgeführt): function script() {}" in definition["documentation"]


def test_v2_label_becomes_info_text():
    field = fields_of(fim_import(xml=(FIXTURES / "v2/label.xml").read_bytes()).definition)["f123"]
    assert (field["type"], field["text"]) == ("info", "Hinweis Inhalt")
    assert "required" not in field


def test_v2_select_with_code_list_reference():
    result = fim_import(xml=(FIXTURES / "v2/select.xml").read_bytes())
    field = fields_of(result.definition)["f123"]
    assert field["type"] == "choice" and field["codelist"] == "example"
    assert field["x-fim"]["codelist"] == "urn:de:example" and field["x-fim"]["codelist_version"] == "1"
    assert result.definition["codelists"] == {"example": []}
    assert result.missing_codelists == [
        {
            "key": "example",
            "urn": "urn:de:example",
            "requested_version": "1",
            "fields": ["F123"],
            "status": "missing",
            "version": "",
        }
    ]
    assert any("urn:de:example, Version 1 fehlt im Codelisten-Bestand" in w for w in result.warnings)
    # with the list in the store (here: a lookup returning it) the options are real
    values = CodelistValues(
        urn="urn:de:example",
        version="2",
        requested_version="1",
        name="Beispiel",
        options=[{"value": "a", "label": "Alpha"}],
    )
    result = fim_import(xml=(FIXTURES / "v2/select.xml").read_bytes(), codelist_lookup=lambda urn, version: values)
    assert result.definition["codelists"] == {"example": [{"value": "a", "label": "Alpha"}]}
    assert result.codelists[0]["status"] == "fallback"
    assert any("verwendet wird Version 2 derselben Kennung" in w for w in result.warnings)
    assert definition_publish_errors(document=result.definition) == []


def test_v2_field_rule_is_documentation():
    field = fields_of(fim_import(xml=(FIXTURES / "v2/data-field-rule.xml").read_bytes()).definition)["f123"]
    assert "Regel R60000037" in field["documentation"]
    assert "function script() {}" in field["documentation"]


def test_rules_of_schema_and_group_are_parsed():
    schema = fim_parse(xml=(FIXTURES / "v2/rule.xml").read_bytes())
    assert [(r.id, r.version, r.script) for r in schema.rules] == [("R60000037", "1.2", "function script() {}")]
    schema = fim_parse(xml=(FIXTURES / "v2/data-group-rule.xml").read_bytes())
    assert [r.id for r in schema.children[0].element.rules] == ["R60000037"]


def test_v3_datenfeldgruppe_message():
    result = fim_import(xml=(FIXTURES / "v3/simple.xml").read_bytes())
    definition = result.definition
    assert definition["title"] == "Anschrift Inland"
    assert definition["x-fim"]["message"] == "xdatenfelder.datenfeldgruppe.0103"
    assert [s["key"] for s in definition["steps"]] == ["schritt_g60000000086"]
    field = fields_of(definition)["f60000000243"]
    assert field["required"] is True  # 1:1 inside the optional (0:1) group: required once the group is started
    assert groups_of(definition)["g60000000086"]["optional_sets"] == ["g60000000086"]
    assert definition["x-fim"]["rules"][0]["status"] == "reported"  # names G60000087, which the file lacks
    assert (field["min_length"], field["max_length"]) == (1, 55)
    assert field["help"] == "Geben Sie an, wie die Straße heißt."
    assert "Es muss entweder Feldgruppe G60000086" in field["documentation"]
    assert "Skript (nicht ausgeführt): some script content" in field["documentation"]
    assert "R60000000019" in definition["documentation"]  # the root group's rule


def test_v3_praezisierung_attributes():
    # input.xml without its duplicate <xdf:inhalt/> and as an input field
    xml = (FIXTURES / "v3/input.xml").read_bytes().replace(b"<xdf:inhalt/>", b"", 1)
    schema = fim_parse(xml=xml)
    constraints = schema.children[0].element.constraints
    assert (constraints.min_length, constraints.max_length) == (0, 1)
    assert (constraints.min_value, constraints.max_value, constraints.pattern) == ("0", "1", "abc")
    assert constraints.text == "Constraints"
    # as a select without values or list: a choice whose (empty) list blocks publishing
    result = fim_import(xml=xml)
    field = fields_of(result.definition)["f60000000243"]
    assert field["type"] == "choice" and result.definition["codelists"][field["codelist"]] == []
    assert definition_publish_errors(document=result.definition)
    assert definition_errors(document=result.definition) == []
    # as an input: constraints become min/max length and an anchored pattern
    xml_input = xml.replace(b"<code>select</code>", b"<code>input</code>")
    field = fields_of(fim_import(xml=xml_input).definition)["f60000000243"]
    assert (field["type"], field["max_length"], field["pattern"]) == ("text", 1, "^(?:abc)$")
    assert "minValue=0" in field["documentation"] and "Präzisierung: Constraints" in field["documentation"]


def test_v3_embedded_values_become_options():
    xml = (FIXTURES / "v3/input.xml").read_bytes().replace(b"<xdf:inhalt/>", b"", 1)
    werte = (
        b"<xdf:werte><xdf:wert><xdf:code>01</xdf:code><xdf:name>Herr</xdf:name></xdf:wert>"
        b"<xdf:wert><xdf:code>02</xdf:code><xdf:name>Frau</xdf:name></xdf:wert></xdf:werte>"
    )
    xml = xml.replace(b"<xdf:codelisteReferenz>\n                    </xdf:codelisteReferenz>", werte)
    field = fields_of(fim_import(xml=xml).definition)["f60000000243"]
    assert field["options"] == [{"value": "01", "label": "Herr"}, {"value": "02", "label": "Frau"}]
    assert "codelist" not in field


# -- mapping rules ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("feldart", "datentyp", "expected"),
    [
        ("input", "text", "text"),
        ("input", "text_latin", "text"),
        ("input", "date", "date"),
        ("input", "bool", "boolean"),
        ("input", "num", "decimal"),
        ("input", "num_int", "integer"),
        ("input", "num_currency", "currency"),
        ("input", "file", "file"),
        ("input", "obj", "file"),
        ("input", "time", "text"),
        ("select", "text", "choice"),
        ("select", "bool", "boolean"),
        ("label", "text", "info"),
        ("label", "date", "info"),
        ("locked", "text", "info"),
    ],
)
def test_field_type_map(feldart, datentyp, expected):
    assert field_type_map(input_kind=feldart, data_type=datentyp, has_options=False)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0:1", (0, 1)), ("1:1", (1, 1)), ("0:*", (0, None)), ("1:5", (1, 5)), (" 2 : * ", (2, None))],
)
def test_multiplicity_parse(text, expected):
    assert multiplicity_parse(text=text) == expected


@pytest.mark.parametrize("text", ["", "1", "1-2", "a:b", "3:1", "*:1"])
def test_multiplicity_parse_rejects(text):
    with pytest.raises(FimImportError, match="Multiplizität"):
        multiplicity_parse(text=text, line=7)


def test_praezisierung_text_parse():
    assert praezisierung_text_parse('{"minLength":"1","maxLength":"250"}') == {"minLength": "1", "maxLength": "250"}
    assert praezisierung_text_parse("{minLength: 2, maxLength: '20'}") == {"minLength": "2", "maxLength": "20"}
    assert praezisierung_text_parse("Anrede") is None  # v1: the code list's name


def test_pattern_and_slug_helpers():
    assert pattern_normalise("[0-9]{5}") == "^(?:[0-9]{5})$"
    assert pattern_normalise("^[A-Z]+$") == "^[A-Z]+$"
    assert pattern_normalise("([a-z") is None
    assert slugify("Waffenbesitzkarte (WBK grün)") == "waffenbesitzkarte-wbk-gruen"
    assert slugify("Straße & Maß", separator="_") == "strasse_mass"


def test_field_multiplicity_and_required():
    xml = schema(
        struct(
            "1:1",
            group(
                "G1",
                "Person",
                struct("1:1", field("F1", "Pflicht")),
                struct("0:1", field("F2", "Freiwillig")),
                struct("0:*", field("F3", "Weitere Namen")),
                struct("1:5", field("F4", "Telefon")),
                struct("0:*", field("F5", "Sprachen", feldart="select", extra=CODELIST_REF)),
            ),
        )
    )
    result = fim(xml)
    definition = result.definition
    assert definition_errors(document=definition) == []
    fields = fields_of(definition)
    assert fields["f1"]["required"] is True
    assert "required" not in fields["f2"]
    groups = groups_of(definition)
    assert groups["f3_liste"]["repeat"] == {"min": 0, "max": 99, "item_label": "Weitere Namen"}
    assert groups["f4_liste"]["repeat"] == {"min": 1, "max": 5, "item_label": "Telefon"}
    assert fields["f5"]["type"] == "multichoice" and "required" not in fields["f5"]
    assert [g["key"] for g in definition["steps"][0]["groups"]] == ["g1", "f3_liste", "f4_liste"]
    assert any("F3" in w and "begrenzt auf 99" in w for w in result.warnings)


CODELIST_REF = """<xdf:codelisteReferenz><xdf:identifikation><xdf:id>C1</xdf:id></xdf:identifikation>
<xdf:genericodeIdentification><xdf:canonicalIdentification>urn:de:test:sprachen</xdf:canonicalIdentification>
<xdf:version>2</xdf:version></xdf:genericodeIdentification></xdf:codelisteReferenz>"""


def test_group_nesting_repeat_and_optional():
    xml = schema(
        struct(
            "1:1",
            group(
                "G1",
                "Antragsteller",
                struct(
                    "1:1",
                    group(
                        "G2",
                        "Name",
                        struct("1:1", field("F1", "Familienname")),
                        struct("1:1", group("G3", "Vorname", struct("1:1", field("F2", "Rufname")))),
                    ),
                ),
                struct("0:1", group("G4", "Titel", struct("1:1", field("F3", "Titel")))),
            ),
        ),
        struct(
            "1:3",
            group(
                "G5",
                "Kind",
                struct("1:1", field("F4", "Name des Kindes")),
                struct("0:1", group("G6", "Schule", struct("1:1", field("F5", "Schulname")))),
                struct("0:*", group("G7", "Geschwister", struct("1:1", field("F6", "Name")))),
                struct("0:*", field("F7", "Allergie")),
            ),
        ),
    )
    result = fim(xml)
    definition = result.definition
    assert definition_errors(document=definition) == []
    groups = groups_of(definition)
    assert groups["g2"]["title"] == "Name"
    assert groups["g3"]["title"] == "Name – Vorname"
    # optional group: its field stays mandatory, but only once the group is started (optional_sets)
    assert groups["g4"]["fields"][0]["required"] is True and groups["g4"]["optional_sets"] == ["g4"]
    assert fields_of(definition)["f2"]["required"] is True
    kind = groups["g5"]
    assert kind["repeat"] == {"min": 1, "max": 3, "item_label": "Kind"}
    assert [f["key"] for f in kind["fields"]] == ["f4", "f5"]
    assert kind["fields"][0]["required"] is True
    assert "required" not in kind["fields"][1]  # from the optional group G6
    # Repetition inside the rows becomes nested groups of each row (ADR 0027), not a field asked once.
    nested = {sub["key"]: sub for sub in kind["subgroups"]}
    assert list(nested) == ["g7", "f7_liste"]
    assert nested["g7"]["repeat"]["min"] == 0 and nested["g7"]["repeat"]["item_label"] == "Geschwister"
    assert [f["key"] for f in nested["g7"]["fields"]] == ["f6"] and nested["g7"]["fields"][0]["required"] is True
    assert [f["key"] for f in nested["f7_liste"]["fields"]] == ["f7"]
    assert not any("verschachtelte" in w for w in result.warnings)
    merged = {e.fim_id: (e.target, e.key) for e in result.elements if e.kind == "datenfeldgruppe"}
    assert merged["G6"] == ("merged", "g5") and merged["G5"] == ("group", "g5") and merged["G1"][0] == "step"


def test_constraints_by_type():
    xml = schema(
        struct(
            "1:1",
            group(
                "G1",
                "Angaben",
                struct(
                    "1:1", field("F1", "Anzahl", datentyp="num_int", praezisierung='{"minValue":"1","maxValue":"10"}')
                ),
                struct("1:1", field("F2", "Betrag", datentyp="num_currency", praezisierung='{"maxValue":"99.50"}')),
                struct(
                    "1:1",
                    field(
                        "F3", "Beginn", datentyp="date", praezisierung='{"minValue":"2020-01-01","maxValue":"morgen"}'
                    ),
                ),
                struct("1:1", field("F4", "PLZ", praezisierung='{"pattern":"[0-9]{5}","maxLength":"5"}')),
                struct("1:1", field("F5", "Begründung", praezisierung='{"maxLength":"2000"}')),
                struct("0:1", field("F6", "Nachweis", datentyp="file")),
                struct("1:1", field("F7", "Uhrzeit", datentyp="time")),
                struct("1:1", field("F8", "Einverstanden", datentyp="bool")),
                struct("1:1", field("F9", "Versteckt", feldart="hidden")),
                struct("1:1", field("F10", "Ungültiges Muster", praezisierung='{"pattern":"([a-"}')),
            ),
        )
    )
    result = fim(xml)
    assert definition_errors(document=result.definition) == []
    fields = fields_of(result.definition)
    assert (fields["f1"]["type"], fields["f1"]["min"], fields["f1"]["max"]) == ("integer", 1, 10)
    assert (fields["f2"]["type"], fields["f2"]["max"]) == ("currency", 99.5)
    assert (fields["f3"]["min"], "max" in fields["f3"]) == ("2020-01-01", False)
    assert "maxValue=morgen" in fields["f3"]["documentation"]
    assert (fields["f4"]["pattern"], fields["f4"]["max_length"]) == ("^(?:[0-9]{5})$", 5)
    assert fields["f5"]["type"] == "textarea"
    assert fields["f6"]["file"] == {"types": ["pdf", "jpeg", "png"], "max_size_mb": 10}
    assert fields["f7"]["pattern"].startswith("^") and "hh:mm" in fields["f7"]["pattern_message"]
    assert fields["f8"]["type"] == "boolean"
    assert "f9" not in fields
    assert "pattern" not in fields["f10"] and "pattern=([a-" in fields["f10"]["documentation"]
    skipped = [e.fim_id for e in result.elements if e.target == "skipped"]
    assert skipped == ["F9"]
    assert any("F9" in w and "nicht übernommen" in w for w in result.warnings)


def test_top_level_fields_and_key_options():
    xml = schema(struct("1:1", field("F1", "Name")), struct("0:1", field("F2", "E-Mail")), name="Nur Felder")
    result = fim(xml, key="mein-antrag", leistung="99102013001000")
    definition = result.definition
    assert (definition["key"], definition["leistung"]) == ("mein-antrag", "99102013001000")
    assert [(s["key"], s["title"]) for s in definition["steps"]] == [("nur_felder", "Nur Felder")]
    with pytest.raises(FimImportError, match="Ungültiger Schlüssel"):
        fim(xml, key="Mein Antrag")
    with pytest.raises(FimImportError, match="LeiKa"):
        fim(xml, leistung="123")


def test_unknown_metadata_element_is_a_warning_not_an_error():
    xml = schema(struct("1:1", field("F1", "Name", extra="<xdf:neuesMerkmal>x</xdf:neuesMerkmal>")))
    result = fim(xml)
    assert "f1" in fields_of(result.definition)
    assert any("'xdf:neuesMerkmal'" in w and "ignoriert" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        (schema(struct("1-1", field("F1"))), "Ungültige Multiplizität '1-1'"),
        (schema(struct("1:1", field("F1", feldart="slider"))), "Unbekannte Feldart 'slider'"),
        (schema(struct("1:1", field("F1", datentyp="blob"))), "Unbekannter Datentyp 'blob'"),
        (
            schema(struct("1:1", "<xdf:datenfeld><xdf:name>Ohne</xdf:name></xdf:datenfeld>")),
            "Element 'xdf:datenfeld' ohne Identifikation",
        ),
        (schema("<xdf:struktur><xdf:anzahl>1:1</xdf:anzahl></xdf:struktur>"), "ohne 'xdf:enthaelt'"),
        (schema(struct("1:1", field("F1") + field("F2"))), "genau ein"),
    ],
)
def test_structural_problems_are_named_with_line(xml, expected):
    with pytest.raises(FimImportError) as excinfo:
        fim(xml)
    assert expected in str(excinfo.value)
    assert str(excinfo.value).startswith("Zeile ")
    assert excinfo.value.line


# -- safe parsing -----------------------------------------------------------------------------------------------

XXE = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY geheim SYSTEM "file://{path}">]>
<xdf:xdatenfelder.stammdatenschema.0102 xmlns:xdf="urn:xoev-de:fim:standard:xdatenfelder_2">
<xdf:stammdatenschema><xdf:name>&geheim;</xdf:name></xdf:stammdatenschema>
</xdf:xdatenfelder.stammdatenschema.0102>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xdf:xdatenfelder.stammdatenschema.0102 xmlns:xdf="urn:xoev-de:fim:standard:xdatenfelder_2">
<xdf:stammdatenschema><xdf:name>&lol9;</xdf:name></xdf:stammdatenschema>
</xdf:xdatenfelder.stammdatenschema.0102>"""


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "geheim.txt"
    path.write_text("STRENG-GEHEIM-4711")
    return path


def test_external_entity_is_rejected(secret_file):
    with pytest.raises(FimImportError, match="DOCTYPE") as excinfo:
        fim_import(xml=XXE.format(path=secret_file).encode())
    assert "STRENG-GEHEIM" not in str(excinfo.value)


def test_external_entity_is_never_loaded(secret_file):
    # The parser neither loads the entity nor lets the DTD through (no byte pre-check involved).
    with pytest.raises(FimImportError, match="DOCTYPE") as excinfo:
        fim_import(xml=XXE.format(path=secret_file).encode())
    assert "STRENG-GEHEIM" not in str(excinfo.value)


def test_network_entity_is_rejected():
    xml = XXE.replace("file://{path}", "http://127.0.0.1:9/xxe").encode()
    with pytest.raises(FimImportError, match="DOCTYPE"):
        fim_import(xml=xml)


def test_entity_bomb_is_rejected():
    # Entities are never expanded; the DOCTYPE is found after parsing (or libxml2's own limit stops it first).
    with pytest.raises(FimImportError, match="DOCTYPE|entity amplification"):
        fim_import(xml=BILLION_LAUGHS.encode())


def test_utf16_doctype_is_rejected(secret_file):
    with pytest.raises(FimImportError, match="DOCTYPE"):
        fim_import(
            xml=XXE.format(path=secret_file)
            .replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
            .encode("utf-16")
        )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "Die Datei ist leer."),
        (b"  \n ", "Die Datei ist leer."),
        (b"Hallo Welt", "kein wohlgeformtes XML"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "kein wohlgeformtes XML"),
        (b"<a><b></a>", "kein wohlgeformtes XML"),
        (b"<html><body/></html>", "Keine XDatenfelder-Nachricht: Wurzelelement 'html' unbekannt"),
        (
            b'<xdf:xdatenfelder.codeliste.0102 xmlns:xdf="urn:xoev-de:fim:standard:xdatenfelder_2"/>',
            "Nachrichtentyp 'xdatenfelder.codeliste.0102' wird nicht unterstützt",
        ),
        (
            b'<xdf:xdatenfelder.stammdatenschema.0102 xmlns:xdf="urn:xoev-de:fim:standard:xdatenfelder_2"/>',
            "enthält kein Element 'xdf:stammdatenschema'",
        ),
    ],
)
def test_not_an_xdatenfelder_file(data, expected):
    with pytest.raises(FimImportError) as excinfo:
        fim_import(xml=data)
    assert expected in str(excinfo.value)


def test_oversized_file_is_rejected(monkeypatch):
    monkeypatch.setattr(safe_xml, "MAX_XML_BYTES", 100)
    with pytest.raises(FimImportError, match="zu groß"):
        fim_import(xml=WABEKA.read_bytes())


# -- issue 11: optional groups, labels, rules, Leistung from the schema -----------------------------------------


def _rule(ident: str, name: str, text: str) -> str:
    return (
        f"<xdf:regel><xdf:identifikation><xdf:id>{ident}</xdf:id><xdf:version>1</xdf:version></xdf:identifikation>"
        f"<xdf:name>{escape(name)}</xdf:name><xdf:definition>{escape(text)}</xdf:definition></xdf:regel>"
    )


def _address_schema(extra: str = "") -> bytes:
    return schema(
        struct("1:1", field("F9", "Name")),
        struct(
            "0:1",
            group(
                "G10",
                "Anschrift",
                struct("1:1", field("F10", "Strasse")),
                struct("0:1", field("F11", "HausnummerZusatz")),
                struct("0:1", group("G11", "ZeileAnschrift", struct("1:1", field("F12", "ZeileAnschrift")))),
            ),
        ),
        extra=extra,
    )


def test_optional_group_requires_its_mandatory_fields_once_started():
    definition = fim(_address_schema()).definition
    assert definition_errors(document=definition) == []
    groups = groups_of(definition)
    assert groups["g10"]["optional_sets"] == ["g10"] and groups["g11"]["optional_sets"] == ["g10", "g11"]
    assert "freiwillig" in groups["g10"]["intro"]
    form = form_from_document(document=definition)
    step = definition["steps"][-1]["key"]
    assert step_validate(form=form, step_key=step, answers={}) == {}  # untouched: optional
    started = step_validate(form=form, step_key=step, answers={"f11": "a"})
    assert set(started) == {"f10"}  # started: Straße is required, the untouched nested 0:1 group is not
    nested = step_validate(form=form, step_key=step, answers={"f10": "Hauptstraße", "f12": ""})
    assert nested == {}
    assert step_validate(form=form, step_key=step, answers={"f10": "Hauptstraße", "f12": "Hinterhaus"}) == {}


def test_technical_names_become_readable_labels():
    assert label_humanise("ZeileAnschrift") == "Anschriftzeile"
    assert label_humanise("WeitereAngaben") == "Weitere Angaben"
    assert label_humanise("Name der Person") == "Name der Person"
    fields = fields_of(fim(_address_schema()).definition)
    assert fields["f12"]["label"] == "Anschriftzeile"
    assert fields["f11"]["label"] == "Hausnummernzusatz"
    assert "ZeileAnschrift" in fields["f12"]["documentation"]  # the technical name stays traceable


def test_machine_readable_rules_become_step_logic_others_are_reported():
    xml = schema(
        struct(
            "1:1",
            group(
                "G20",
                "Kontakt",
                struct("0:1", group("G60000021", "Telefon", struct("0:1", field("F21", "Telefonnummer")))),
                struct("0:1", group("G60000022", "E-Mail", struct("0:1", field("F22", "E-Mail-Adresse")))),
                extra=_rule(
                    "R1",
                    "Telefon oder E-Mail",
                    'Es muss entweder Feldgruppe G60000000021 "Telefon" oder Feldgruppe G60000022 "E-Mail" '
                    "befüllt werden.",
                )
                + _rule("R2", "Plausibel", "Das Datum muss in der Zukunft liegen."),
            ),
        )
    )
    result = fim(xml)
    rules = {r["id"]: r for r in result.rules}
    assert rules["R1"]["status"] == "logic" and rules["R2"]["status"] == "reported"
    assert "nicht maschinell auswertbar" in rules["R2"]["reason"]
    definition = result.definition
    assert definition_errors(document=definition) == []
    form = form_from_document(document=definition)
    step = next(s for s in definition["steps"] if s.get("rules"))
    assert step["rules"][0]["message"] == "Bitte füllen Sie entweder „Telefon“ oder „E-Mail“ aus, nicht beides."
    assert step_validate(form=form, step_key=step["key"], answers={"f21": "0351 1"}) == {}
    both = step_validate(form=form, step_key=step["key"], answers={"f21": "0351 1", "f22": "a@example.org"})
    assert both == {"f21": step["rules"][0]["message"]}
    assert step_validate(form=form, step_key=step["key"], answers={}) == {"f21": step["rules"][0]["message"]}


def test_leistung_from_the_schema_or_given_on_import():
    named = schema(struct("1:1", field("F1", "Name")), extra="<xdf:bezug>LeiKa 99102013000000</xdf:bezug>")
    result = fim(named)
    assert (result.definition["leistung"], result.leistung_source) == ("99102013000000", "schema")
    result = fim(named, leistung="99089086000000")
    assert (result.definition["leistung"], result.leistung_source) == ("99089086000000", "given")
    assert any("nennt die Leistung 99102013000000" in w for w in result.warnings)
    plain = fim(schema(struct("1:1", field("F1", "Name"))))
    assert "leistung" not in plain.definition and plain.leistung_source == ""


def test_xsd_patterns_with_unicode_categories_are_enforced():
    xml = schema(
        struct("1:1", field("F1", "Familienname", praezisierung='{"maxLength":"60","pattern":"[\\\\p{L} \\\\-]+"}')),
        struct("0:1", field("F2", "Kennung", praezisierung='{"pattern":"\\\\i\\\\c*"}')),
    )
    result = fim(xml)
    fields = fields_of(result.definition)
    assert fields["f1"]["pattern"].startswith("^(?:[A-Za-z") and fields["f1"]["max_length"] == 60
    form = form_from_document(document=result.definition)
    step = result.definition["steps"][0]["key"]
    assert step_validate(form=form, step_key=step, answers={"f1": "Müller-Lüdenscheidt"}) == {}
    assert "f1" in step_validate(form=form, step_key=step, answers={"f1": "R2-D2"})
    assert "pattern" not in fields["f2"]  # XML name classes cannot be translated: documented and reported
    assert any("F2" in w and "Muster" in w for w in result.warnings)


def test_conditional_requirement_rule_becomes_when_and_required():
    # the phrasing of the Bewohnerparkausweis schema (S05000058, rule R05000281)
    reference = (
        "<xdf:codelisteReferenz><xdf:identifikation><xdf:id>C1</xdf:id></xdf:identifikation>"
        "<xdf:genericodeIdentification><xdf:canonicalIdentification>urn:test:halter</xdf:canonicalIdentification>"
        "<xdf:version>1</xdf:version></xdf:genericodeIdentification></xdf:codelisteReferenz>"
    )
    rule = _rule(
        "R05000281",
        "Angaben zur Fahrzeughalterin, zum Fahrzeughalter",
        'Wenn bei F05001047 "02 Das Fahrzeug ist auf einen anderen Halter zugelassen." angegeben wird, dann '
        "wird G05000499 zur Pflichtangabe.",
    )
    xml = schema(
        struct("1:1", field("F05001047", "Halterdaten", feldart="select", extra=reference)),
        struct("0:1", group("G05000499", "Fahrzeughalter", struct("1:1", field("F05000001", "Name des Halters")))),
        extra=rule,
    )
    values = CodelistValues(
        urn="urn:test:halter",
        version="1",
        requested_version="1",
        name="Halterdaten",
        options=[{"value": "01", "label": "Ich bin Halter."}, {"value": "02", "label": "Anderer Halter."}],
    )
    result = fim(xml, codelist_lookup=lambda urn, version: values)
    assert result.rules[0]["status"] == "logic", result.rules
    definition = result.definition
    assert definition_errors(document=definition) == []
    halter = groups_of(definition)["g05000499"]
    assert halter["when"] == {"==": [{"var": "f05001047"}, "02"]}
    assert "optional_sets" not in halter and "freiwillig" not in halter.get("intro", "")
    form = form_from_document(document=definition)
    step = next(s["key"] for s in definition["steps"] if any(g["key"] == "g05000499" for g in s["groups"]))
    hidden = step_validate(form=form, step_key=step, answers={"f05001047": "01"})
    assert "f05000001" not in hidden  # not asked: the vehicle is the applicant's
    errors = step_validate(form=form, step_key=step, answers={"f05001047": "02"})
    assert errors == {"f05000001": "Bitte füllen Sie das Feld „Name des Halters“ aus."}
    # a code the list does not have: reported, not guessed
    wrong = fim(xml.replace(b'"02 Das', b'"07 Das'), codelist_lookup=lambda urn, version: values)
    assert wrong.rules[0]["status"] == "reported" and "'07'" in wrong.rules[0]["reason"]


def test_code_list_version_comes_from_the_genericode_identification():
    reference = (
        "<xdf:codelisteReferenz><xdf:identifikation><xdf:id>C1</xdf:id><xdf:version>1.0</xdf:version>"
        "</xdf:identifikation><xdf:genericodeIdentification><xdf:canonicalIdentification>urn:test:liste"
        "</xdf:canonicalIdentification><xdf:version>2024-08-01</xdf:version></xdf:genericodeIdentification>"
        "</xdf:codelisteReferenz>"
    )
    parsed = fim_parse(xml=schema(struct("1:1", field("F1", "Staat", feldart="select", extra=reference))))
    codelist = parsed.children[0].element.codelist
    assert (codelist.urn, codelist.version) == ("urn:test:liste", "2024-08-01")
