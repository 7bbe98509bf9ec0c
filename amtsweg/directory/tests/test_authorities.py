"""Generated default authorities and the default Zuständigkeit rule, checked by AGS/ARS."""

import pytest
from django.db.models import Count, Q

from amtsweg.directory import selectors, services
from amtsweg.directory.models import Authority, Territory


def _gemeinde(ags: str) -> Territory:
    return Territory.objects.get(kind="gemeinde", ags=ags, valid_until__isnull=True)


def _served_ags(authority: Authority) -> set[str]:
    return set(authority.serves.values_list("ags", flat=True))


def test_landratsamt_per_landkreis(saxony):
    landratsaemter = Authority.objects.filter(kind="landratsamt", territory__ars__startswith="14")
    assert landratsaemter.count() == 10
    lra = Authority.objects.select_related("territory").get(key="lra-14522")
    assert (lra.name, lra.territory.ars, lra.territory.type_code) == ("Landratsamt Mittelsachsen", "14522", "44")
    assert (lra.acts_for_kreis, lra.acts_for_gemeinde) == (True, False)
    assert (lra.postal_code, lra.city) == ("09599", "Freiberg")  # seat from the register
    assert lra.generated and lra.needs_review and lra.opening_hours == "Mo–Fr nach Vereinbarung"
    members = set(
        Territory.objects.filter(kreis__ars="14522", kind="gemeinde", valid_until__isnull=True).values_list(
            "ags", flat=True
        )
    )
    assert len(members) == 52 and _served_ags(lra) == members
    freiberg = _gemeinde("14522180")
    assert selectors.authority_for_gemeinde(gemeinde=freiberg, level="kreis") == lra
    assert selectors.authority_for_gemeinde(gemeinde=freiberg, level="gemeinde").territory.ags == "14522180"


def test_kreisfreie_stadt_acts_for_both_levels(saxony):
    leipzig = _gemeinde("14713000")
    for level in ("gemeinde", "kreis"):
        authority = selectors.authority_for_gemeinde(gemeinde=leipzig, level=level)
        assert authority.key == "gem-14713000"
        assert authority.kind == Authority.Kind.KREISFREIE_STADT
        assert authority.territory.ags == "14713000"
        assert _served_ags(authority) == {"14713000"}
    assert authority.name == "Stadtverwaltung Leipzig"
    assert (authority.postal_code, authority.city) == ("04109", "Leipzig")
    assert Authority.objects.filter(kind="kreisfreie_stadt", territory__ars__startswith="14").count() == 3


def test_verbandsfreie_gemeinde_has_its_own_administration(saxony):
    amtsberg = selectors.authority_for_gemeinde(gemeinde=_gemeinde("14521010"), level="gemeinde")
    assert (amtsberg.key, amtsberg.name, amtsberg.kind) == (
        "gem-14521010",
        "Gemeindeverwaltung Amtsberg",
        "gemeindeverwaltung",
    )
    annaberg = selectors.authority_for_gemeinde(gemeinde=_gemeinde("14521020"), level="gemeinde")
    assert annaberg.name == "Stadtverwaltung Annaberg-Buchholz"
    assert (annaberg.postal_code, annaberg.city) == ("09456", "Annaberg-Buchholz")


@pytest.mark.parametrize(
    ("member", "erfuellende", "verband"),
    [
        ("14521340", "14521060", "145215101"),  # Königswalde → Bärenstein (VG Bärenstein-Königswalde)
        (
            "14521140",
            "14521570",
            "145215132",
        ),  # Deutschneudorf → seat "Kurort Seiffen/Erzgeb." = "Seiffen/Erzgeb., Kurort"
        ("14521430", "14521380", "145215115"),  # Niederwürschnitz → seat "Lugau" = "Lugau/Erzgeb., Stadt"
    ],
)
def test_verwaltungsgemeinschaft_member_is_served_by_the_erfuellende_gemeinde(saxony, member, erfuellende, verband):
    authority = selectors.authority_for_gemeinde(gemeinde=_gemeinde(member), level="gemeinde")
    assert authority.kind == Authority.Kind.VERWALTUNGSGEMEINSCHAFT
    assert authority.territory.ags == erfuellende
    assert authority.key == f"gem-{erfuellende}"
    members = set(Territory.objects.filter(parent__ars=verband, valid_until__isnull=True).values_list("ags", flat=True))
    assert _served_ags(authority) == members and member in members
    # The erfüllende Gemeinde itself is served by the same administration.
    assert selectors.authority_for_gemeinde(gemeinde=_gemeinde(erfuellende), level="gemeinde") == authority


def test_verwaltungsverband_member_is_served_by_the_verband(saxony):
    authority = selectors.authority_for_gemeinde(gemeinde=_gemeinde("14521090"), level="gemeinde")  # Börnichen
    assert (authority.key, authority.name) == ("vb-145215405", "Verwaltungsverband Wildenstein")
    assert authority.kind == Authority.Kind.VERWALTUNGSVERBAND
    assert (authority.territory.kind, authority.territory.ars) == ("gemeindeverband", "145215405")
    assert (authority.postal_code, authority.city) == ("09579", "Grünhainichen")
    assert _served_ags(authority) == {"14521090", "14521270"}
    assert Authority.objects.filter(kind="verwaltungsverband", territory__ars__startswith="14").count() == 6


def test_every_saxon_gemeinde_has_exactly_one_authority_per_level(saxony):
    gemeinden = Territory.objects.filter(kind="gemeinde", ars__startswith="14", valid_until__isnull=True).annotate(
        gemeinde_level=Count("served_by", filter=Q(served_by__acts_for_gemeinde=True, served_by__active=True)),
        kreis_level=Count("served_by", filter=Q(served_by__acts_for_kreis=True, served_by__active=True)),
    )
    assert {(g.gemeinde_level, g.kreis_level) for g in gemeinden} == {(1, 1)}
    assert gemeinden.count() == 418


def test_authority_lookup_takes_at_most_two_queries(saxony, django_assert_max_num_queries):
    gemeinde = _gemeinde("14521340")
    with django_assert_max_num_queries(2):
        authority = selectors.authority_for_gemeinde(gemeinde=gemeinde, level="gemeinde")
        assert authority.territory.ags == "14521060"


def test_generation_is_idempotent_and_keeps_manual_edits(saxony):
    lra = Authority.objects.get(key="lra-14522")
    lra.name = "Landratsamt Mittelsachsen – Bürgerservice"
    lra.street = "Frauensteiner Straße 43"
    lra.generated = False
    lra.save()
    stats = services.authorities_generate(land="14")
    assert stats["created"] == 0 and stats["updated"] == 0 and stats["deactivated"] == 0
    assert stats["kept_manual"] == 1
    assert stats["unchanged"] == stats["total"] - 1
    lra.refresh_from_db()
    assert (lra.name, lra.street) == ("Landratsamt Mittelsachsen – Bürgerservice", "Frauensteiner Straße 43")


def test_generation_repairs_a_changed_generated_row(saxony):
    authority = Authority.objects.get(key="vb-145215405")
    authority.acts_for_gemeinde = False
    authority.save()
    authority.serves.clear()
    stats = services.authorities_generate(land="14")
    assert stats["updated"] == 1
    authority.refresh_from_db()
    assert authority.acts_for_gemeinde and _served_ags(authority) == {"14521090", "14521270"}


def test_selector_input_checks(saxony):
    with pytest.raises(ValueError, match="Unbekannte Ebene"):
        selectors.authority_for_gemeinde(gemeinde=_gemeinde("14713000"), level="land")
    assert selectors.gemeinde_by_ags(ags="1471300") is None
    assert selectors.gemeinde_by_ags(ags="99999999") is None
    assert selectors.gemeinde_by_ags(ags=" 14713000 ").name == "Leipzig, Stadt"
    assert selectors.gemeinden_current(land="14").count() == 418
    assert selectors.gemeinden_current().filter(ars__startswith="14").count() == 418
