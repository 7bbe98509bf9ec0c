"""Behaviour of the finder's search on the real catalogue and Saxony's register (loaded by the root conftest)."""

import pytest

from amtsweg.catalog.models import Leistung, OzgLeistung
from amtsweg.directory.models import PostalCode, Territory
from amtsweg.finder import search
from amtsweg.finder.search import index

pytestmark = pytest.mark.django_db


def names(query, limit=10):
    return [hit.name for hit in search.leistung_search(query=query, limit=limit)]


def place_ags(query, limit=10):
    return [hit.ags for hit in search.place_search(query=query, limit=limit)]


def test_hund_finds_hundesteuer_among_top_results():
    top = names("Hund", limit=5)
    assert "Hundesteuer" in top[:3]
    assert "Hundehaltung" in top


def test_typo_hundesteur_finds_hundesteuer_first():
    assert names("Hundesteur", limit=3)[0] == "Hundesteuer"


def test_compound_tail_steuer_finds_hundesteuer():
    assert "Hundesteuer" in names("Steuer", limit=100)


def test_hund_anmelden_finds_the_registration():
    # Hundesteuer has a Stammtext, the "Hundehaltung Anmeldung" entry none (issue 11): it comes first.
    top = names("Hund anmelden", limit=3)
    assert top[0] == "Hundesteuer"
    assert "Hundehaltung Anmeldung" in top


def test_umzug_finds_wohnsitz_and_halteverbot():
    top = names("Umzug", limit=8)
    assert any(name.startswith("Wohnsitz An") for name in top)
    assert any("Halteverbot" in name for name in top)


def test_wunschkennzeichen():
    top = names("Wunschkennzeichen", limit=3)
    assert top and all("Wunschkennzeichen" in name for name in top)


def test_gewerbe_anmelden():
    assert names("Gewerbe anmelden", limit=3)[0] == "Gewerbe Anmeldung"


def test_umlaut_spelling_variants_find_the_same():
    assert names("Führerschein", limit=1) == names("Fuehrerschein", limit=1) == ["Führerschein"]


def test_hit_carries_what_the_ui_needs():
    hit = search.leistung_search(query="Hundesteuer", limit=1)[0]
    row = Leistung.objects.select_related("ozg__lebenslage").get(pk=hit.id)
    assert (hit.slug, hit.name, hit.leika_key) == (row.slug, row.name, row.leika_key)
    assert hit.ozg_name == row.ozg.name
    assert hit.lebenslage == row.ozg.lebenslage.name
    assert hit.execution_level == row.execution_level
    assert hit.score > 0


def test_limit_is_respected():
    assert len(search.leistung_search(query="Anmeldung", limit=7)) == 7


def test_metacharacters_are_plain_characters():
    for query in ("'; DROP TABLE catalog_leistung;--<script>alert(1)</script>", "%", "_", "\\", '" OR 1=1'):
        hits = search.leistung_search(query=query)
        assert isinstance(hits, list)
        assert isinstance(search.place_search(query=query), list)
    assert Leistung.objects.exists()


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query_is_rejected_in_german(query):
    with pytest.raises(search.QueryError, match="Bitte geben Sie einen Suchbegriff ein."):
        search.leistung_search(query=query)
    with pytest.raises(search.QueryError, match="Bitte geben Sie einen Suchbegriff ein."):
        search.place_search(query=query)


def test_long_query_is_rejected_in_german():
    with pytest.raises(search.QueryError, match="höchstens 200 Zeichen"):
        search.leistung_search(query="Hund " * 2048)  # 10 kB
    with pytest.raises(search.QueryError, match="zu lang"):
        search.place_search(query="x" * 201)


def test_postal_code_01067_is_dresden():
    hits = search.place_search(query="01067")
    assert [hit.ags for hit in hits] == ["14612000"]
    assert hits[0].display_name == "Dresden"
    assert hits[0].ars == "146120000000"
    assert "01067" in hits[0].postal_codes
    assert hits[0].matched_postal_code == "01067"


def test_postal_code_09111_is_chemnitz():
    assert place_ags("09111") == ["14511000"]


def test_postal_code_shared_by_several_gemeinden_returns_all_of_them():
    shared = (
        PostalCode.objects.filter(gemeinde__kind="gemeinde", gemeinde__valid_until__isnull=True)
        .values("code")
        .order_by("code")
    )
    code = next(row["code"] for row in shared if PostalCode.objects.filter(code=row["code"]).count() > 2)
    expected = set(
        PostalCode.objects.filter(code=code, gemeinde__valid_until__isnull=True).values_list("gemeinde__ags", flat=True)
    )
    hits = search.place_search(query=code, limit=20)
    assert {hit.ags for hit in hits} == expected
    populations = [hit.population for hit in hits]
    assert populations == sorted(populations, reverse=True)


def test_postal_code_prefix_lists_several_places():
    hits = search.place_search(query="017", limit=10)
    assert len(hits) > 1
    assert all(any(code.startswith("017") for code in hit.postal_codes) for hit in hits)


def test_annaberg_finds_annaberg_buchholz():
    hit = search.place_search(query="Annaberg")[0]
    assert hit.name == "Annaberg-Buchholz, Stadt"
    assert hit.display_name == "Annaberg-Buchholz"
    assert hit.kreis_name == "Erzgebirgskreis"


def test_goerlitz_spellings_find_goerlitz():
    goerlitz = Territory.objects.get(kind="gemeinde", valid_until__isnull=True, name__startswith="Görlitz").ags
    for query in ("Görlitz", "Goerlitz", "goerlitz", "Gorlitz"):
        assert place_ags(query)[0] == goerlitz, query


def test_bilingual_name_matches_both_forms():
    assert place_ags("Bautzen")[0] == place_ags("Budyšin")[0] == place_ags("Budysin")[0]


def test_larger_population_first_among_equal_matches():
    hits = search.place_search(query="Neu", limit=10)
    prefix_hits = [hit for hit in hits if hit.display_name.startswith("Neu")]
    assert len(prefix_hits) > 1
    same_score = [hit.population for hit in prefix_hits if hit.score == prefix_hits[0].score]
    assert same_score == sorted(same_score, reverse=True)


def test_unknown_place_returns_nothing():
    assert search.place_search(query="Xyzzyhausen") == []
    assert search.place_search(query="99999") == []


def test_only_current_gemeinden_are_offered():
    current = set(Territory.objects.filter(kind="gemeinde", valid_until__isnull=True).values_list("ags", flat=True))
    assert set(place_ags("a", limit=100)) <= current


@pytest.fixture
def always_check(monkeypatch):
    """Check the version stamp on every search, and leave no index with rolled-back rows behind."""
    monkeypatch.setattr(index, "VERSION_CHECK_SECONDS", 0.0)
    yield
    search.reset_indexes()


def test_index_refreshes_after_a_catalog_change(always_check):
    assert search.leistung_search(query="Drachenhaltungserlaubnis") == []
    Leistung.objects.create(
        slug="drachenhaltungserlaubnis",
        name="Drachenhaltungserlaubnis",
        ozg=OzgLeistung.objects.order_by("id").first(),
        import_key="test-drache",
    )
    assert names("Drachenhaltungserlaubnis") == ["Drachenhaltungserlaubnis"]

    leistung = Leistung.objects.get(slug="drachenhaltungserlaubnis")
    leistung.keywords = "Lindwurm"
    leistung.save()
    assert names("Lindwurm") == ["Drachenhaltungserlaubnis"]


def test_index_is_cached_between_checks(monkeypatch):
    monkeypatch.setattr(index, "VERSION_CHECK_SECONDS", 3600.0)
    first = index.leistungen.get()
    assert index.leistungen.get() is first
