"""Beteiligung: ratings only for the own Kommune (one per Leistung, changeable, with history), the ranking,
the matching "who else uses X and wants Y", comments without markup, and the shared inventory."""

import pytest
from django.core.exceptions import ValidationError

from amtsweg.hub.models import Product, TargetSystem
from amtsweg.projekte.beteiligung import (
    bewertung_set,
    kommentar_moderate,
    kommentar_submit,
    mitwirkung_set,
    nutzung_add,
    produkt_melden,
)
from amtsweg.projekte.models import Bewertung, BewertungsVerlauf, Kommentar
from amtsweg.projekte.ranking import kommunen_matching, ranking, vote_distribution
from amtsweg.projekte.selectors import member_authority_ids

pytestmark = pytest.mark.django_db
HOCH, DRINGEND, NIEDRIG, MITTEL = (
    Bewertung.Stufe.HOCH,
    Bewertung.Stufe.DRINGEND,
    Bewertung.Stufe.NIEDRIG,
    Bewertung.Stufe.MITTEL,
)


def test_a_member_rates_only_for_the_own_kommune(member, kommunen, leistungen):
    user = member("freiberg")
    assert member_authority_ids(user) == {kommunen["freiberg"].pk}
    with pytest.raises(ValidationError) as refused:
        bewertung_set(user=user, authority=kommunen["dresden"], leistung=leistungen["hundesteuer"], stufe=HOCH)
    assert "nur für Ihre eigene Kommune" in refused.value.messages[0]
    assert "Dresden" in refused.value.messages[0]
    assert not Bewertung.objects.filter(authority=kommunen["dresden"]).exists()


def test_one_rating_per_kommune_and_leistung_changeable_with_history(member, kommunen, leistungen):
    user = member("freiberg")
    bewertung_set(user=user, authority=kommunen["freiberg"], leistung=leistungen["hundesteuer"], stufe=MITTEL)
    bewertung_set(user=user, authority=kommunen["freiberg"], leistung=leistungen["hundesteuer"], stufe=DRINGEND)
    ratings = Bewertung.objects.filter(authority=kommunen["freiberg"], leistung=leistungen["hundesteuer"])
    assert [r.stufe for r in ratings] == [DRINGEND]
    history = BewertungsVerlauf.objects.filter(authority=kommunen["freiberg"], leistung=leistungen["hundesteuer"])
    assert [h.stufe for h in history] == [MITTEL, DRINGEND]


def test_a_user_without_membership_cannot_rate(kommunen, leistungen, koordination):
    with pytest.raises(ValidationError, match="nur für Ihre eigene Kommune"):
        bewertung_set(user=koordination, authority=kommunen["freiberg"], leistung=leistungen["hundesteuer"], stufe=HOCH)


def test_an_unknown_level_is_refused(member, kommunen, leistungen):
    with pytest.raises(ValidationError, match="niedrig, mittel, hoch oder dringend"):
        bewertung_set(
            user=member("freiberg"), authority=kommunen["freiberg"], leistung=leistungen["hundesteuer"], stufe=7
        )


def _rate(users, kommunen, leistungen, name, leistung, stufe):
    bewertung_set(user=users[name], authority=kommunen[name], leistung=leistungen[leistung], stufe=stufe)


def test_the_ranking_changes_as_ratings_change(member, kommunen, leistungen):
    users = {name: member(name) for name in ("freiberg", "dresden", "chemnitz")}
    _rate(users, kommunen, leistungen, "freiberg", "hundesteuer", HOCH)
    _rate(users, kommunen, leistungen, "dresden", "hundesteuer", HOCH)
    _rate(users, kommunen, leistungen, "chemnitz", "baumfaellung", MITTEL)
    first = ranking()
    assert [r.name for r in first][:2] == [leistungen["hundesteuer"].name, leistungen["baumfaellung"].name]
    hundesteuer = first[0]
    assert hundesteuer.votes[HOCH] == 2 and hundesteuer.kommunen == 2
    assert hundesteuer.mean == 3.0 and hundesteuer.demand == pytest.approx(2 / 3, abs=1e-4)
    # Dresden and Freiberg change their minds; Baumfällgenehmigung gets more support.
    _rate(users, kommunen, leistungen, "dresden", "hundesteuer", NIEDRIG)
    _rate(users, kommunen, leistungen, "freiberg", "hundesteuer", NIEDRIG)
    _rate(users, kommunen, leistungen, "dresden", "baumfaellung", DRINGEND)
    second = ranking()
    assert second[0].name == leistungen["baumfaellung"].name
    assert second[0].score > second[1].score


def test_population_weighting_favours_the_big_kommune(member, kommunen, leistungen):
    users = {name: member(name) for name in ("freiberg", "dresden")}
    _rate(users, kommunen, leistungen, "freiberg", "hundesteuer", DRINGEND)
    _rate(users, kommunen, leistungen, "dresden", "fundsachen", HOCH)
    plain = {r.name: r for r in ranking()}
    weighted = {r.name: r for r in ranking(weighted=True)}
    # Equal weights: Freiberg's "dringend" wins; by population Dresden (≈ 10× Freiberg) carries more demand.
    assert plain[leistungen["hundesteuer"].name].score > plain[leistungen["fundsachen"].name].score
    assert weighted[leistungen["fundsachen"].name].score > weighted[leistungen["hundesteuer"].name].score
    assert vote_distribution(leistungen["hundesteuer"]) == {1: 0, 2: 0, 3: 0, 4: 1}


def test_matching_lists_the_right_kommunen(member, kommunen, leistungen, product):
    users = {name: member(name) for name in ("freiberg", "dresden", "chemnitz")}
    # Freiberg reports the product and wants Hundesteuer; Dresden has it as a configured target system and
    # offers a pilot; Chemnitz uses it but rates Hundesteuer low; other products don't count.
    nutzung_add(
        user=users["freiberg"], authority=kommunen["freiberg"], leistung=leistungen["hundesteuer"], product=product
    )
    _rate(users, kommunen, leistungen, "freiberg", "hundesteuer", DRINGEND)
    TargetSystem.objects.create(authority=kommunen["dresden"], key="fv", name="FV", type_key="http", product=product)
    mitwirkung_set(
        user=users["dresden"], authority=kommunen["dresden"], leistung=leistungen["hundesteuer"], arten={"pilot"}
    )
    nutzung_add(
        user=users["chemnitz"], authority=kommunen["chemnitz"], leistung=leistungen["fundsachen"], product=product
    )
    _rate(users, kommunen, leistungen, "chemnitz", "hundesteuer", NIEDRIG)
    matches = kommunen_matching(product=product, leistung=leistungen["hundesteuer"])
    assert [(m.authority.key, m.via) for m in matches] == [
        ("gem-14612000", ("Zielsystem",)),
        ("gem-14522180", ("gemeldet",)),
    ]
    assert matches[0].mitwirkung == ("Pilotkommune",)
    assert matches[1].stufe == "dringend"
    other = Product.objects.create(name="Anderes Verfahren")
    assert kommunen_matching(product=other, leistung=leistungen["hundesteuer"]) == []


def test_a_reported_product_joins_the_shared_inventory_and_is_a_target_choice(member, kommunen, leistungen):
    user = member("freiberg")
    usage = produkt_melden(
        user=user,
        authority=kommunen["freiberg"],
        leistung=leistungen["hundesteuer"],
        name="  Kommunalsteuer  Pro ",
        kind=Product.Kind.FACHVERFAHREN,
        vendor="Beispiel GmbH",
    )
    assert usage.product.name == "Kommunalsteuer Pro"
    # The Konfigurationsportal's target system picks its product from the same inventory.
    choices = TargetSystem._meta.get_field("product").formfield().queryset
    assert usage.product in choices
    again = produkt_melden(
        user=user,
        authority=kommunen["freiberg"],
        leistung=leistungen["fundsachen"],
        name="kommunalsteuer pro",
        kind="dms",
    )
    assert again.product == usage.product


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "Gut <b>so</b>",
        '<img src=x onerror="alert(1)">',
        "Link: javascript:alert(1)",
        "&lt;script&gt;",
        "<!-- versteckt -->",
    ],
)
def test_html_or_script_in_comments_is_refused(member, kommunen, leistungen, text):
    with pytest.raises(ValidationError) as refused:
        kommentar_submit(
            user=member("freiberg"), authority=kommunen["freiberg"], leistung=leistungen["hundesteuer"], text=text
        )
    assert "als reinen Text" in refused.value.messages[0]
    assert not Kommentar.objects.exists()


def test_comments_wait_for_moderation(member, kommunen, leistungen, koordination):
    user = member("freiberg")
    comment = kommentar_submit(
        user=user,
        authority=kommunen["freiberg"],
        leistung=leistungen["hundesteuer"],
        text="Wir nutzen 3 < 4 Verfahren.",
    )
    assert comment.status == Kommentar.Status.EINGEREICHT
    with pytest.raises(ValidationError, match="zentrale Koordination"):
        kommentar_moderate(user=user, kommentar=comment, freigeben=True)
    kommentar_moderate(user=koordination, kommentar=comment, freigeben=True)
    assert comment.status == Kommentar.Status.FREIGEGEBEN
    with pytest.raises(ValidationError, match="nur für Ihre eigene Kommune"):
        kommentar_submit(user=user, authority=kommunen["dresden"], leistung=leistungen["hundesteuer"], text="Hallo")
