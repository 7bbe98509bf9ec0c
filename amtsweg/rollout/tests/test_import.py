"""``manage.py rollout_import``: every bad row reported with its line number, nothing half-imported."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from amtsweg.directory.models import Authority
from amtsweg.rollout.models import AdoptionRecord
from amtsweg.rollout.tests.conftest import HUNDESTEUER_KEY, WUNSCHKENNZEICHEN_KEY

pytestmark = pytest.mark.django_db


def test_import_resolves_the_responsible_authority(tmp_path):
    path = tmp_path / "angebote.csv"
    path.write_text(
        "leika;ars;seit;bis;loesung\n"
        f"{WUNSCHKENNZEICHEN_KEY};14522;2020-04-01;;eKOL-KFZ\n"  # Kreis → Landratsamt Mittelsachsen
        f"{HUNDESTEUER_KEY};145220180180;2021-10-01;2023-12-31;Amt24\n",  # Freiberg → its Stadtverwaltung
        encoding="utf-8",
    )
    call_command("rollout_import", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    kfz, hund = AdoptionRecord.objects.order_by("since")
    assert kfz.authority.kind == Authority.Kind.LANDRATSAMT and kfz.authority.territory.ars == "14522"
    assert kfz.until is None and kfz.solution == "eKOL-KFZ" and kfz.source == "angebote.csv"
    assert hund.authority.name == "Stadtverwaltung Freiberg" and str(hund.until) == "2023-12-31"


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_imported(tmp_path):
    path = tmp_path / "fehler.csv"
    path.write_text(
        "leika,ars,seit,bis,loesung\n"
        f"{WUNSCHKENNZEICHEN_KEY},14522,2020-04-01,,gut\n"
        "99999999999999,14522,2020-04-01,,unbekannte Leistung\n"
        f"{WUNSCHKENNZEICHEN_KEY},99999,2020-04-01,,unbekanntes Gebiet\n"
        f"{WUNSCHKENNZEICHEN_KEY},14522,1.4.2020,,falsches Datum\n"
        f"{WUNSCHKENNZEICHEN_KEY},14522,2020-04-01,2019-01-01,bis vor seit\n"
        f"{HUNDESTEUER_KEY},14522,2020-04-01,,Kreis für eine Gemeindeaufgabe\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as caught:
        call_command("rollout_import", str(path))
    text = str(caught.value)
    assert "Nichts importiert" in text
    assert "Zeile 2" not in text
    assert "Zeile 3: LeiKa-Schlüssel „99999999999999“ ist nicht im Leistungskatalog" in text
    assert "Zeile 4: Regionalschlüssel „99999“" in text
    assert "Zeile 5: „seit“ ist kein Datum" in text
    assert "Zeile 6: „bis“ liegt vor „seit“" in text
    assert "Zeile 7: In Mittelsachsen sind" in text and "Behörden für „Hundesteuer“ zuständig" in text
    assert not AdoptionRecord.objects.exists()


def test_missing_columns_and_replacing_an_earlier_import(import_csv):
    from amtsweg.rollout.services import AdoptionImportError, adoption_import

    with pytest.raises(AdoptionImportError, match="Spalte\\(n\\) fehlen: seit"):
        adoption_import(data="leika,ars,loesung\n", source="x.csv")
    import_csv([f"{WUNSCHKENNZEICHEN_KEY},14522,2020-04-01,,a", f"{WUNSCHKENNZEICHEN_KEY},14521,2020-04-01,,b"])
    data = f"leika,ars,seit,bis,loesung\n{WUNSCHKENNZEICHEN_KEY},14523,2020-04-01,,c\n"
    result = adoption_import(data=data, source="test.csv", replace=True)
    assert (result.created, result.replaced) == (1, 2)
    assert list(AdoptionRecord.objects.values_list("solution", flat=True)) == ["c"]
