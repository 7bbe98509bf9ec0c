"""Zuständigkeit on the real Saxon register, checked by AGS/ARS rather than by name."""

import pytest
from django.core.exceptions import ValidationError

from amtsweg.catalog.models import ExecutionLevel, Leistung
from amtsweg.directory.models import Authority, Territory
from amtsweg.jurisdiction.models import Override
from amtsweg.jurisdiction.selectors import responsible_authority
from amtsweg.jurisdiction.services import override_set

pytestmark = pytest.mark.django_db

FREIBERG = "14522180"  # verbandsfreie Stadt (Große Kreisstadt) in Landkreis Mittelsachsen
FREIBERG_ARS = "145220180180"
MITTELSACHSEN = "14522"
LEIPZIG = "14713000"  # kreisfreie Stadt
GORNAU = "14521220"  # member of Verwaltungsgemeinschaft Zschopau (ARS 145215138)
ZSCHOPAU = "14521690"  # erfüllende Gemeinde of that Verwaltungsgemeinschaft
VG_ZSCHOPAU_ARS = "145215138"


def gemeinde(ags: str) -> Territory:
    return Territory.objects.get(kind=Territory.Kind.GEMEINDE, ags=ags, valid_until__isnull=True)


def leistung(name: str, level: str) -> Leistung:
    item = Leistung.objects.filter(name=name).first()
    assert item is not None, f"{name} fehlt im Katalog"
    Leistung.objects.filter(pk=item.pk).update(execution_level=level)
    item.refresh_from_db()
    return item


@pytest.fixture
def hundesteuer():
    return leistung("Hundesteuer", ExecutionLevel.GEMEINDE)


@pytest.fixture
def wunschkennzeichen():
    item = Leistung.objects.filter(name__icontains="Wunschkennzeichen").order_by("name").first()
    Leistung.objects.filter(pk=item.pk).update(execution_level=ExecutionLevel.KREIS)
    item.refresh_from_db()
    return item


def served_ars(resolution) -> set[str]:
    return {t["ars"] for t in resolution.served_territories}


def test_gemeinde_level_service_goes_to_the_gemeinde(hundesteuer):
    result = responsible_authority(leistung=hundesteuer, gemeinde=gemeinde(FREIBERG))
    assert result.authority is not None
    assert result.authority.acts_for_gemeinde
    assert result.authority.serves.filter(ags=FREIBERG).exists()
    assert FREIBERG_ARS in served_ars(result)
    assert not result.override
    assert "Gemeinden vollzogen" in result.explanation


def test_kreis_level_service_in_a_landkreis_goes_to_the_landratsamt(wunschkennzeichen):
    result = responsible_authority(leistung=wunschkennzeichen, gemeinde=gemeinde(FREIBERG))
    assert result.authority.kind == Authority.Kind.LANDRATSAMT
    assert result.authority.territory.ags == MITTELSACHSEN
    # The served territory is the whole Kreis: its own key and the ARS of every member Gemeinde.
    assert MITTELSACHSEN in served_ars(result)
    assert FREIBERG_ARS in served_ars(result)
    assert all(t["ars"].startswith(MITTELSACHSEN) for t in result.served_territories)
    assert "Landratsamt" in result.explanation or "Landkreis" in result.explanation


def test_kreis_level_service_in_a_kreisfreie_stadt_goes_to_the_city(wunschkennzeichen, hundesteuer):
    leipzig = gemeinde(LEIPZIG)
    kreis_result = responsible_authority(leistung=wunschkennzeichen, gemeinde=leipzig)
    gemeinde_result = responsible_authority(leistung=hundesteuer, gemeinde=leipzig)
    assert kreis_result.authority == gemeinde_result.authority
    assert kreis_result.authority.kind == Authority.Kind.KREISFREIE_STADT
    assert kreis_result.authority.acts_for_kreis and kreis_result.authority.acts_for_gemeinde
    assert "147130000000" in served_ars(kreis_result)
    assert "kreisfreie Stadt" in kreis_result.explanation


def test_member_of_a_verwaltungsgemeinschaft_is_served_by_the_erfuellende_gemeinde(hundesteuer):
    result = responsible_authority(leistung=hundesteuer, gemeinde=gemeinde(GORNAU))
    authority = result.authority
    assert authority.kind == Authority.Kind.VERWALTUNGSGEMEINSCHAFT
    served_ags = set(authority.serves.values_list("ags", flat=True))
    assert {GORNAU, ZSCHOPAU} <= served_ags
    # Routing identifiers: the Verwaltungsgemeinschaft's ARS prefix covers every served Gemeinde.
    assert all(t["ars"].startswith(VG_ZSCHOPAU_ARS) for t in result.served_territories if t["kind"] == "gemeinde")
    assert "erfüllende Gemeinde" in result.explanation


def test_override_for_a_grosse_kreisstadt_wins_only_there(wunschkennzeichen, hundesteuer):
    freiberg = gemeinde(FREIBERG)
    city_administration = responsible_authority(leistung=hundesteuer, gemeinde=freiberg).authority
    override_set(
        leistung=wunschkennzeichen,
        territory=freiberg,
        authority=city_administration,
        reason=Override.Reason.GROSSE_KREISSTADT,
        note="Beispiel: die Stadt ist untere Verwaltungsbehörde.",
    )
    result = responsible_authority(leistung=wunschkennzeichen, gemeinde=freiberg)
    assert result.override
    assert result.authority == city_administration
    assert FREIBERG_ARS in served_ars(result)
    assert "Große Kreisstadt" in result.explanation
    # A neighbour in the same Landkreis still goes to the Landratsamt.
    neighbour = Territory.objects.filter(kind="gemeinde", kreis__ags=MITTELSACHSEN, valid_until__isnull=True).exclude(
        ags=FREIBERG
    )[0]
    other = responsible_authority(leistung=wunschkennzeichen, gemeinde=neighbour)
    assert not other.override
    assert other.authority.territory.ags == MITTELSACHSEN


def test_shared_service_override_on_a_verband_covers_its_members(hundesteuer):
    freiberg_admin = responsible_authority(leistung=hundesteuer, gemeinde=gemeinde(FREIBERG)).authority
    verband = gemeinde(GORNAU).parent
    assert verband.ars == VG_ZSCHOPAU_ARS
    override_set(
        leistung=hundesteuer, territory=verband, authority=freiberg_admin, reason=Override.Reason.SHARED_SERVICE
    )
    for ags in (GORNAU, ZSCHOPAU):
        result = responsible_authority(leistung=hundesteuer, gemeinde=gemeinde(ags))
        assert result.override and result.authority == freiberg_admin


def test_gemeinde_override_is_more_specific_than_verband_override(hundesteuer):
    leipzig_admin = responsible_authority(leistung=hundesteuer, gemeinde=gemeinde(LEIPZIG)).authority
    freiberg_admin = responsible_authority(leistung=hundesteuer, gemeinde=gemeinde(FREIBERG)).authority
    gornau = gemeinde(GORNAU)
    override_set(leistung=hundesteuer, territory=gornau.parent, authority=leipzig_admin, reason="shared_service")
    override_set(leistung=hundesteuer, territory=gornau, authority=freiberg_admin, reason="delegation")
    assert responsible_authority(leistung=hundesteuer, gemeinde=gornau).authority == freiberg_admin


@pytest.mark.parametrize(
    ("level", "phrase"),
    [
        (ExecutionLevel.LAND, "Landesebene"),
        (ExecutionLevel.BUND, "Bundesbehörde"),
        (ExecutionLevel.UNBEKANNT, "noch nicht erfasst"),
    ],
)
def test_levels_without_a_municipal_authority_explain_themselves(hundesteuer, level, phrase):
    Leistung.objects.filter(pk=hundesteuer.pk).update(execution_level=level)
    hundesteuer.refresh_from_db()
    result = responsible_authority(leistung=hundesteuer, gemeinde=gemeinde(FREIBERG))
    assert result.authority is None
    assert phrase in result.explanation


def test_override_validation(hundesteuer):
    land = Territory.objects.get(kind=Territory.Kind.LAND, ars="14")
    authority = Authority.objects.filter(kind=Authority.Kind.LANDRATSAMT).first()
    with pytest.raises(ValidationError, match="nur für Gemeinden"):
        override_set(leistung=hundesteuer, territory=land, authority=authority, reason="delegation")
    with pytest.raises(ValidationError, match="Unbekannter Grund"):
        override_set(leistung=hundesteuer, territory=gemeinde(FREIBERG), authority=authority, reason="laune")


def test_erfuellende_gemeinde_itself_and_verband_identifiers(hundesteuer):
    result = responsible_authority(leistung=hundesteuer, gemeinde=gemeinde(ZSCHOPAU))
    assert result.authority.kind == Authority.Kind.VERWALTUNGSGEMEINSCHAFT
    assert "erfüllende Gemeinde" in result.explanation and "selbst" in result.explanation
    kinds = {(t["kind"], t["ars"]) for t in result.served_territories}
    assert ("gemeindeverband", VG_ZSCHOPAU_ARS) in kinds
    assert ("gemeinde", "145215138220") in kinds  # Gornau
    assert "Zschopau, Stadt" not in result.explanation  # register qualifiers are dropped


def test_dissolved_gemeinde_resolves_through_its_successor(hundesteuer):
    jahnatal = gemeinde("14522275")
    ostrau = Territory.objects.create(
        kind=Territory.Kind.GEMEINDE,
        ars="145229999999",
        ags="14522999",
        name="Ostrau",
        parent=jahnatal.parent,
        kreis=jahnatal.kreis,
        valid_until="2023-01-01",
        successor=jahnatal,
    )
    result = responsible_authority(leistung=hundesteuer, gemeinde=ostrau)
    assert result.gemeinde == jahnatal
    assert result.authority.serves.filter(ags="14522275").exists()


def _unknown(item: Leistung) -> Leistung:
    Leistung.objects.filter(pk=item.pk).update(execution_level=ExecutionLevel.UNBEKANNT)
    item.refresh_from_db()
    return item


def test_unknown_level_names_both_candidates_never_one_guess(hundesteuer):
    item = _unknown(hundesteuer)
    result = responsible_authority(leistung=item, gemeinde=gemeinde(FREIBERG))
    assert result.status == "unknown_level"
    assert result.authority is None
    kinds = [c.kind for c in result.candidates]
    assert kinds[-1] == Authority.Kind.LANDRATSAMT and len(kinds) == 2
    assert result.candidates[0].serves.filter(ags=FREIBERG).exists()
    assert result.candidates[1].territory.ags == MITTELSACHSEN
    assert "noch nicht erfasst" in result.explanation
    assert all(c.name in result.explanation for c in result.candidates)


def test_unknown_level_in_a_kreisfreie_stadt_names_the_city_once(hundesteuer):
    result = responsible_authority(leistung=_unknown(hundesteuer), gemeinde=gemeinde(LEIPZIG))
    assert result.status == "unknown_level"
    assert [c.kind for c in result.candidates] == [Authority.Kind.KREISFREIE_STADT]
    assert "kreisfreie Stadt" in result.explanation


def test_status_of_resolved_and_not_municipal(hundesteuer):
    assert responsible_authority(leistung=hundesteuer, gemeinde=gemeinde(FREIBERG)).status == "resolved"
    Leistung.objects.filter(pk=hundesteuer.pk).update(execution_level=ExecutionLevel.LAND)
    hundesteuer.refresh_from_db()
    result = responsible_authority(leistung=hundesteuer, gemeinde=gemeinde(FREIBERG))
    assert result.status == "not_municipal" and result.candidates == ()
