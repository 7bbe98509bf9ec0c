"""Unit tests of the search engine's parts, on small hand-made data (no database)."""

import pytest

from amtsweg.finder.search import QueryError, text
from amtsweg.finder.search.leistungen import LeistungIndex, max_typo_distance, variant_rank
from amtsweg.finder.search.places import PlaceIndex, display_name, name_variants
from amtsweg.finder.search.types import clean_limit, clean_query


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Gebühr", "gebuehr"),
        ("GEBUEHR", "gebuehr"),
        ("Straße", "strasse"),
        ("Görlitz", "goerlitz"),
        ("Budyšin", "budysin"),
        ("Café", "cafe"),
        ("a\x00b", "a b"),
    ],
)
def test_fold_spells_out_umlauts_and_strips_other_diacritics(raw, folded):
    assert text.fold(raw) == folded


def test_umlaut_spellings_reach_the_same_stem():
    assert text.terms("Gebühren") == text.terms("Gebuehr") == text.terms("gebühr")
    assert text.terms("Anmeldung") == text.terms("anmelden")
    assert text.terms("Hunde") == text.terms("Hund") == ["hund"]


def test_words_treat_metacharacters_as_separators():
    assert text.words("'; DROP TABLE x;--<script>") == ["drop", "table", "x", "script"]
    assert text.words("%_\\") == []


def test_content_words_drop_stopwords_unless_nothing_else_is_left():
    assert text.content_words("Ich möchte meinen Hund anmelden") == ["hund", "anmelden"]
    assert text.content_words("wie und wo") == ["wie", "und", "wo"]


def test_typo_distance_grows_with_word_length():
    assert [max_typo_distance(w) for w in ("hund", "steur", "hundesteur")] == [0, 1, 2]


@pytest.mark.parametrize(
    ("key", "rank"),
    [("99102013000000", 0), ("99102013010000", 1), ("99036009072003", 2), ("", 1), ("nicht im LeiKa", 1)],
)
def test_variant_rank_from_leika_key(key, rank):
    assert variant_rank(key) == rank


@pytest.mark.parametrize("bad", ["", "   ", "\n\t", None, 42])
def test_clean_query_rejects_empty_input_in_german(bad):
    with pytest.raises(QueryError, match="Bitte geben Sie einen Suchbegriff ein."):
        clean_query(bad)


def test_clean_query_rejects_long_input_and_collapses_whitespace():
    assert clean_query("  Hund \n anmelden ") == "Hund anmelden"
    with pytest.raises(QueryError, match="zu lang"):
        clean_query("x" * 201)


def test_clean_limit():
    assert clean_limit(5) == 5
    assert clean_limit(10_000) == 100
    for bad in (0, -1, True, "5"):
        with pytest.raises(QueryError):
            clean_limit(bad)


def _row(number, name, key="", ozg="", lebenslage="", keywords=""):
    return {
        "id": number,
        "slug": f"l-{number}",
        "name": name,
        "leika_key": key,
        "ozg_name": ozg,
        "lebenslage": lebenslage,
        "themenfeld": "",
        "keywords": keywords,
        "execution_level": "gemeinde",
        "description": "",
    }


@pytest.fixture(scope="module")
def small_index():
    rows = [
        _row(1, "Hundesteuer", "99102013000000", "Hundehaltung", "Tierhaltung"),
        _row(2, "Hundesteuer Befreiung", "99102013010000", "Hundehaltung", "Tierhaltung"),
        _row(3, "Hundehaltung Anmeldung", "99110009104000", "Hundehaltung", "Tierhaltung"),
        _row(4, "Gewerbesteuer", "99102015000000", "Gewerbesteuer", "Steuern"),
        _row(5, "Wohnsitz Anmeldung", "99115005104000", "Wohnsitzmeldungen", "Wohnen & Umzug"),
        _row(6, "Gewerbe Anmeldung", "99050012104000", "Unternehmensanmeldung", "Unternehmensstart"),
        _row(7, "Abfindung vom Hundert", "99111001017003", "Unfallrente", "Krankheit"),
        _row(8, "Parkausweis", "", "Parken", "Mobilität", keywords="Anwohnerparken, Bewohnerparken"),
        _row(9, "Gaststättengewerbe Erlaubnis", "99025001005000", "Gaststätte", "Unternehmensstart"),
    ]
    return LeistungIndex(rows, {"umzug": ["wohnsitz", "anmeldung", "halteverbot"]})


def _names(hits):
    return [hit.name for hit in hits]


def test_compound_head_and_tail(small_index):
    names = _names(small_index.search("Hund", limit=3))
    assert names[0] == "Hundesteuer"
    assert "Hundehaltung Anmeldung" in names
    steuer = _names(small_index.search("Steuer", limit=5))
    assert {"Hundesteuer", "Gewerbesteuer"} <= set(steuer)


def test_compound_part_needs_a_real_rest(small_index):
    # "hund" + "ert" is not a compound of Hund.
    assert "Abfindung vom Hundert" not in _names(small_index.search("Hund", limit=10))


def test_umlaut_compound_found_through_stems(small_index):
    assert _names(small_index.search("Gaststätte", limit=1)) == ["Gaststättengewerbe Erlaubnis"]
    assert _names(small_index.search("Gaststaette", limit=1)) == ["Gaststättengewerbe Erlaubnis"]


def test_typo_and_query_compound_split(small_index):
    assert _names(small_index.search("Hundesteur", limit=1)) == ["Hundesteuer"]
    assert _names(small_index.search("Hundeanmeldung", limit=1)) == ["Hundehaltung Anmeldung"]


def test_synonym_bag_prefers_leistungen_matching_several_words(small_index):
    names = _names(small_index.search("Umzug", limit=3))
    assert names[0] == "Wohnsitz Anmeldung"
    assert names.index("Wohnsitz Anmeldung") < names.index("Gewerbe Anmeldung")


def test_keywords_are_searchable(small_index):
    assert _names(small_index.search("Anwohnerparken", limit=1)) == ["Parkausweis"]


def test_main_leistung_before_variant_and_exact_name_first(small_index):
    names = _names(small_index.search("Hundesteuer", limit=2))
    assert names == ["Hundesteuer", "Hundesteuer Befreiung"]


def test_results_are_limited_scored_and_stable(small_index):
    first = small_index.search("Anmeldung", limit=2)
    assert len(first) == 2
    assert first[0].score >= first[1].score
    assert small_index.search("Anmeldung", limit=2) == first


def test_nonsense_gives_no_result(small_index):
    assert small_index.search("xyzzy", limit=5) == []
    assert small_index.search("'; --", limit=5) == []


@pytest.fixture(scope="module")
def small_places():
    gemeinden = [
        {
            "id": 1,
            "ags": "14612000",
            "ars": "146120000000",
            "name": "Dresden, Stadt",
            "population": 570000,
            "kreis_name": "Dresden, Stadt",
            "postal_code": "01067",
        },
        {
            "id": 2,
            "ags": "14625020",
            "ars": "146250020020",
            "name": "Bautzen / Budyšin, Stadt",
            "population": 38000,
            "kreis_name": "Bautzen",
            "postal_code": "02625",
        },
        {
            "id": 3,
            "ags": "14625100",
            "ars": "146250100100",
            "name": "Kubschütz / Kubšicy",
            "population": 2500,
            "kreis_name": "Bautzen",
            "postal_code": "",
        },
        {
            "id": 4,
            "ags": "14521020",
            "ars": "145210020020",
            "name": "Annaberg-Buchholz, Stadt",
            "population": 19000,
            "kreis_name": "Erzgebirgskreis",
            "postal_code": "09456",
        },
    ]
    postal = [("02625", 2, "Bautzen"), ("02625", 3, "Kubschütz"), ("01069", 1, "Dresden")]
    return PlaceIndex(gemeinden, postal)


def test_name_variants_cover_bilingual_and_qualified_names():
    variants = dict(name_variants("Bautzen / Budyšin, Stadt"))
    assert {"bautzen budysin", "bautzen", "budysin", "bautzen budysin stadt"} <= set(variants)
    assert display_name("Annaberg-Buchholz, Stadt") == "Annaberg-Buchholz"


def test_place_by_name_part_prefix_and_sorbian_form(small_places):
    assert [p.ags for p in small_places.search("Budyšin", limit=5)] == ["14625020"]
    assert [p.ags for p in small_places.search("buchholz", limit=5)] == ["14521020"]
    assert small_places.search("Dres", limit=5)[0].display_name == "Dresden"


def test_place_typo(small_places):
    assert small_places.search("Dresdn", limit=5)[0].ags == "14612000"


def test_shared_postal_code_returns_all_larger_first(small_places):
    hits = small_places.search("02625", limit=5)
    assert [h.ags for h in hits] == ["14625020", "14625100"]
    assert all(h.matched_postal_code == "02625" for h in hits)
    assert hits[0].postal_codes == ("02625",)


def test_postal_code_prefix_and_name_narrowing(small_places):
    assert {h.ags for h in small_places.search("010", limit=5)} == {"14612000"}
    assert [h.ags for h in small_places.search("02625 Kubschütz", limit=5)] == ["14625100"]
    assert small_places.search("99999", limit=5) == []


def test_ags_lookup(small_places):
    assert [h.display_name for h in small_places.search("14521020", limit=5)] == ["Annaberg-Buchholz"]
