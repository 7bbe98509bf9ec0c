"""Reifegrad 1.1 and 2.0: derived where the platform knows, declared otherwise; lowest criterion decides."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from amtsweg.directory.models import Authority
from amtsweg.rollout import reifegrad
from amtsweg.rollout.models import ReifegradDeclaration

pytestmark = pytest.mark.django_db
DAY = date(2024, 6, 1)


def test_levels_follow_the_lowest_criterion():
    everything = dict.fromkeys(reifegrad.CRITERIA, True)
    assert reifegrad.level(everything, reifegrad.REQUIRED_11) == 4
    assert reifegrad.level(everything, reifegrad.REQUIRED_20) == 7
    assert reifegrad.level({**everything, "bezahlung_online": False}, reifegrad.REQUIRED_11) == 2
    assert reifegrad.level({**everything, "once_only": False}, reifegrad.REQUIRED_11) == 3
    assert reifegrad.level({**everything, "statusinformation": False}, reifegrad.REQUIRED_20) == 4
    assert reifegrad.level({}, reifegrad.REQUIRED_11) == 0


def test_platform_facts_are_derived_and_the_rest_declared(hundesteuer_version, go_live, import_csv):
    leistung = hundesteuer_version.definition.leistung
    dresden = Authority.objects.get(kind=Authority.Kind.KREISFREIE_STADT, territory__ags="14612000")
    go_live(definition=hundesteuer_version.definition, authority=dresden, at=timezone.make_aware(datetime(2024, 1, 2)))
    import_csv([f"{leistung.leika_key},145220180180,2023-01-01,,Drittprodukt"])

    summary = reifegrad.assess(leistung=leistung, stichtag=DAY)
    by_name = {a.authority_name: a for a in summary.assessments}
    platform, outside = by_name["Stadtverwaltung Dresden"], by_name["Stadtverwaltung Freiberg"]
    assert platform.platform and not outside.platform
    # On the platform: online, Servicekonto, Postfach, structured handover are known; payment is not.
    assert {"online_antrag", "nutzerkonto", "bescheid_digital", "datenuebergabe"} <= platform.derived
    assert platform.level_11 == 2 and platform.online and not platform.ozg_konform
    assert outside.level_11 == 2  # online, nothing else known

    ReifegradDeclaration.objects.create(leistung=leistung, criterion="bezahlung_online", fulfilled=True)
    summary = reifegrad.assess(leistung=leistung, stichtag=DAY)
    by_name = {a.authority_name: a for a in summary.assessments}
    assert by_name["Stadtverwaltung Dresden"].level_11 == 3 and by_name["Stadtverwaltung Dresden"].level_20 == 5
    assert by_name["Stadtverwaltung Freiberg"].level_11 == 2  # login, Nachweise, Bescheid still unknown there
    assert (summary.behoerden, summary.online, summary.ozg_konform, summary.ende_zu_ende) == (2, 2, 1, 0)


def test_reifegrad_on_the_detail_page_and_as_csv(client, hundesteuer_version, go_live):
    leistung = hundesteuer_version.definition.leistung
    dresden = Authority.objects.get(kind=Authority.Kind.KREISFREIE_STADT, territory__ags="14612000")
    go_live(definition=hundesteuer_version.definition, authority=dresden, at=timezone.make_aware(datetime(2024, 1, 2)))
    html = client.get(f"/rollout/leistung/{leistung.leika_key}/?stichtag=2024-06-01").content.decode()
    assert "Online verfügbar (Stufe 1.1 ab 2)" in html and "1 von 1 Behörden" in html
    text = client.get(f"/rollout/leistung/{leistung.leika_key}/reifegrad.csv?stichtag=2024-06-01").content.decode()
    assert "Stadtverwaltung Dresden,Plattform,2,2,ja,nein,nein" in text and "ja (abgeleitet)" in text
    data = client.get(f"/api/v1/abdeckung/reifegrad/?leika={leistung.leika_key}&stichtag=2024-06-01").json()
    assert (data["behoerden"], data["online_verfuegbar"], data["ozg_konform"]) == (1, 1, 0)
    assert data["behoerden_bewertung"][0]["reifegrad_1_1"] == 2
