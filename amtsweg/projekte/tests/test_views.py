"""Pages and exports over HTTP (Django's test client; the staff MFA rule itself is tested in accounts)."""

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from amtsweg.projekte.beteiligung import bewertung_set, mitwirkung_set
from amtsweg.projekte.models import Bewertung, Einladung, Kommentar, Projekt

pytestmark = pytest.mark.django_db
STAND = "2022-10-14"


def test_public_phase_table_has_rows_legend_footnotes_and_text_in_every_cell(client):
    page = client.get(reverse("projekte:tabelle") + f"?stichtag={STAND}").content.decode()
    assert page.count('class="phase st-') == 51 * 6
    assert "Legende" in page and "Plan 2022" in page and "nicht erforderlich" in page
    assert "Landeserziehungsgeld" in page and 'id="fussnote-4"' in page
    assert "<small>in Bearbeitung</small>" in page  # the status in words, not only a colour


def test_exports(client):
    csv_text = client.get(reverse("projekte:export", args=["csv"]) + f"?stichtag={STAND}").content.decode("utf-8-sig")
    lines = csv_text.strip().split("\r\n")
    assert lines[0].startswith("LP;Leistungspaket;LB;Bezeichnung") and len(lines) == 52
    data = json.loads(client.get(reverse("projekte:export", args=["json"]) + f"?stichtag={STAND}").content)
    assert len(data["projekte"]) == 51 and [f["nummer"] for f in data["fussnoten"]] == [1, 2, 3, 4]
    pdf = client.get(reverse("projekte:export", args=["pdf"]) + f"?stichtag={STAND}")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")


def test_api_projekte_and_ranking(client, member, kommunen, leistungen):
    body = client.get("/api/v1/projekte/?stichtag=2022-10-14").json()
    hund = next(p for p in body["projekte"] if p["bezeichnung"] == "Hundesteuer")
    assert hund["lp"] == "12" and hund["lb"] == "04" and hund["leistungen"] == ["Hundesteuer"]
    assert [p["phase"] for p in hund["phasen"]] == ["LA", "1", "2", "3", "4", "Produkt"]
    assert client.get("/api/v1/projekte/?stichtag=gestern").json()["detail"].startswith("Der Parameter")
    bewertung_set(user=member("freiberg"), authority=kommunen["freiberg"], leistung=leistungen["fundsachen"], stufe=4)
    ranking = client.get("/api/v1/beteiligung/ranking/").json()
    assert "Punkte = Ø Bedeutung" in ranking["formel"]
    assert ranking["rangliste"][0]["leistung"] == "Fundsachen"
    assert ranking["rangliste"][0]["stimmen"] == {"niedrig": 0, "mittel": 0, "hoch": 0, "dringend": 1}
    assert "/api/v1/beteiligung/ranking/" in client.get("/api/schema/").content.decode()


def test_member_rates_and_a_foreign_kommune_is_refused(client, member, kommunen, leistungen):
    client.force_login(member("freiberg"))
    url = reverse("beteiligung:bewerten", args=[leistungen["hundesteuer"].pk])
    page = client.post(url, {"kommune": kommunen["freiberg"].pk, "stufe": "4"}, follow=True).content.decode()
    assert "Ihre Bewertung ist gespeichert." in page
    assert Bewertung.objects.get(authority=kommunen["freiberg"], leistung=leistungen["hundesteuer"]).stufe == 4
    page = client.post(url, {"kommune": kommunen["dresden"].pk, "stufe": "4"}, follow=True).content.decode()
    assert "Sie können nur für Ihre eigene Kommune handeln" in page
    assert not Bewertung.objects.filter(authority=kommunen["dresden"]).exists()


def test_comment_with_script_is_refused_and_text_is_escaped(client, member, kommunen, leistungen):
    client.force_login(member("freiberg"))
    url = reverse("beteiligung:kommentieren", args=[leistungen["hundesteuer"].pk])
    page = client.post(url, {"text": "<script>alert(1)</script>"}, follow=True).content.decode()
    assert "als reinen Text" in page and "<script>alert(1)" not in page
    page = client.post(url, {"text": 'Bei uns 3 < 4 Verfahren "im Einsatz"'}, follow=True).content.decode()
    assert "wird nach der Freigabe" in page
    assert "3 &lt; 4 Verfahren &quot;im Einsatz&quot;" in page
    assert Kommentar.objects.count() == 1


def test_pages_need_a_kommune_or_the_coordination(client, django_user_model):
    assert client.get(reverse("beteiligung:start")).status_code == 302
    client.force_login(django_user_model.objects.create_user(username="x", password="x", is_staff=True))
    assert client.get(reverse("beteiligung:start")).status_code == 404


def test_coordination_creates_project_invites_and_moves_phases(
    client, member, kommunen, leistungen, koordination, worker, django_capture_on_commit_callbacks
):
    freiberg, dresden = member("freiberg"), member("dresden")
    bewertung_set(user=freiberg, authority=kommunen["freiberg"], leistung=leistungen["fundsachen"], stufe=4)
    mitwirkung_set(
        user=freiberg, authority=kommunen["freiberg"], leistung=leistungen["fundsachen"], arten={"werkstatt"}
    )
    mitwirkung_set(user=dresden, authority=kommunen["dresden"], leistung=leistungen["fundsachen"], arten={"pilot"})
    client.force_login(koordination)
    ranking_page = client.get(reverse("beteiligung:ranking")).content.decode()
    assert "So wird gerechnet" in ranking_page
    paket = Projekt.objects.get(key="lp19-lb01").paket
    response = client.post(
        reverse("beteiligung:projekt_neu"),
        {"paket": paket.pk, "lb": "02", "title": "Fundsachen kommunal", "leistung": [leistungen["fundsachen"].pk]},
    )
    projekt = Projekt.objects.get(title="Fundsachen kommunal")
    assert response.url == reverse("beteiligung:projekt", args=[projekt.pk])
    page = client.post(
        reverse("beteiligung:projekt_phase", args=[projekt.pk]),
        {"phase": "p2", "status": "in_bearbeitung"},
        follow=True,
    ).content.decode()
    assert "Die Phase 2 kann erst beginnen" in page
    for phase in ("la", "p1"):
        client.post(
            reverse("beteiligung:projekt_phase", args=[projekt.pk]), {"phase": phase, "status": "abgeschlossen"}
        )
    date = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            reverse("beteiligung:werkstatt_neu", args=[projekt.pk]),
            {"number": "1", "date": date, "einladen": "1"},
            follow=True,
        ).content.decode()
    assert "1 Kommune(n) eingeladen" in page
    assert [e.authority for e in Einladung.objects.filter(werkstatt__projekt=projekt)] == [kommunen["freiberg"]]
    worker()
    assert [m.to for m in mail.outbox] == [["freiberg@example.org"]]
    assert "OZG-Werkstatt 1" in mail.outbox[0].subject
    public = client.get(reverse("projekte:detail", args=[projekt.pk])).content.decode()
    assert "Phase 1: abgeschlossen" in public


def test_a_member_follows_a_project_from_its_public_page(client, member):
    from amtsweg.projekte.models import Abonnement

    user = member("freiberg")
    client.force_login(user)
    projekt = Projekt.objects.get(key="lp12-lb04")
    assert "Diesem Projekt folgen" in client.get(reverse("projekte:detail", args=[projekt.pk])).content.decode()
    page = client.post(reverse("beteiligung:projekt_folgen", args=[projekt.pk]), {"folgen": "1"}, follow=True)
    assert "Sie folgen diesem Projekt" in page.content.decode()
    assert Abonnement.objects.filter(user=user, projekt=projekt).exists()


def test_map_groups_by_themenfeld_and_by_the_product_plan(client, leistungen):
    from amtsweg.projekte.models import LandkarteEintrag, ProduktplanEintrag
    from amtsweg.projekte.services import produktplan_entry_save

    gruppe = ProduktplanEintrag.objects.get(number="124.01")
    with pytest.raises(Exception, match="folgen aufeinander"):
        produktplan_entry_save(number="124.01.99", name="Falsch", ebene="produktbereich", parent=gruppe)
    produkt = produktplan_entry_save(number="124.01.02", name="Hunderegister", ebene="produkt", parent=gruppe)
    LandkarteEintrag.objects.update_or_create(
        leistung=leistungen["hundesteuer"], defaults={"produkt": produkt, "top100": True}
    )
    page = client.get(reverse("projekte:landkarte")).content.decode()
    assert "124 – Einwohnerservice</a> (1)" in page and "12 – Sicherheit und Ordnung, Einwohnerservice</a> (1)" in page
    page = client.get(reverse("projekte:landkarte") + "?produkt=124").content.decode()
    assert ">Hundesteuer</td>" in page and "Top-100" in page
    page = client.get(reverse("projekte:landkarte") + "?themenfeld=engagement-hobby&q=Hundesteuer").content.decode()
    assert ">Hundesteuer</td>" in page
    assert "12/04" in page  # the seed project covering it, with its stand


def test_coordination_records_werkstatt_participants(client, member, kommunen, leistungen, koordination):
    from amtsweg.projekte.models import Leistungspaket
    from amtsweg.projekte.services import projekt_create, werkstatt_create, werkstatt_invite

    projekt = projekt_create(paket=Leistungspaket.objects.get(number="12"), lb="40", title="Teilnahme-Projekt")
    werkstatt = werkstatt_create(projekt=projekt, number=2, date=dt.date(2027, 3, 1))
    (einladung,) = werkstatt_invite(werkstatt=werkstatt, authorities=[kommunen["dresden"]])
    client.force_login(koordination)
    page = client.post(reverse("beteiligung:teilnahme", args=[einladung.pk]), {"teilgenommen": "1"}, follow=True)
    assert "Teilnahme von" in page.content.decode()
    einladung.refresh_from_db()
    assert einladung.teilgenommen is True
    public = client.get(reverse("projekte:detail", args=[projekt.pk])).content.decode()
    assert f"Teilgenommen haben: {kommunen['dresden'].name};" in public
    client.force_login(member("freiberg"))
    assert client.post(reverse("beteiligung:teilnahme", args=[einladung.pk]), {"teilgenommen": "0"}).status_code == 404


def _pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_result_documents_reach_the_invited_kommunen_and_the_coordination_only(client, member, kommunen):
    from django.contrib.auth.models import Group

    from amtsweg.directory.permissions import KOORDINATION_GROUP
    from amtsweg.projekte.models import Leistungspaket
    from amtsweg.projekte.services import dokument_upload, projekt_create, werkstatt_create, werkstatt_invite

    projekt = projekt_create(paket=Leistungspaket.objects.get(number="12"), lb="41", title="Protokoll-Projekt")
    werkstatt = werkstatt_create(projekt=projekt, number=1, date=dt.date(2027, 3, 1))
    werkstatt_invite(werkstatt=werkstatt, authorities=[kommunen["dresden"]])
    protokoll = dokument_upload(werkstatt=werkstatt, art="protokoll", name="protokoll.pdf", data=_pdf())
    url = reverse("beteiligung:dokument", args=[protokoll.pk])
    client.force_login(member("freiberg"))  # a Kommune that was not invited
    assert client.get(url).status_code == 404
    client.force_login(member("dresden"))
    assert client.get(url).content.startswith(b"%PDF")
    # The zentrale Koordination through its group (no superuser): the document and the moderation link.
    coordinator = get_user_model().objects.create_user(username="koordination.gruppe", password="x", is_staff=True)
    coordinator.groups.add(Group.objects.get(name=KOORDINATION_GROUP))
    client.force_login(coordinator)
    assert client.get(url).content.startswith(b"%PDF")
    assert reverse("beteiligung:moderation") in client.get(reverse("beteiligung:ranking")).content.decode()
