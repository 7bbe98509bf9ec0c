import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from amtsweg.forms.models import FormDefinition, FormVersion
from amtsweg.forms.services import definition_load, overlay_set
from amtsweg.forms.tests.conftest import DEFINITIONS, minimal

pytestmark = [pytest.mark.django_db, pytest.mark.urls("amtsweg.forms.tests.admin_urls")]


@pytest.fixture
def version(hundesteuer):
    return definition_load(document=hundesteuer, publish=True)


def test_import_upload_creates_version(admin_client):
    url = reverse("admin:forms_formdefinition_import")
    assert admin_client.get(url).status_code == 200
    content = (DEFINITIONS / "hundesteuer-anmeldung.yaml").read_bytes()
    response = admin_client.post(url, {"file": SimpleUploadedFile("h.yaml", content), "publish": "on"}, follow=True)
    assert response.status_code == 200
    assert "Version 1 (veröffentlicht)" in response.content.decode()
    assert FormVersion.objects.get(definition__key="hundesteuer-anmeldung").status == "published"


def test_import_shows_clear_errors(admin_client):
    document = minimal()
    document["steps"][0]["groups"][0]["fields"][1]["key"] = "name"
    response = admin_client.post(
        reverse("admin:forms_formdefinition_import"),
        {"file": SimpleUploadedFile("t.json", json.dumps(document).encode())},
    )
    assert response.status_code == 200
    assert "Schlüssel &#x27;name&#x27; ist doppelt vergeben" in response.content.decode()
    assert not FormDefinition.objects.exists()


def test_import_rejects_wrong_file_type(admin_client):
    response = admin_client.post(
        reverse("admin:forms_formdefinition_import"), {"file": SimpleUploadedFile("t.exe", b"MZ")}
    )
    assert "Bitte laden Sie eine .yaml-, .yml- oder .json-Datei hoch." in response.content.decode()


def test_changelist_and_change_pages(admin_client, version):
    response = admin_client.get(reverse("admin:forms_formdefinition_changelist"))
    assert "Definition importieren" in response.content.decode() and "v1" in response.content.decode()
    response = admin_client.get(reverse("admin:forms_formdefinition_change", args=[version.definition.pk]))
    assert response.status_code == 200 and "Neuen Entwurf anlegen" in response.content.decode()


def test_preview_renders_steps_fields_and_logic(admin_client, version):
    response = admin_client.get(reverse("admin:forms_formversion_preview", args=[version.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Schritt 1: Ihr Anliegen",
        "Anliegensklärung",
        "Angaben zu den Hunden",
        "hund_chipnummer",
        "wiederholbar 1–5",
        "Die Chipnummer besteht",
        "berechnet",
        "param.gebuehr_erster_hund",
        "Prüfregeln",
        "Ich versichere",
    ]:
        assert text in html, text


def test_export_download(admin_client, version):
    response = admin_client.get(reverse("admin:forms_formversion_export", args=[version.pk, "json"]))
    assert response["Content-Disposition"] == 'attachment; filename="hundesteuer-anmeldung-v1.json"'
    assert json.loads(response.content)["key"] == "hundesteuer-anmeldung"
    response = admin_client.get(reverse("admin:forms_formversion_export", args=[version.pk, "yaml"]))
    assert response.content.startswith(b"key: hundesteuer-anmeldung")


def test_published_version_is_read_only_in_admin(admin_client, version):
    url = reverse("admin:forms_formversion_change", args=[version.pk])
    html = admin_client.get(url).content.decode()
    assert 'name="document"' not in html
    response = admin_client.post(url, {"document": json.dumps(minimal(key="hundesteuer-anmeldung"))})
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.document["title"] == "Anmeldung zur Hundesteuer"


def test_draft_edit_in_admin_is_validated(admin_client, version):
    admin_client.post(reverse("admin:forms_formdefinition_new_draft", args=[version.definition.pk]))
    draft = version.definition.versions.get(number=2)
    url = reverse("admin:forms_formversion_change", args=[draft.pk])
    assert 'name="document"' in admin_client.get(url).content.decode()
    bad = {**draft.document, "steps": []}
    response = admin_client.post(url, {"document": json.dumps(bad)})
    assert "steps: Mindestens 1 Eintrag" in response.content.decode()
    good = {**draft.document, "title": "Hundesteuer anmelden"}
    response = admin_client.post(url, {"document": json.dumps(good)})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.document["title"] == "Hundesteuer anmelden" and draft.status == "draft"


def test_overlay_admin_shows_conflicts(admin_client, version, hundesteuer, place):
    overlay = overlay_set(definition=version.definition, authority=place, disabled_fields=["hund_chipnummer"])
    url = reverse("admin:forms_overlay_change", args=[overlay.pk])
    assert "Keine – die Anpassung passt zur aktuellen Version." in admin_client.get(url).content.decode()
    for field in hundesteuer["steps"][2]["groups"][0]["fields"]:
        field.pop("optional_switch", None)
    definition_load(document=hundesteuer, publish=True)
    html = admin_client.get(url).content.decode()
    assert "Feld &#x27;hund_chipnummer&#x27; darf in dieser Version nicht abgeschaltet werden" in html
    listing = admin_client.get(reverse("admin:forms_overlay_changelist")).content.decode()
    assert "test-testhausen" in listing or "Testhausen" in listing


def test_overlay_admin_add_validates(admin_client, version, place):
    url = reverse("admin:forms_overlay_add")
    data = {
        "definition": version.definition.pk,
        "authority": place.pk,
        "parameters": json.dumps({"gebuehr_erster_hund": "gratis"}),
        "texts": "{}",
        "disabled_fields": "[]",
        "contact": "{}",
    }
    response = admin_client.post(url, data)
    assert "Parameter &#x27;gebuehr_erster_hund&#x27;: Erwartet wird ein Betrag" in response.content.decode()
    data["parameters"] = json.dumps({"gebuehr_erster_hund": "120.00"})
    assert admin_client.post(url, data).status_code == 302
    assert version.definition.overlays.get().parameters == {"gebuehr_erster_hund": "120.00"}
