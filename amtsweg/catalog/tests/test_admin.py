import pytest
from django.urls import reverse

from amtsweg.catalog.models import Leistung


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    user = django_user_model.objects.create_superuser(username="redaktion", email="r@example.org", password="x")
    client.force_login(user)
    return client


def test_changelist_search_and_filters(catalog, admin_client_logged_in):
    url = reverse("admin:catalog_leistung_changelist")
    response = admin_client_logged_in.get(url, {"q": "99102013000000"})
    assert response.status_code == 200
    assert "Hundesteuer" in response.content.decode()
    response = admin_client_logged_in.get(url, {"q": "10160", "execution_level__exact": "gemeinde", "leika_typ": "4"})
    assert response.status_code == 200
    assert "Hundesteuer Befreiung" in response.content.decode()


def test_edit_leistung_in_admin_is_kept(catalog, admin_client_logged_in):
    hund = Leistung.objects.get(leika_key="99102013000000")
    url = reverse("admin:catalog_leistung_change", args=[hund.pk])
    page = admin_client_logged_in.get(url)
    assert page.status_code == 200
    data = {
        "execution_level": "gemeinde",
        "execution_level_note": hund.execution_level_note,
        "description": hund.description,
        "required_documents": hund.required_documents,
        "fees": "Neue Gebühr laut Satzung 2026",
        "deadlines": hund.deadlines,
        "processing_time": hund.processing_time,
        "legal_basis": hund.legal_basis,
        "online_url": "",
        "keywords": hund.keywords,
        "published": "on",
        "required_assurance_level": "niedrig",
    }
    response = admin_client_logged_in.post(url, data)
    assert response.status_code == 302
    hund.refresh_from_db()
    assert hund.fees == "Neue Gebühr laut Satzung 2026"
    assert "Kosten" in admin_client_logged_in.get(url).content.decode()


def test_structure_is_read_mostly(catalog, admin_client_logged_in):
    assert admin_client_logged_in.get(reverse("admin:catalog_ozgleistung_add")).status_code == 403
    assert admin_client_logged_in.get(reverse("admin:catalog_leistung_add")).status_code == 403
    assert admin_client_logged_in.get(reverse("admin:catalog_themenfeld_changelist")).status_code == 200


def test_retention_period_is_edited_in_admin(catalog, admin_client_logged_in):
    hund = Leistung.objects.get(leika_key="99102013000000")
    assert hund.retention_days is None  # empty: the platform default applies
    url = reverse("admin:catalog_leistung_change", args=[hund.pk])
    assert "Aufbewahrungsfrist (Tage)" in admin_client_logged_in.get(url).content.decode()
    data = {
        "execution_level": "gemeinde",
        "execution_level_note": hund.execution_level_note,
        "description": hund.description,
        "required_documents": hund.required_documents,
        "fees": hund.fees,
        "deadlines": hund.deadlines,
        "processing_time": hund.processing_time,
        "legal_basis": hund.legal_basis,
        "online_url": "",
        "keywords": hund.keywords,
        "published": "on",
        "required_assurance_level": "niedrig",
        "retention_days": "730",
    }
    assert admin_client_logged_in.post(url, data).status_code == 302
    hund.refresh_from_db()
    assert hund.retention_days == 730
