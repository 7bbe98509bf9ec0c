from amtsweg.catalog.models import Leistung
from amtsweg.catalog.selectors import (
    catalog_version,
    legal_basis_items,
    leistung_by_slug,
    leistung_edited_fields,
    leistungen_for_index,
    leistungen_for_lebenslage,
    synonyms_map,
    themenfelder_with_lebenslagen,
)


def test_leistung_by_slug(catalog):
    hund = leistung_by_slug(slug="hundesteuer")
    assert hund is not None and hund.leika_key == "99102013000000"
    assert hund.ozg.lebenslage.themenfeld.name  # related objects loaded
    assert leistung_by_slug(slug="gibt-es-nicht") is None
    hidden = Leistung.objects.get(name="Test 124")
    assert leistung_by_slug(slug=hidden.slug) is None


def test_themenfelder_with_lebenslagen(catalog, django_assert_num_queries):
    with django_assert_num_queries(2):
        themen = list(themenfelder_with_lebenslagen())
        total = sum(len(t.lebenslagen.all()) for t in themen)
    assert len(themen) == 14
    assert total == 55


def test_leistungen_for_lebenslage(catalog):
    lebenslage = Leistung.objects.get(leika_key="99036008007000").ozg.lebenslage
    leistungen = list(leistungen_for_lebenslage(lebenslage=lebenslage))
    assert any(lst.leika_key == "99036008007000" for lst in leistungen)
    assert all(lst.ozg.lebenslage_id == lebenslage.pk for lst in leistungen)
    assert [(lst.ozg.name, lst.name) for lst in leistungen] == sorted((lst.ozg.name, lst.name) for lst in leistungen)
    kreis_only = list(leistungen_for_lebenslage(lebenslage=lebenslage, execution_level="kreis", limit=5))
    assert 0 < len(kreis_only) <= 5
    assert {lst.execution_level for lst in kreis_only} == {"kreis"}


def test_leistungen_for_index_is_one_query(catalog, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = leistungen_for_index()
    assert len(rows) == 5223  # all but the two hidden test rows
    hund = next(r for r in rows if r["leika_key"] == "99102013000000")
    assert hund["slug"] == "hundesteuer"
    assert hund["ozg_code"] == "10160"
    assert hund["ozg_name"] == "Hundehaltung"
    assert hund["execution_level"] == "gemeinde"
    assert hund["lebenslage"] and hund["themenfeld"]
    assert "Hund" in hund["keywords"]
    assert hund["description"]
    assert set(hund) >= {"id", "slug", "name", "leika_key", "ozg_name", "lebenslage", "themenfeld", "keywords"}


def test_catalog_version_changes_after_edit(catalog):
    before = catalog_version()
    assert before == catalog_version()  # stable without changes
    hund = Leistung.objects.get(leika_key="99102013000000")
    hund.keywords += ", Vierbeiner"
    hund.save()
    after_edit = catalog_version()
    assert after_edit != before
    Leistung.objects.filter(name="Test 4").delete()
    assert catalog_version() not in (before, after_edit)


def test_synonyms_map():
    synonyms = synonyms_map()
    assert {"ummeldung", "wohnsitz", "anmeldung", "halteverbot"} <= set(synonyms["umzug"])
    assert "kfz" in synonyms["auto"]
    assert "hundesteuer" in synonyms["hund"]
    assert "gewerbe" in synonyms["firma"]
    assert all(term == term.lower() and all(e == e.lower() for e in exp) for term, exp in synonyms.items())
    synonyms["umzug"].append("kaputt")  # callers get a copy
    assert "kaputt" not in synonyms_map()["umzug"]


def test_legal_basis_items(catalog):
    items = legal_basis_items(leistung=Leistung.objects.get(leika_key="99050012104000"))
    assert items[0] == {
        "label": "§ 14 Gewerbeordnung (GewO) – Anzeigepflicht",
        "url": "https://www.gesetze-im-internet.de/gewo/__14.html",
    }
    hund_items = legal_basis_items(leistung=Leistung.objects.get(leika_key="99102013000000"))
    assert hund_items[-1] == {"label": "Hundesteuersatzung der jeweiligen Gemeinde", "url": ""}


def test_edited_fields_empty_after_import(catalog):
    hund = Leistung.objects.get(leika_key="99102013000000")
    assert leistung_edited_fields(leistung=hund) == []


def test_leistung_by_slug_equals_the_orm_with_select_related(catalog):
    """The raw statement gives what select_related gives: every field with the ORM's types, relations loaded."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from amtsweg.catalog.models import Leistung

    expected = Leistung.objects.select_related("ozg__lebenslage__themenfeld").get(slug="hundesteuer")
    with CaptureQueriesContext(connection) as queries:
        found = leistung_by_slug(slug="hundesteuer")
        names = (found.ozg.name, found.ozg.lebenslage.name, found.ozg.lebenslage.themenfeld.slug)
    assert len(queries) == 1
    assert names == (expected.ozg.name, expected.ozg.lebenslage.name, expected.ozg.lebenslage.themenfeld.slug)
    for obj, ref in ((found, expected), (found.ozg, expected.ozg), (found.ozg.lebenslage, expected.ozg.lebenslage)):
        for field in type(ref)._meta.concrete_fields:
            assert getattr(obj, field.attname) == getattr(ref, field.attname), field.name
            assert type(getattr(obj, field.attname)) is type(getattr(ref, field.attname)), field.name
    assert found._state.adding is False
