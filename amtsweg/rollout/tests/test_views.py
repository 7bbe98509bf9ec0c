"""The public monitor, the downloads, the API and the Kurzstatus over HTTP (Django test client)."""

import csv
import io
import json

import pytest
from django.contrib.auth import get_user_model

from amtsweg.catalog.models import Leistung
from amtsweg.rollout.models import KurzstatusPublication, PlannedService, ReportLabel
from amtsweg.rollout.tests.conftest import HUNDESTEUER_KEY, WUNSCHKENNZEICHEN_KEY

pytestmark = pytest.mark.django_db
KREISE = ["14511", "14521", "14522", "14523", "14524", "14612", "14625", "14626", "14627", "14628", "14729", "14730"]


@pytest.fixture
def adopted(kfz, import_csv):
    import_csv([f"{WUNSCHKENNZEICHEN_KEY},{ars},2020-04-01,,eKOL-KFZ" for ars in KREISE])
    import_csv([f"{HUNDESTEUER_KEY},145220180180,2020-10-01,,Amt24"], source="hund.csv")
    ReportLabel.objects.create(leistung=kfz, title="Kfz-Wunschkennzeichen", footnote="Nur Reservierung.")


def test_monitor_table_sorted_by_population_share_and_sortable_by_link(client, adopted):
    page = client.get("/rollout/?stichtag=2024-06-01")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<title>Roll-out-Monitor" in html
    assert html.index("Kfz-Wunschkennzeichen") < html.index("Hundesteuer")
    assert "12 von 13" in html and "92 %" in html
    assert 'aria-sort="descending"' in html
    by_name = client.get("/rollout/?stichtag=2024-06-01&gebiet=14&sortierung=name&richtung=auf").content.decode()
    assert by_name.index("Hundesteuer") < by_name.index("Kfz-Wunschkennzeichen")
    assert "<svg" in html and "© GeoBasis-DE / BKG" in html and "style=" not in html
    kreis = client.get("/rollout/?stichtag=2024-06-01&gebiet=14713").content.decode()
    assert "0 von 1" in kreis


def test_detail_with_kreise_history_and_maps(client, adopted):
    page = client.get(f"/rollout/leistung/{WUNSCHKENNZEICHEN_KEY}/?stichtag=2024-06-01")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Leipzig, Stadt" in html and "0 von 1" in html
    assert "01.04.2020" in html  # first offered
    assert html.count("<svg") >= 5  # two maps with their legends, and the chart
    assert (
        "Leipzig, Stadt: kein Online-Angebot" in html and "Freiberg, Stadt, Universitätsstadt: Online-Angebot" in html
    )
    assert "style=" not in html
    assert client.get("/rollout/leistung/00000000000000/").status_code == 404


def test_api_single_and_list(client, adopted):
    one = client.get(f"/api/v1/abdeckung/?leika={WUNSCHKENNZEICHEN_KEY}&stichtag=2024-06-01").json()
    assert one["behoerden_zustaendig"] == 13 and one["behoerden_mit_angebot"] == 12
    assert one["anteil_behoerden"] == 0.9231 and one["gebiet"] == "14"
    assert "Datenlizenz Deutschland" in one["lizenz"]
    kreis = client.get(f"/api/v1/abdeckung/?leika={WUNSCHKENNZEICHEN_KEY}&stichtag=2024-06-01&gebiet=14522").json()
    assert (kreis["behoerden_zustaendig"], kreis["anteil_einwohner"]) == (1, 1.0)
    listing = client.get("/api/v1/abdeckung/leistungen/?stichtag=2024-06-01").json()
    assert [x["leika"] for x in listing["leistungen"]] == [WUNSCHKENNZEICHEN_KEY, HUNDESTEUER_KEY]
    assert client.get("/api/v1/abdeckung/?leika=123").status_code == 400
    assert client.get(f"/api/v1/abdeckung/?leika={WUNSCHKENNZEICHEN_KEY}&stichtag=gestern").status_code == 400
    assert client.get(f"/api/v1/abdeckung/?leika={WUNSCHKENNZEICHEN_KEY}&gebiet=99").status_code == 404
    assert client.get(f"/api/v1/abdeckung/?leika={WUNSCHKENNZEICHEN_KEY}&gebiet=1x").status_code == 400
    assert client.get("/api/v1/abdeckung/leistungen/?stichtag=").status_code == 400
    assert client.get("/api/v1/abdeckung/?leika=00000000000000").status_code == 404


def test_downloads_carry_licence_and_the_same_numbers(client, adopted):
    text = client.get("/rollout/abdeckung.csv?stichtag=2024-06-01").content.decode()
    assert text.startswith("# Quelle:") and "# Lizenz: Datenlizenz Deutschland" in text
    rows = list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))
    assert rows[0]["leika"] == WUNSCHKENNZEICHEN_KEY and rows[0]["anteil_behoerden"] == "0.9231"
    data = json.loads(client.get("/rollout/abdeckung.json?stichtag=2024-06-01").content)
    assert data["leistungen"][0]["behoerden_mit_angebot"] == 12 and "lizenz" in data
    adoption = client.get("/rollout/angebote.csv?stichtag=2024-06-01").content.decode()
    assert "Stadtverwaltung Freiberg" in adoption and adoption.count("eKOL-KFZ") == 12


def test_kurzstatus_html_pdf_csv_and_publish(client, adopted):
    PlannedService.objects.create(
        leistung=Leistung.objects.get(leika_key="99093003000000"), title="Baumfällgenehmigung", planned_for="2024-10-01"
    )
    html = client.get("/rollout/kurzstatus/?stichtag=2024-06-01").content.decode()
    assert "im Vollzug der Landkreise" in html and "verfügbar seit 04/2020" in html
    assert "Fertigstellung geplant in 10/2024" in html and "Kfz-Wunschkennzeichen<sup>1</sup>" in html
    pdf = client.get("/rollout/kurzstatus.pdf?stichtag=2024-06-01")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = client.get("/rollout/kurzstatus.csv?stichtag=2024-06-01").content.decode()
    assert "Kfz-Wunschkennzeichen" in text and ",12,13,0.9231," in text
    # Publishing is for the zentrale Koordination only.
    assert client.post("/rollout/kurzstatus/veroeffentlichen/", {"stichtag": "2024-06-01"}).status_code == 302
    assert not KurzstatusPublication.objects.exists()
    admin = get_user_model().objects.create_superuser("koordination", "k@example.org", "x")
    client.force_login(admin)
    client.post("/rollout/kurzstatus/veroeffentlichen/", {"stichtag": "2024-06-01"})
    publication = KurzstatusPublication.objects.get()
    assert publication.published_by == admin and bytes(publication.pdf).startswith(b"%PDF")
    stored = client.get(f"/rollout/kurzstatus/archiv/{publication.pk}.csv").content.decode()
    assert stored == text


def phase_table_for_test(*, stichtag):
    """A section provider as the Projektlandkarte will plug in (settings.AMTSWEG_KURZSTATUS_SECTIONS)."""
    return {
        "title": "Phasen der Projekte",
        "columns": ["Projekt", "Phase"],
        "rows": [["Kita-Portal", f"Pilot ({stichtag:%m/%Y})"]],
        "note": "Quelle: Projektlandkarte",
    }


def test_kurzstatus_sections_hook(client, settings):
    settings.AMTSWEG_KURZSTATUS_SECTIONS = ["amtsweg.rollout.tests.test_views.phase_table_for_test"]
    html = client.get("/rollout/kurzstatus/?stichtag=2024-06-01").content.decode()
    assert "Phasen der Projekte" in html and "Pilot (06/2024)" in html and "Quelle: Projektlandkarte" in html


def test_kurzstatus_carries_the_projektlandkarte_phase_table_by_default(client):
    """The default hook is the Projektlandkarte's phase table (the seed projects are reference data)."""
    from datetime import date

    from amtsweg.projekte.selectors import kurzstatus_section, phase_table

    stichtag = date(2022, 10, 14)
    section = kurzstatus_section(stichtag=stichtag)
    assert section is not None and len(section["rows"]) == len(phase_table(stichtag=stichtag).rows) > 0
    assert section["columns"] == ["LP", "LB", "Leistungsbündel", "LA", "1", "2", "3", "4", "Produkt"]
    assert all(len(row) == 9 and all(cell.strip() for cell in row[3:]) for row in section["rows"])
    html = client.get("/rollout/kurzstatus/?stichtag=2022-10-14").content.decode()
    assert "Stand der einzelnen OZG-Projekte" in html and "Legende:" in html
    assert f'<td class="kern-table__cell">{section["rows"][0][3]}</td>' in html
    # Before the first project existed the section is left out instead of printing an empty table.
    assert kurzstatus_section(stichtag=date(2000, 1, 1)) is None


def test_kurzstatus_is_published_by_the_koordination_group_not_by_a_kommune(client, kfz):
    from django.contrib.auth.models import Group

    from amtsweg.directory.models import Authority, AuthorityMembership
    from amtsweg.directory.permissions import KOORDINATION_GROUP
    from amtsweg.directory.services import membership_set

    users = get_user_model().objects
    kommune = users.create_user("kommunal.admin", "ka@example.org", "x", is_staff=True)
    membership_set(
        user=kommune, authority=Authority.objects.get(key="gem-14612000"), role=AuthorityMembership.Role.KOMMUNAL_ADMIN
    )
    client.force_login(kommune)
    assert "veroeffentlichen" not in client.get("/rollout/kurzstatus/").content.decode()
    refused = client.post("/rollout/kurzstatus/veroeffentlichen/", {"stichtag": "2024-06-01"})
    assert refused.status_code == 302 and "login" in refused["Location"]
    assert not KurzstatusPublication.objects.exists()
    coordinator = users.create_user("koordination.gruppe", "kg@example.org", "x", is_staff=True)
    coordinator.groups.add(Group.objects.get(name=KOORDINATION_GROUP))
    client.force_login(coordinator)
    assert "veroeffentlichen" in client.get("/rollout/kurzstatus/").content.decode()
    client.post("/rollout/kurzstatus/veroeffentlichen/", {"stichtag": "2024-06-01"})
    assert KurzstatusPublication.objects.get().published_by == coordinator
