"""The citizen vocabulary (catalog/data/synonyms.csv, keywords.csv) on the real catalogue: every entry
leads somewhere, and the colloquial words of issue 11 find what they mean."""

import csv

import pytest

from amtsweg.catalog.selectors import SYNONYMS_FILE, synonyms_map
from amtsweg.finder import search

pytestmark = pytest.mark.django_db

SOURCES = {"citizen", "stammtext", "seed", "leika"}


def _rows():
    with open(SYNONYMS_FILE, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def names(query, limit=5):
    return [hit.name for hit in search.leistung_search(query=query, limit=limit)]


def test_every_synonym_names_its_source():
    rows = _rows()
    assert len(rows) > 100
    assert {row["source"] for row in rows} <= SOURCES
    assert all(row["term"].strip() and row["expansions"].strip() for row in rows)


def test_every_expansion_finds_a_leistung():
    """An expansion that matches nothing in the catalogue would silently expand to nothing."""
    dead = [
        (term, expansion)
        for term, expansions in synonyms_map().items()
        for expansion in expansions
        if not search.leistung_search(query=expansion, limit=1)
    ]
    assert dead == []


def test_phrases_are_kept_whole():
    assert "arbeitslosengeld ii" in synonyms_map()["bürgergeld"]
    assert "umzugswagen" not in synonyms_map()["bürgergeld"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Fundbüro", "Fundsachen"),
        ("etwas gefunden", "Fundsachen"),
        ("Bürgergeld", "Arbeitslosengeld II"),
        ("Hartz 4", "Arbeitslosengeld II"),
        ("Bauantrag", "Baugenehmigung"),
        ("Abrissgenehmigung", "Abbruchgenehmigung"),
        ("Müllgebühren", "Abfallgebühr"),
        ("Schulbus", "Schülerbeförderung"),
        ("selbstständig machen", "Gewerbe Anmeldung"),
        ("Sozialpass", "Pass für Geringverdiener"),
    ],
)
def test_colloquial_word_finds_the_leistung(query, expected):
    assert expected in names(query, limit=5)


def test_lost_id_card_finds_the_replacement():
    top = names("Personalausweis verloren", limit=5)
    assert any("Verlust" in name for name in top)
