"""Ranking rules of issue 11 on small hand-made data (no database): online offers and Stammtexte first,
honest result counts."""

from amtsweg.finder.search.leistungen import LeistungIndex


def _row(number, name, key, *, description="", keywords=""):
    return {
        "id": number,
        "slug": f"l-{number}",
        "name": name,
        "leika_key": key,
        "ozg_name": "",
        "lebenslage": "",
        "themenfeld": "",
        "keywords": keywords,
        "execution_level": "gemeinde",
        "description": description,
    }


ROWS = [
    _row(1, "Hundehaltung Anmeldung", "99110009104000"),
    _row(2, "Hundesteuer", "99102013000000", description="Wer einen Hund hält, meldet ihn an.", keywords="anmelden"),
    _row(3, "Wohnsitz Anmeldung", "99115005104000"),
    _row(4, "Gewerbe Anmeldung", "99050012104000"),
    _row(5, "Kindertagesstätte Anmeldung", "99041004034000"),
    _row(6, "Hundehaltung", "99110009000000"),
    _row(7, "Abfallbehälter Anmeldung", "99001007104000"),
]


def _index():
    return LeistungIndex(ROWS, {})


def _names(hits):
    return [hit.name for hit in hits]


def test_a_stammtext_lifts_an_equally_relevant_leistung():
    hits = _index().search("Hund anmelden", limit=10)
    assert hits[0].name == "Hundesteuer"
    assert hits[0].has_text is True
    assert "Hundehaltung Anmeldung" in _names(hits)


def test_an_online_offer_at_the_place_comes_first():
    # Without the Stammtext bonus the plain registration would lead; online at the place beats both.
    index = LeistungIndex([{**row, "description": ""} for row in ROWS], {})
    assert index.search("Hund anmelden", limit=3)[0].name == "Hundehaltung Anmeldung"
    assert index.search("Hund anmelden", limit=3, online={2})[0].name == "Hundesteuer"


def test_an_online_offer_never_lifts_a_partial_match():
    # Hundesteuer is online, but matches only "anmelden" of "Wohnsitz anmelden": it stays out.
    hits = _index().search("Wohnsitz anmelden", limit=10, online={2, 5})
    assert _names(hits) == ["Wohnsitz Anmeldung"]


def test_two_word_queries_report_only_real_matches():
    # Every entry mentions "Anmeldung", but only those about the dog match both words.
    names = _names(_index().search("Hund anmelden", limit=100))
    assert set(names) == {"Hundesteuer", "Hundehaltung Anmeldung"}


def test_weak_matches_below_the_relative_floor_are_dropped():
    names = _names(_index().search("Hundesteuer", limit=100))
    assert names[0] == "Hundesteuer"
    assert "Hundehaltung" not in names  # shares only the head "Hund"
