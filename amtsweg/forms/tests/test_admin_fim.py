"""Admin: code lists with attribution, validated upload; FIM import with report and JSON download."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from amtsweg.forms.models import CodeList, FormVersion

pytestmark = [pytest.mark.django_db, pytest.mark.urls("amtsweg.forms.tests.admin_urls")]

FIM_DIR = Path(settings.SHARED_DATA_DIR) / "fim"
TEST_CODELISTS = Path(__file__).resolve().parent / "data" / "codelists"


def test_codelist_list_shows_attribution(admin_client):
    page = admin_client.get(reverse("admin:forms_codelist_changelist") + "?q=staat").content.decode()
    assert "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat" in page
    assert "t12v/xbau-releases@534b56f" in page and "MIT (repo); data Destatis" in page
    assert "Codeliste hochladen" in page
    staat = CodeList.objects.get(urn__endswith=":staat", version="2017-01-01")
    detail = admin_client.get(reverse("admin:forms_codelist_change", args=[staat.pk])).content.decode()
    assert "Deutschland" in detail and "Statistisches Bundesamt, Wiesbaden" in detail


def test_codelist_upload_is_validated(admin_client):
    url = reverse("admin:forms_codelist_upload")
    assert admin_client.get(url).status_code == 200
    bad = admin_client.post(url, {"file": SimpleUploadedFile("x.xml", b"<root/>"), "source": "Test"})
    assert "Keine Genericode-1.0-Codeliste" in bad.content.decode()
    wrong_type = admin_client.post(url, {"file": SimpleUploadedFile("x.csv", b"a,b"), "source": "Test"})
    assert "Bitte laden Sie eine .xml-Datei" in wrong_type.content.decode()
    content = (TEST_CODELISTS / "anrede.xml").read_bytes()
    done = admin_client.post(
        url, {"file": SimpleUploadedFile("anrede.xml", content), "source": "Testdaten", "licence": "CC0"}, follow=True
    )
    assert "Codeliste Anrede Version 1 (2 Einträge): neu" in done.content.decode()
    assert CodeList.objects.get(urn="Anrede").attribution == "Quelle: Amtsweg-Tests · Testdaten · CC0"


def test_fim_import_reports_missing_lists_and_offers_json(admin_client):
    url = reverse("admin:forms_formdefinition_fim")
    assert admin_client.get(url).status_code == 200
    xml = (FIM_DIR / "xdatenfelder-xml-fixtures" / "v2" / "select.xml").read_bytes()
    response = admin_client.post(
        url, {"file": SimpleUploadedFile("select.xml", xml), "leistung": "99102013000000", "publish": "on"}
    )
    page = response.content.decode()
    assert "Nicht veröffentlicht" in page and "urn:de:example, Version 1" in page
    assert "<strong>fehlt</strong>" in page
    version = FormVersion.objects.get(definition__key="test")
    assert version.status == FormVersion.Status.DRAFT
    report = admin_client.get(reverse("admin:forms_formversion_fim_report", args=[version.pk]))
    assert report["Content-Type"] == "application/json"
    data = json.loads(report.content)
    assert data["missing_codelists"][0]["urn"] == "urn:de:example"
    assert data["leistung"]["leika_key"] == "99102013000000" and data["leistung"]["bound"]
    assert "FIM-Bericht (JSON)" in admin_client.get(reverse("admin:forms_formversion_changelist")).content.decode()


def test_fim_import_shows_what_cannot_be_imported(admin_client):
    xml = (FIM_DIR / "xdatenfelder-xml-fixtures" / "v3" / "empty-id-node.xml").read_bytes()
    response = admin_client.post(reverse("admin:forms_formdefinition_fim"), {"file": SimpleUploadedFile("e.xml", xml)})
    assert "Zeile 10: Element &#x27;xdf:id&#x27; ist leer." in response.content.decode()
