import pytest

from amtsweg.pages.models import Page
from amtsweg.pages.selectors import page_content
from amtsweg.pages.services import pages_ensure_defaults

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("/impressum/", "Impressum"),
        ("/datenschutz/", "Datenschutzerklärung"),
        ("/barrierefreiheit/", "Erklärung zur Barrierefreiheit"),
    ],
)
def test_legal_pages_render_with_defaults(client, url, title):
    Page.objects.all().delete()
    response = client.get(url)
    assert response.status_code == 200
    assert f'<h1 class="kern-heading-large">{title}</h1>' in response.content.decode()


def test_impressum_carries_data_attribution(client):
    body = client.get("/impressum/").content.decode()
    assert "Statistisches Bundesamt (Destatis)" in body
    assert "OpenStreetMap" in body
    assert "Gert Hammes" in body


def test_operator_edit_wins_and_markup_is_escaped(client):
    Page.objects.update_or_create(
        slug="impressum",
        defaults={"title": "Impressum der Stadt", "body": "Kontakt\n\n<script>alert(1)</script> Rathaus."},
    )
    body = client.get("/impressum/").content.decode()
    assert "Impressum der Stadt" in body
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


def test_short_lines_become_headings():
    Page.objects.update_or_create(slug="impressum", defaults={"title": "I", "body": "Kontakt\n\nRathaus, Markt 1."})
    content = page_content(slug="impressum")
    assert [(b.heading, b.text) for b in content.blocks] == [(True, "Kontakt"), (False, "Rathaus, Markt 1.")]


def test_ensure_defaults_never_overwrites_edits():
    Page.objects.update_or_create(slug="datenschutz", defaults={"title": "Eigene Erklärung", "body": "Text."})
    pages_ensure_defaults()
    assert Page.objects.get(slug="datenschutz").title == "Eigene Erklärung"
    assert Page.objects.filter(slug__in=["impressum", "datenschutz", "barrierefreiheit"]).count() == 3


def test_unknown_page_is_404():
    assert page_content(slug="gibt-es-nicht") is None


def test_datenschutz_default_covers_applications_account_retention_and_rights(client):
    Page.objects.all().delete()
    body = client.get("/datenschutz/").content.decode()
    for heading in ("Antragsbearbeitung", "Servicekonto", "Speicherdauer und Löschung", "Ihre Rechte"):
        assert f">{heading}</h2>" in body
    assert "Für die Bearbeitung Ihres Antrags ist die Behörde verantwortlich" in body
    assert "Aufbewahrungsfrist" in body and "automatisch gelöscht" in body
    assert "Auskunft" in body and "Löschung" in body
    assert "Suchbegriffe" in body  # the search part stays
