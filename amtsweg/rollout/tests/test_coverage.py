"""Coverage, hand-computed against the real Saxon register (issue 12, acceptance).

Expected values are computed here independently of ``coverage.py``: populations summed with the ORM,
authorities counted from the register's kinds, shares written out as fractions.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from amtsweg.catalog.models import Leistung
from amtsweg.directory.models import Authority, Territory
from amtsweg.directory.services import reference_version_bump
from amtsweg.jurisdiction.models import Override
from amtsweg.jurisdiction.selectors import responsible_authority
from amtsweg.rollout import coverage
from amtsweg.rollout.tests.conftest import HUNDESTEUER_KEY

pytestmark = pytest.mark.django_db

KREISE = [
    "14511",
    "14521",
    "14522",
    "14523",
    "14524",
    "14612",
    "14625",
    "14626",
    "14627",
    "14628",
    "14713",
    "14729",
    "14730",
]
DAY = date(2024, 6, 1)


def _population(prefix: str = "14") -> int:
    return Territory.objects.filter(
        kind=Territory.Kind.GEMEINDE, valid_until__isnull=True, ars__startswith=prefix
    ).aggregate(s=Sum("population"))["s"]


def test_all_13_kfz_authorities_live_is_100_percent(kfz, import_csv):
    import_csv([f"{kfz.leika_key},{ars},2020-04-01,,i-Kfz" for ars in KREISE])
    land = coverage.coverage_for(leistung=kfz, stichtag=DAY).land
    assert land.behoerden_zustaendig == 13  # 10 Landratsämter + 3 kreisfreie Städte
    assert land.behoerden_mit_angebot == 13
    assert land.einwohner_gesamt == land.einwohner_mit_angebot == _population() == 4042422
    assert land.anteil_behoerden == Decimal("1.0000") and land.anteil_einwohner == Decimal("1.0000")
    # Before the go-live date nothing was offered.
    before = coverage.coverage_for(leistung=kfz, stichtag=date(2020, 3, 31)).land
    assert before.behoerden_mit_angebot == 0 and before.einwohner_mit_angebot == 0


def test_12_of_13_kfz_authorities_is_92_percent_and_the_exact_population(kfz, import_csv):
    without_leipzig = [k for k in KREISE if k != "14713"]
    import_csv([f"{kfz.leika_key},{ars},2020-04-01,,i-Kfz" for ars in without_leipzig])
    result = coverage.coverage_for(leistung=kfz, stichtag=DAY)
    land = result.land
    expected_population = sum(_population(ars) for ars in without_leipzig)
    assert expected_population == _population() - _population("14713")
    assert (land.behoerden_zustaendig, land.behoerden_mit_angebot) == (13, 12)
    assert land.anteil_behoerden == Decimal("0.9231")  # 12/13 = 0.923076… → 92 %
    assert land.einwohner_mit_angebot == expected_population
    assert land.anteil_einwohner == (Decimal(expected_population) / Decimal(4042422)).quantize(Decimal("0.0001"))
    # Per Kreis: Leipzig (kreisfreie Stadt) has none, every other Kreis is fully covered.
    leipzig = result.area("14713")
    assert (leipzig.behoerden_zustaendig, leipzig.behoerden_mit_angebot, leipzig.einwohner_mit_angebot) == (1, 0, 0)
    assert all(result.area(k).anteil_einwohner == Decimal("1.0000") for k in without_leipzig)


def test_a_withdrawn_record_ends_the_day_after_bis(kfz, import_csv):
    import_csv([f"{kfz.leika_key},14522,2021-01-01,2021-12-31,Eigenentwicklung"])
    assert coverage.coverage_for(leistung=kfz, stichtag=date(2021, 12, 31)).land.behoerden_mit_angebot == 1
    assert coverage.coverage_for(leistung=kfz, stichtag=date(2022, 1, 1)).land.behoerden_mit_angebot == 0


def test_erfuellende_gemeinde_covers_all_members_through_the_platform(hundesteuer_version, go_live):
    leistung = hundesteuer_version.definition.leistung
    assert leistung.leika_key == HUNDESTEUER_KEY
    # Verwaltungsgemeinschaft with the most members: the erfüllende Gemeinde's administration serves them all.
    vg = max(
        Authority.objects.filter(kind=Authority.Kind.VERWALTUNGSGEMEINSCHAFT, active=True),
        key=lambda a: a.serves.filter(valid_until__isnull=True).count(),
    )
    members = list(vg.serves.filter(valid_until__isnull=True))
    assert len(members) >= 3
    go_live(definition=hundesteuer_version.definition, authority=vg, at=timezone.make_aware(datetime(2024, 1, 10, 9)))

    result = coverage.coverage_for(leistung=leistung, stichtag=DAY)
    assert result.covered_gemeinden == frozenset(m.pk for m in members)
    assert result.land.behoerden_mit_angebot == 1
    assert result.land.einwohner_mit_angebot == sum(m.population for m in members)
    # Gemeinde level: every Gemeinde-, VG- and Verbandsverwaltung and the 3 kreisfreie Städte are responsible.
    expected_authorities = Authority.objects.filter(
        active=True,
        kind__in=[
            Authority.Kind.GEMEINDEVERWALTUNG,
            Authority.Kind.VERWALTUNGSGEMEINSCHAFT,
            Authority.Kind.VERWALTUNGSVERBAND,
            Authority.Kind.KREISFREIE_STADT,
        ],
    ).count()
    assert result.land.behoerden_zustaendig == expected_authorities
    kreis = result.area(members[0].ars[:5])
    assert kreis.einwohner_mit_angebot == sum(m.population for m in members if m.ars.startswith(kreis.gebiet))
    # The day before the go-live nothing was live.
    assert coverage.coverage_for(leistung=leistung, stichtag=date(2024, 1, 9)).land.behoerden_mit_angebot == 0


def test_withdrawal_on_the_platform_ends_coverage(hundesteuer_version, go_live):
    leistung = hundesteuer_version.definition.leistung
    dresden = Authority.objects.get(kind=Authority.Kind.KREISFREIE_STADT, territory__ags="14612000")
    go_live(
        definition=hundesteuer_version.definition, authority=dresden, at=timezone.make_aware(datetime(2024, 1, 1, 8))
    )
    go_live(
        definition=hundesteuer_version.definition,
        authority=dresden,
        live=False,
        at=timezone.make_aware(datetime(2024, 3, 1, 12)),
    )
    assert coverage.coverage_for(leistung=leistung, stichtag=date(2024, 2, 29)).land.behoerden_mit_angebot == 1
    # Withdrawn during 1 March: not live at the end of that day.
    assert coverage.coverage_for(leistung=leistung, stichtag=date(2024, 3, 1)).land.behoerden_mit_angebot == 0


def _two_plain_gemeinden():
    plain = [
        a
        for a in Authority.objects.filter(kind=Authority.Kind.GEMEINDEVERWALTUNG, active=True).order_by("key")
        if a.serves.filter(valid_until__isnull=True).count() == 1
    ]
    return plain[0], plain[1]


def test_shared_service_counts_for_the_territory_it_serves(import_csv):
    leistung = Leistung.objects.get(leika_key=HUNDESTEUER_KEY)
    giver, taker = _two_plain_gemeinden()
    giver_gemeinde = giver.serves.get()
    taker_gemeinde = taker.serves.get()
    before = coverage.coverage_for(leistung=leistung, stichtag=DAY).land.behoerden_zustaendig
    Override.objects.create(
        leistung=leistung, territory=giver_gemeinde, authority=taker, reason=Override.Reason.SHARED_SERVICE
    )
    reference_version_bump()
    import_csv([f"{HUNDESTEUER_KEY},{taker_gemeinde.ars},2023-05-01,,Shared Service"])

    result = coverage.coverage_for(leistung=leistung, stichtag=DAY)
    assert result.covered_gemeinden == {giver_gemeinde.pk, taker_gemeinde.pk}
    assert result.land.einwohner_mit_angebot == giver_gemeinde.population + taker_gemeinde.population
    # The giver's own administration is no longer responsible for it: one authority fewer in the denominator.
    assert result.land.behoerden_zustaendig == before - 1
    assert result.land.behoerden_mit_angebot == 1


def test_a_dissolved_gemeinde_counts_through_its_successor(import_csv):
    leistung = Leistung.objects.get(leika_key=HUNDESTEUER_KEY)
    jahnatal = Territory.objects.get(ags="14522275", valid_until__isnull=True)
    # Ostrau (dissolved 30.11.2025, merged into Jahnatal) by its old ARS.
    import_csv([f"{HUNDESTEUER_KEY},145225123450,2021-01-01,,Altverfahren"])
    result = coverage.coverage_for(leistung=leistung, stichtag=DAY)
    assert jahnatal.pk in result.covered_gemeinden
    assert result.land.einwohner_mit_angebot == sum(
        g.population for g in Territory.objects.filter(pk__in=result.covered_gemeinden)
    )


def test_the_fast_map_is_the_zustaendigkeit(kfz):
    """``responsible_map`` answers for every Gemeinde what ``responsible_authority`` answers, overrides included."""
    leistung = Leistung.objects.get(leika_key=HUNDESTEUER_KEY)
    giver, taker = _two_plain_gemeinden()
    Override.objects.create(
        leistung=leistung, territory=giver.serves.get(), authority=taker, reason=Override.Reason.SHARED_SERVICE
    )
    grosse_kreisstadt = Authority.objects.get(territory__ags="14522180", kind=Authority.Kind.GEMEINDEVERWALTUNG)
    Override.objects.create(
        leistung=kfz,
        territory=grosse_kreisstadt.territory,
        authority=grosse_kreisstadt,
        reason=Override.Reason.GROSSE_KREISSTADT,
    )
    reference_version_bump()
    index = coverage.current()
    for item in (leistung, kfz):
        fast = coverage.responsible_map(index, item.pk)
        for gemeinde in index.gemeinden:
            answer = responsible_authority(leistung=item, gemeinde=gemeinde).authority
            assert fast[gemeinde.pk] == (answer.pk if answer else None), gemeinde
    assert coverage.coverage_for(leistung=kfz, stichtag=DAY).land.behoerden_zustaendig == 14


def test_results_are_cached_until_adoption_changes(kfz, import_csv):
    import_csv([f"{kfz.leika_key},14522,2020-04-01,,i-Kfz"])
    first = coverage.coverage_for(leistung=kfz, stichtag=DAY)
    builds = coverage.index_builds()
    assert coverage.coverage_for(leistung=kfz, stichtag=DAY) is first
    assert coverage.index_builds() == builds
    import_csv([f"{kfz.leika_key},14521,2020-04-01,,i-Kfz"], source="zweite.csv")
    assert coverage.coverage_for(leistung=kfz, stichtag=DAY).land.behoerden_mit_angebot == 2
    assert coverage.index_builds() == builds + 1
    assert coverage.coverage_for(leistung=kfz, stichtag=DAY - timedelta(days=1)).land.behoerden_mit_angebot == 2
