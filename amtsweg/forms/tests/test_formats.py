import copy

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from lxml import etree

from amtsweg.forms.engine import answers_finalize, form_from_document
from amtsweg.forms.formats import XML_NAMESPACE, data_json_schema, data_xml, data_xsd
from amtsweg.forms.services import definition_load

pytestmark = pytest.mark.django_db
NS = {"a": XML_NAMESPACE}

GOOD = {
    "anlass": "anmeldung",
    "wohnsitz_hier": True,
    "vorname": "Erika",
    "nachname": "Mustermann",
    "geburtsdatum": "1980-02-01",
    "anschrift": {"street": "Hauptstraße", "house_number": "1", "postal_code": "09599", "city": "Freiberg"},
    "email": "erika@example.org",
    "hund": [
        {
            "hund_name": "Bello",
            "hund_rasse": "Dackel",
            "hund_seit": "2024-01-01",
            "hund_gefaehrlich": False,
            "hund_herkunft": "tierheim",
        },
        {
            "hund_name": "Rex & Co <1>",
            "hund_rasse": "Mix",
            "hund_seit": "2024-02-01",
            "hund_gefaehrlich": True,
            "hund_gutachten": {"name": "gutachten.pdf", "size": 1234, "type": "pdf", "ref": "u-1"},
        },
    ],
    "befreiung_beantragt": True,
    "befreiung_gruende": ["tierheim", "sozial"],
    "lastschrift": True,
    "iban": "DE89370400440532013000",
    "erster_faelligkeitsbetrag": "50.00",
}


@pytest.fixture
def version(hundesteuer):
    return definition_load(document=hundesteuer, publish=True)


@pytest.fixture
def good(version):
    return answers_finalize(form=form_from_document(document=version.document), answers=GOOD)


def validator(version):
    schema = data_json_schema(version=version)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def test_json_schema_accepts_good_answers(version, good):
    assert good["steuer_betrag"] == "240.00"
    assert list(validator(version).iter_errors(good)) == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"anlass": "umzug"}, ["anlass"]),
        ({"wohnsitz_hier": "ja"}, ["wohnsitz_hier"]),
        ({"geburtsdatum": "01.02.1980"}, ["geburtsdatum"]),
        ({"email": "keine-mail"}, ["email"]),
        ({"iban": "de89 3704"}, ["iban"]),
        ({"erster_faelligkeitsbetrag": "50"}, ["erster_faelligkeitsbetrag"]),
        ({"befreiung_gruende": ["tierheim", "tierheim"]}, ["befreiung_gruende"]),
        ({"anschrift": {"street": "X", "postal_code": "1", "city": "Y"}}, ["anschrift", "postal_code"]),
        ({"hund": []}, ["hund"]),
        ({"hund": [{"hund_name": "A"}] * 6}, ["hund"]),
        ({"unbekannt": 1}, []),
        ({"vorname": "x" * 61}, ["vorname"]),
    ],
)
def test_json_schema_rejects_bad_answers(version, good, change, path):
    errors = list(validator(version).iter_errors({**good, **change}))
    assert errors and any(list(e.absolute_path)[: len(path)] == path for e in errors), errors


def test_json_schema_requires_unconditional_required_fields(version, good):
    schema = data_json_schema(version=version)
    assert {"anlass", "wohnsitz_hier", "vorname", "nachname", "anschrift", "email"} <= set(schema["required"])
    assert "hund" not in schema["required"]  # its step has a condition
    assert schema["properties"]["hund"]["items"]["required"] == [
        "hund_name",
        "hund_rasse",
        "hund_seit",
        "hund_gefaehrlich",
    ]
    missing = {k: v for k, v in good.items() if k != "vorname"}
    assert any(e.validator == "required" for e in validator(version).iter_errors(missing))


def test_xml_is_well_formed_and_structured(version, good):
    xml = data_xml(version=version, answers=good)
    root = etree.fromstring(xml)
    assert root.tag == f"{{{XML_NAMESPACE}}}antrag"
    assert (root.get("formular"), root.get("version"), root.get("leika")) == (
        "hundesteuer-anmeldung",
        "1",
        "99102013000000",
    )
    groups = [etree.QName(e).localname for e in root]
    assert groups == ["anliegen_gruppe", "person", "hund", "hund", "befreiung_gruppe", "steuer", "zahlweise_gruppe"]
    dogs = root.findall("a:hund", NS)
    assert [d.findtext("a:hund_name", namespaces=NS) for d in dogs] == ["Bello", "Rex & Co <1>"]
    assert dogs[1].findtext("a:hund_gefaehrlich", namespaces=NS) == "true"
    assert dogs[1].find("a:hund_gutachten", NS).attrib == {
        "name": "gutachten.pdf",
        "size": "1234",
        "type": "pdf",
        "ref": "u-1",
    }
    assert root.findtext("a:person/a:anschrift/a:postal_code", namespaces=NS) == "09599"
    assert [w.text for w in root.findall("a:befreiung_gruppe/a:befreiung_gruende/a:wert", NS)] == ["tierheim", "sozial"]
    assert root.findtext("a:steuer/a:steuer_betrag", namespaces=NS) == "240.00"
    assert root.find("a:befreiung_gruppe/a:befreiung_info", NS) is None  # info fields carry no data
    assert b"Rex &amp; Co &lt;1&gt;" in xml


def test_xml_validates_against_generated_xsd(version, good):
    schema = etree.XMLSchema(etree.fromstring(data_xsd(version=version)))
    document = etree.fromstring(data_xml(version=version, answers=good))
    assert schema.validate(document), schema.error_log
    minimal = etree.fromstring(data_xml(version=version, answers={"anlass": "anmeldung"}))
    assert schema.validate(minimal), schema.error_log


def test_xsd_rejects_wrong_data(version, good):
    schema = etree.XMLSchema(etree.fromstring(data_xsd(version=version)))
    bad = copy.deepcopy(good)
    bad["hund"] = bad["hund"] * 3  # six dogs, max is five
    assert not schema.validate(etree.fromstring(data_xml(version=version, answers=bad)))
    bad = {**good, "anlass": "umzug"}
    assert not schema.validate(etree.fromstring(data_xml(version=version, answers=bad)))


def test_xml_drops_characters_xml_cannot_carry(version):
    xml = data_xml(version=version, answers={"vorname": "Eri\x00ka\x1b"})
    assert etree.fromstring(xml).findtext(f"{{{XML_NAMESPACE}}}person/{{{XML_NAMESPACE}}}vorname") == "Erika"
