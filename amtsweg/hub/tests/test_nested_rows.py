"""Nested repeatable groups (ADR 0027) through the hub: the API's data XML and JSON mappings keep whose row is whose."""

import json

from lxml import etree

from amtsweg.forms.formats import XML_NAMESPACE
from amtsweg.hub.api_xml import api_data_xml
from amtsweg.hub.transform import jsonmap_apply

DATA = {
    "aktenzeichen": "AZ-1",
    "person": [
        {"vorname": "Ada", "anschrift": [{"ort": "Pirna"}, {"ort": "Dresden"}], "staat": ["deutsch", "polnisch"]},
        {"vorname": "Bo", "anschrift": [{"ort": "Leipzig", "plz": "04109"}]},
    ],
}


def test_api_data_xml_nests_rows_inside_their_row():
    root = etree.fromstring(api_data_xml(data=DATA, leika_key="99102013000000"))
    ns = {"a": XML_NAMESPACE}
    persons = root.findall("a:person", ns)
    assert [p.findtext("a:vorname", namespaces=ns) for p in persons] == ["Ada", "Bo"]
    assert [a.findtext("a:ort", namespaces=ns) for a in persons[0].findall("a:anschrift", ns)] == ["Pirna", "Dresden"]
    assert persons[1].find("a:anschrift/a:plz", ns).text == "04109"
    assert persons[0].findtext("a:staat", namespaces=ns) == "deutsch, polnisch"
    assert root.find("a:angaben/a:aktenzeichen", ns).text == "AZ-1"


def test_json_mapping_reads_nested_rows_by_index():
    mapping = {
        "fields": [
            {"target": "antragsteller.wohnort", "source": "data.person.0.anschrift.1.ort", "required": True},
            {"target": "mitantragsteller.wohnort", "source": "data.person.1.anschrift.0.ort"},
            {"target": "fehlt", "source": "data.person.1.anschrift.3.ort"},
        ]
    }
    out = json.loads(jsonmap_apply(mapping_text=json.dumps(mapping), context={"meta": {}, "data": DATA}))
    assert out == {"antragsteller": {"wohnort": "Dresden"}, "mitantragsteller": {"wohnort": "Leipzig"}}
