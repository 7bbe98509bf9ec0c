"""Code-list store: genericode import (real files from the shared folder), resolution with fallback."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from amtsweg.forms.genericode import GenericodeInvalid, genericode_parse, sources_table
from amtsweg.forms.models import CodeList
from amtsweg.forms.selectors import codelist_resolve
from amtsweg.forms.services import codelist_import

CODELISTS = Path(settings.SHARED_DATA_DIR) / "fim" / "codelists"
STAAT = "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat"


def test_every_shared_file_parses_with_a_label_column():
    expected_labels = {
        "staat_2017-01-01.xml": ("000", "Deutschland"),
        "staatsangehoerigkeit_2024-08-01.xml": ("423", "afghanisch"),
        "geschlecht_3.xml": ("d", "divers"),
        "erreichbarkeit_4.1.xml": ("01", "E-Mail"),
        "erreichbarkeit_2.xml": ("01", "E-Mail"),
        "familienstand_2.xml": ("LD", "ledig"),
        "xinneres-geschlecht_1.xml": ("m", "männlich"),
        "bundesland_2010-04-01.xml": ("01", "Schleswig-Holstein"),
        "ags_2018-01-31.xml": ("01001000", "Flensburg, Stadt"),
    }
    for path in sorted(CODELISTS.glob("*.xml")):
        parsed = genericode_parse(data=path.read_bytes())
        assert parsed.urn.startswith("urn:") and parsed.version, path.name
        assert len(parsed.rows) >= 4, path.name
        if path.name in expected_labels:
            assert expected_labels[path.name] in parsed.rows, (path.name, parsed.label_column, parsed.rows[:3])


def test_sources_table_keeps_attribution_per_file():
    table = sources_table((CODELISTS / "SOURCES.md").read_text(encoding="utf-8"))
    source, licence = table["staat_2017-01-01.xml"]
    assert source.startswith("t12v/xbau-releases@534b56f") and "Destatis" in licence
    assert set(table) == {p.name for p in CODELISTS.glob("*.xml")}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "leer"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>', "DOCTYPE"),
        (b"<root/>", "Keine Genericode-1.0-Codeliste"),
        (
            b'<gc:CodeList xmlns:gc="http://docs.oasis-open.org/codelist/ns/genericode/1.0/"><Identification>'
            b"<ShortName>x</ShortName></Identification></gc:CodeList>",
            "CanonicalUri",
        ),
    ],
)
def test_invalid_files_are_refused_with_a_reason(data, message):
    with pytest.raises(GenericodeInvalid, match=message):
        genericode_parse(data=data)


@pytest.mark.django_db
def test_bootstrap_loaded_the_shared_lists_with_attribution():
    # conftest's bootstrap --reference-only imports the shared folder
    staat = CodeList.objects.get(urn=STAAT, version="2017-01-01")
    assert staat.entries.count() == 197
    assert staat.agency == "Statistisches Bundesamt, Wiesbaden"
    assert "t12v/xbau-releases" in staat.attribution and "MIT" in staat.attribution
    assert CodeList.objects.filter(urn=STAAT).count() == 3


@pytest.mark.django_db
def test_resolve_exact_version_and_reported_fallback():
    exact = codelist_resolve(urn=STAAT, version="2020-05-11")
    assert exact.version == "2020-05-11" and not exact.fallback
    assert {"value": "000", "label": "Deutschland"} in exact.options
    geschlecht = codelist_resolve(urn="urn:xpersonenstand:schluesseltabelle:geschlecht", version="2")
    assert geschlecht.fallback and geschlecht.version == "3" and geschlecht.requested_version == "2"
    newest = codelist_resolve(urn=STAAT, version="1999-01-01")
    assert newest.version == "2024-08-01" and newest.fallback
    assert codelist_resolve(urn="urn:de:xwaffe:codelisten:munitionsbezeichnungkaliber", version="2017-05-08") is None


@pytest.mark.django_db
def test_import_is_idempotent_and_replaces_changed_content():
    path = CODELISTS / "geschlecht_3.xml"
    codelist, outcome = codelist_import(data=path.read_bytes(), file_name=path.name)
    assert outcome == "unverändert"
    changed = path.read_bytes().replace(b">divers<", ">divers (geändert)<".encode())
    codelist, outcome = codelist_import(data=changed, file_name="geaendert.xml", source="Test")
    assert outcome == "aktualisiert"
    assert codelist.entries.get(code="d").label == "divers (geändert)"
    assert codelist.entries.count() == 4 and codelist.source == "Test"


@pytest.mark.django_db
def test_codelists_import_command(tmp_path):
    out = StringIO()
    call_command("codelists_import", str(CODELISTS / "familienstand_2.xml"), "--source", "Test-Quelle", stdout=out)
    assert "urn:de:dsmeld:schluesseltabelle:familienstand Version 2" in out.getvalue()
    broken = tmp_path / "kaputt.xml"
    broken.write_bytes(b"<root/>")
    with pytest.raises(CommandError, match="Keine Genericode"):
        call_command("codelists_import", str(broken), stdout=StringIO())
