"""Admin: searching the register, editing authorities, exporting, reading import reports."""

import json

from django.urls import reverse

from amtsweg.directory import services
from amtsweg.directory.models import Authority, RegisterImport, Territory

from .conftest import REGISTER_2025


def test_territory_search_by_ags_ars_and_name(saxony, admin_client):
    url = reverse("admin:directory_territory_changelist")
    for term in ("14522275", "145220275", "Jahnatal"):
        response = admin_client.get(url, {"q": term})
        assert response.status_code == 200
        assert "Jahnatal" in response.content.decode()
    response = admin_client.get(url, {"kind__exact": "kreis", "aktuell": "ja", "q": "Mittelsachsen"})
    assert response.status_code == 200 and response.context["cl"].result_count == 1


def test_territory_autocomplete_offers_current_units_only(saxony, admin_client):
    jahnatal = Territory.objects.get(ags="14522275")
    Territory.objects.create(
        kind="gemeinde", ars="145225123450", ags="14522450", name="Ostrau", valid_until="2025-11-30", successor=jahnatal
    )
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "directory", "model_name": "authority", "field_name": "serves", "term": "Ostrau"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == []
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "directory", "model_name": "authority", "field_name": "serves", "term": "Jahnatal"},
    )
    assert [r["text"] for r in response.json()["results"]] == ["Jahnatal (14522275)"]


def test_editing_an_authority_in_the_admin_protects_it(saxony, admin_client):
    authority = Authority.objects.get(key="gem-14521010")
    url = reverse("admin:directory_authority_change", args=[authority.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url,
        {
            "key": authority.key,
            "name": "Gemeindeverwaltung Amtsberg",
            "kind": authority.kind,
            "territory": authority.territory_id,
            "active": "on",
            "acts_for_gemeinde": "on",
            "serves": list(authority.serves.values_list("pk", flat=True)),
            "street": "Hauptstraße 1",
            "postal_code": "09439",
            "city": "Amtsberg",
            "opening_hours": "Di 9–12 und 14–18 Uhr",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    authority.refresh_from_db()
    assert (authority.street, authority.generated) == ("Hauptstraße 1", False)
    assert services.authorities_generate(land="14")["kept_manual"] == 1


def test_export_admin_actions(saxony, admin_client):
    pks = list(Authority.objects.filter(key__in=["lra-14522", "gem-14713000"]).values_list("pk", flat=True))
    url = reverse("admin:directory_authority_changelist")
    response = admin_client.post(url, {"action": "export_json", "_selected_action": pks})
    assert response["Content-Type"].startswith("application/json")
    assert sorted(r["key"] for r in json.loads(response.content)) == ["gem-14713000", "lra-14522"]
    response = admin_client.post(url, {"action": "export_csv", "_selected_action": pks})
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode().splitlines()[0].startswith("key;name;kind;territory;serves")


def test_register_import_admin_shows_the_german_report(saxony, admin_client):
    run = services.register_import(path=REGISTER_2025, land="14")
    response = admin_client.get(reverse("admin:directory_registerimport_change", args=[run.pk]))
    assert response.status_code == 200
    assert "Keine Gebietsänderungen" in response.content.decode()
    assert admin_client.get(reverse("admin:directory_registerimport_changelist")).status_code == 200
    assert RegisterImport.objects.filter(pk=run.pk).exists()
