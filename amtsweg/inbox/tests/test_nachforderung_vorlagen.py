"""Text templates for Nachforderungen: per authority (optionally per Leistung), managed by its Kommunal-Admin,
offered in the Nachforderung form and filled in server-side ("Vorlage übernehmen", no JavaScript)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from amtsweg.cases.models import CaseEvent
from amtsweg.inbox.models import NachforderungVorlage

ADMIN_PERMS = [("inbox", f"{a}_nachforderungvorlage") for a in ("view", "add", "change", "delete")]


@pytest.fixture
def sb_a(case_a, make_staff):
    return make_staff("sb.vorlagen.a", authority=case_a.authority, permissions=ADMIN_PERMS)


@pytest.fixture
def vorlagen(case_a, case_b, leistung):
    from amtsweg.catalog.models import Leistung

    other_leistung = Leistung.objects.exclude(pk=leistung.pk).order_by("pk").first()
    return {
        "allgemein": NachforderungVorlage.objects.create(
            authority=case_a.authority, title="Allgemein", text="Bitte reichen Sie fehlende Unterlagen ein."
        ),
        "hund": NachforderungVorlage.objects.create(
            authority=case_a.authority,
            leistung=leistung,
            title="Haftpflicht",
            text="Bitte reichen Sie den Nachweis der Hundehaftpflicht ein.",
            documents="Versicherungsnachweis\nChipnummer",
        ),
        "andere_leistung": NachforderungVorlage.objects.create(
            authority=case_a.authority, leistung=other_leistung, title="Fremde Leistung", text="Nicht hier."
        ),
        "andere_behoerde": NachforderungVorlage.objects.create(
            authority=case_b.authority, title="Freiberg", text="Nur in Freiberg."
        ),
    }


def test_the_form_offers_the_authority_templates_for_the_leistung(client, sb_a, case_a, vorlagen):
    client.force_login(sb_a)
    page = client.get(reverse("inbox:case", args=[case_a.vorgangsnummer])).content.decode()
    assert "Allgemein" in page and "Haftpflicht" in page
    assert "Fremde Leistung" not in page and "Freiberg" not in page
    assert 'name="vorlage_uebernehmen"' in page and "formnovalidate" in page


def test_vorlage_uebernehmen_fills_the_form_without_recording(client, sb_a, case_a, vorlagen):
    client.force_login(sb_a)
    url = reverse("inbox:nachforderung", args=[case_a.vorgangsnummer])
    response = client.post(
        url, {"vorlage": vorlagen["hund"].pk, "due_date": "2030-01-31", "text": "", "vorlage_uebernehmen": "1"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Bitte reichen Sie den Nachweis der Hundehaftpflicht ein." in page
    assert "Versicherungsnachweis\nChipnummer" in page
    assert 'value="2030-01-31"' in page
    assert not CaseEvent.objects.filter(vorgang=case_a.vorgang, kind="nachforderung").exists()
    # Sending the filled form records the Nachforderung with the template's text.
    client.post(
        url,
        {
            "vorlage": vorlagen["hund"].pk,
            "due_date": "2030-01-31",
            "text": vorlagen["hund"].text,
            "documents": vorlagen["hund"].documents,
        },
    )
    event = CaseEvent.objects.get(vorgang=case_a.vorgang, kind="nachforderung")
    assert event.payload["text"] == vorlagen["hund"].text
    assert event.payload["documents_requested"] == ["Versicherungsnachweis", "Chipnummer"]


def test_a_template_of_another_authority_is_not_taken(client, sb_a, case_a, vorlagen):
    client.force_login(sb_a)
    url = reverse("inbox:nachforderung", args=[case_a.vorgangsnummer])
    response = client.post(
        url, {"vorlage": vorlagen["andere_behoerde"].pk, "text": "mein Text", "vorlage_uebernehmen": "1"}
    )
    page = response.content.decode()
    assert "Nur in Freiberg." not in page and "mein Text" in page
    assert "Bitte wählen Sie eine Vorlage aus." in page


def test_only_the_kommunal_admin_of_the_authority_manages_templates(client, case_a, case_b, make_staff, vorlagen):
    clerk = make_staff("sb.vorlagen.clerk", authority=case_a.authority, permissions=ADMIN_PERMS)
    admin_a = make_staff("ka.vorlagen.a", authority=case_a.authority, role="kommunal_admin", permissions=ADMIN_PERMS)
    own, foreign = vorlagen["allgemein"], vorlagen["andere_behoerde"]
    change = reverse("admin:inbox_nachforderungvorlage_change", args=[own.pk])

    client.force_login(clerk)
    assert client.get(reverse("admin:inbox_nachforderungvorlage_add")).status_code == 403
    client.post(change, {"authority": case_a.authority_id, "title": "Geändert", "text": "x"})
    own.refresh_from_db()
    assert own.title == "Allgemein"

    client.force_login(admin_a)
    listing = client.get(reverse("admin:inbox_nachforderungvorlage_changelist")).content.decode()
    assert "Allgemein" in listing and "Freiberg" not in listing
    response = client.post(change, {"authority": case_a.authority_id, "title": "Geändert", "text": "Neuer Text"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.title == "Geändert"
    # Another authority's template: not found; and the authority choice is limited to their own.
    assert client.get(reverse("admin:inbox_nachforderungvorlage_change", args=[foreign.pk])).status_code == 302
    client.post(
        reverse("admin:inbox_nachforderungvorlage_add"),
        {"authority": case_b.authority_id, "title": "Untergeschoben", "text": "x"},
    )
    assert not NachforderungVorlage.objects.filter(title="Untergeschoben").exists()
