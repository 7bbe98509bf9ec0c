import pytest

from amtsweg.catalog.models import Leistung
from amtsweg.catalog.selectors import execution_level_counts
from amtsweg.catalog.services import LEIKA_TYP_1_NOTE


def level(key: str) -> str:
    return Leistung.objects.get(leika_key=key).execution_level


@pytest.mark.parametrize(
    ("leika_key", "expected"),
    [
        ("99102013000000", "gemeinde"),  # Hundesteuer
        ("99102013002000", "gemeinde"),  # Hundesteuer Festsetzung
        ("99036009072003", "kreis"),  # Kraftfahrzeugkennzeichen Reservierung Wunschkennzeichen
        ("99036008007000", "kreis"),  # Kraftfahrzeug Zulassung (OZG-level row)
        ("99036008070003", "kreis"),  # Kfz Abmeldung online: LeiKa-Typ 1, but Zulassungsbehörde
        ("99089086000000", "kreis"),  # Waffenbesitzkarte
        ("99089069001000", "kreis"),  # Kleiner Waffenschein
        ("99089010000000", "kreis"),  # Europäischer Feuerwaffenpass
        ("99107023017001", "kreis"),  # Wohngeld Bewilligung erstmalig
        ("99012004023000", "kreis"),  # Baulastenverzeichnis Auskunft
        ("99050013005000", "kreis"),  # Erlaubnis § 34c GewO
        ("99050012104000", "gemeinde"),  # Gewerbe Anmeldung
        ("99050012070000", "gemeinde"),  # Gewerbe Abmeldung
        ("99108001001000", "gemeinde"),  # Bewohnerparkausweis Erteilung
        ("99108011000000", "gemeinde"),  # Halteverbot für Umzug
        ("99115005104000", "gemeinde"),  # Wohnsitz Anmeldung
        ("99115008000000", "gemeinde"),  # Wohnungsgeberbestätigung
        ("99027002012000", "gemeinde"),  # Geburtsurkunde Ausstellung
        ("99093003001002", "gemeinde"),  # Baumfällgenehmigung privater Grund
        ("99041004034000", "gemeinde"),  # Kindertagesstätte Aufnahme
        ("99101003000000", "kreis"),  # Leichenpass: LeiKa row beats the OZG row (Sterbeurkunde → gemeinde)
        ("99101007000000", ""),  # Todesbescheinigung: deliberately no authority
        ("99022001017003", "land"),  # BAföG für Studierende: Studierendenwerk
        ("99049001001000", "bund"),  # Führungszeugnis Erteilung (Typ 1) stays with the Bund
        ("99008003000000", "bund"),  # Berechtigungszertifikat (Typ 1) inside the Personalausweis OZG row
        ("99047002092000", "kreis"),  # Flurstückverschmelzung: documented deviation from the newsletter
        # Systematic review by family (object/group rows, docs/standards/zustaendigkeit.md):
        ("99023001051000", "kreis"),  # Führerschein Umtausch: Fahrerlaubnisbehörde (object row)
        ("99023001051001", "kreis"),  # Führerschein Umtausch in EU-Führerschein
        ("99023002049000", "kreis"),  # Fahrerlaubnis Erweiterung
        ("99023001036003", "kreis"),  # Führerschein Ersatz wegen Verlust
        ("99041006017000", "kreis"),  # Elterngeld Bewilligung: Elterngeldstelle of Landkreis/kreisfreie Stadt
        ("99041006000000", "kreis"),  # Elterngeld
        ("99015007000000", "kreis"),  # Schwerbehindertenausweis (Sachsen: kommunalisiert 2008)
        ("99010001000000", "kreis"),  # Aufenthaltserlaubnis: group row (Ausländerbehörde)
        ("99046010000000", "land"),  # Erbschein: group row (Amtsgericht)
        ("99102012000000", "gemeinde"),  # Grundsteuer: object row beats the group row (Finanzamt)
        ("99102008000000", "land"),  # Einkommensteuer: group row (Finanzamt)
        ("99025006000000", "gemeinde"),  # Straußwirtschaft: leika row, consistent with the group row
    ],
)
def test_curated_execution_levels(catalog, leika_key, expected):
    assert level(leika_key) == expected


def test_nicht_im_leika_row_by_name(catalog):
    karte = Leistung.objects.get(name="Ehrenamtskarte", ozg__ozg_id="10134")
    assert karte.execution_level == "gemeinde"
    assert "Ehrenamtskarte" in karte.execution_level_note


def test_leika_typ_1_defaults_to_bund(catalog):
    typ1 = Leistung.objects.filter(leika_typ="1")
    assert typ1.count() == 955
    # Only curated exceptions: online Kfz-Abmeldung (Zulassungsbehörde), Bundesstraßen außerorts (LASuV).
    assert set(typ1.exclude(execution_level="bund").values_list("leika_key", flat=True)) == {
        "99036008070003",
        "99108018137002",
    }
    assert Leistung.objects.get(leika_key="99019009000000").execution_level_note == LEIKA_TYP_1_NOTE
    # Mixed or other types get no default.
    assert (
        not Leistung.objects.filter(leika_typ="1, 2/3")
        .exclude(execution_level="")
        .filter(execution_level_note=LEIKA_TYP_1_NOTE)
    )


def test_every_level_has_a_reason(catalog):
    with_level = Leistung.objects.exclude(execution_level="")
    assert with_level.count() >= 2700  # 1,520 before the review by family
    assert not with_level.filter(execution_level_note="").exists()
    counts = execution_level_counts()
    assert counts["gemeinde"] > 400 and counts["kreis"] > 700
    assert sum(counts.values()) == 5225


KEY_SERVICES = [
    "99102013000000",  # Hundesteuer (Anmeldung)
    "99036009072003",  # Wunschkennzeichen Reservierung
    "99089086000000",  # Waffenbesitzkarte
    "99050012104000",  # Gewerbe Anmeldung
    "99050012071000",  # Gewerbe Ummeldung
    "99050012070000",  # Gewerbe Abmeldung
    "99108001000000",  # Bewohnerparkausweis
    "99115005104000",  # Wohnsitz Anmeldung
    "99115005011000",  # Wohnsitz Änderung (Ummeldung)
    "99108011000000",  # Halteverbot für Umzug
    "99027002012000",  # Geburtsurkunde
    "99101004012000",  # Sterbeurkunde
    "99059004012000",  # Eheurkunde
    "99079003012000",  # Lebenspartnerschaftsurkunde
    "99093003000000",  # Baumfällgenehmigung
    "99041004034000",  # Kita-Betreuungsplatz
]


@pytest.mark.parametrize("leika_key", KEY_SERVICES)
def test_key_services_have_stammtext(catalog, leika_key):
    leistung = Leistung.objects.get(leika_key=leika_key)
    for field in ("description", "required_documents", "fees", "deadlines", "processing_time", "legal_basis"):
        assert len(getattr(leistung, field)) >= 10, field
    assert leistung.keywords


def test_stammtext_legal_basis_and_keywords(catalog):
    gewerbe = Leistung.objects.get(leika_key="99050012104000")
    assert "§ 14 Gewerbeordnung" in gewerbe.legal_basis
    assert "Firma" in gewerbe.keywords
    wbk = Leistung.objects.get(leika_key="99089086000000")
    assert "§ 10 Waffengesetz" in wbk.legal_basis
    hund = Leistung.objects.get(leika_key="99102013000000")
    assert "SächsKAG" in hund.legal_basis
    assert "Hund anmelden" in hund.keywords
    anmeldung = Leistung.objects.get(leika_key="99115005104000")
    assert "Bundesmeldegesetz" in anmeldung.legal_basis
    assert "Umzug" in anmeldung.keywords
    assert "Umzug" in Leistung.objects.get(leika_key="99108011000000").keywords


def test_kfz_services_have_citizen_keywords(catalog):
    kfz = Leistung.objects.filter(ozg__ozg_id__in=["10439", "10436"])
    assert kfz.count() > 40
    for keywords in kfz.values_list("keywords", flat=True):
        assert "Auto" in keywords and "Kfz" in keywords


def test_online_services_from_newsletter(catalog):
    assert Leistung.objects.get(leika_key="99049001000000").online_url == "https://www.fuehrungszeugnis.bund.de"
    assert Leistung.objects.get(leika_key="99022001000000").online_url == "https://www.bafoeg-digital.de"


def test_family_rule_precedence(tmp_path):
    """leika > Typ 1 > object > ozg > group: the most specific rule wins."""
    from amtsweg.catalog.catalog_source import CatalogRow, execution_levels_load, level_for

    rules_file = tmp_path / "levels.csv"
    rules_file.write_text(
        "scope,key,name,level,source\n"
        "group,99123,Gruppe,land,G\n"
        "ozg,10001,OZG,gemeinde,O\n"
        "object,99123001,Objekt,kreis,K\n"
        "leika,99123001001000,Leistung,bund,L\n",
        encoding="utf-8",
    )
    rules = execution_levels_load(rules_file)

    def row(key, ozg_id="10001", typ="2/3"):
        return CatalogRow(key, key, "x", typ, ozg_id, "", True)

    assert level_for(row("99123001001000"), rules) == ("bund", "L")
    assert level_for(row("99123001002000"), rules) == ("kreis", "K")
    assert level_for(row("99123002000000"), rules) == ("gemeinde", "O")
    assert level_for(row("99123002000000", ozg_id="10002"), rules) == ("land", "G")
    assert level_for(row("99123002000000", ozg_id="10002", typ="1"), rules)[0] == "bund"
    assert level_for(row("99124002000000", ozg_id="10002"), rules) == ("", "")


def test_family_rule_key_length_checked(tmp_path):
    from amtsweg.catalog.catalog_source import execution_levels_load
    from amtsweg.catalog.services import CatalogImportError

    rules_file = tmp_path / "levels.csv"
    rules_file.write_text("scope,key,name,level,source\ngroup,9912,Gruppe,land,G\n", encoding="utf-8")
    with pytest.raises(CatalogImportError, match="5 Ziffern"):
        execution_levels_load(rules_file)
