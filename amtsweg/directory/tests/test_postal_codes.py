"""PLZ → Gemeinde from the OpenStreetMap-derived CSV (state 2021), mapped onto today's Gemeinden."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from amtsweg.directory import services
from amtsweg.directory.models import PostalCode, Territory

from .conftest import POSTAL_CSV


def test_postal_codes_of_merged_gemeinden_point_to_the_successor(saxony):
    jahnatal = Territory.objects.get(ags="14522275")
    assert set(PostalCode.objects.filter(gemeinde=jahnatal).values_list("code", flat=True)) == {"04720", "04749"}
    # 04720 spans several Gemeinden: Döbeln, Großweitzschen and (former Zschaitz-Ottewig) Jahnatal.
    assert set(PostalCode.objects.filter(code="04720").values_list("gemeinde__ags", flat=True)) == {
        "14522080",
        "14522220",
        "14522275",
    }
    assert not PostalCode.objects.filter(gemeinde__valid_until__isnull=False).exists()
    assert not PostalCode.objects.filter(gemeinde__ags__startswith="14").exclude(gemeinde__kind="gemeinde").exists()


def test_postal_code_import_is_idempotent(saxony):
    before = set(PostalCode.objects.values_list("pk", "code", "gemeinde_id", "place_name"))
    count = services.postal_codes_import(path=POSTAL_CSV, land="14")
    assert count == PostalCode.objects.filter(gemeinde__ags__startswith="14").count()
    assert set(PostalCode.objects.values_list("pk", "code", "gemeinde_id", "place_name")) == before
    # Every current Saxon Gemeinde is reachable by at least one PLZ.
    without = Territory.objects.filter(kind="gemeinde", ars__startswith="14", valid_until__isnull=True).exclude(
        postal_codes__isnull=False
    )
    assert list(without.values_list("name", flat=True)) == []


def test_postal_code_import_replaces_stale_rows_and_skips_unknown(saxony, tmp_path):
    leipzig = Territory.objects.get(ags="14713000", valid_until__isnull=True)
    PostalCode.objects.create(code="99999", place_name="Falsch", gemeinde=leipzig)
    csv_file = tmp_path / "plz.csv"
    csv_file.write_text(
        "osm_id,ags,ort,plz,landkreis,bundesland\n"
        "1,14713000,Leipzig,04109,Leipzig,Sachsen\n"
        "2,14999999,Nirgendwo,01234,,Sachsen\n"
        "3,09162000,München,80331,,Bayern\n",
        encoding="utf-8",
    )
    assert services.postal_codes_import(path=csv_file, land="14") == 1
    assert list(PostalCode.objects.filter(gemeinde__ags__startswith="14").values_list("code", "place_name")) == [
        ("04109", "Leipzig")
    ]


def test_postal_code_input_errors(saxony, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="Spalte"):
        services.postal_codes_import(path=bad, land="14")
    with pytest.raises(CommandError, match="Datei nicht gefunden"):
        call_command("import_postal_codes", "--file", str(tmp_path / "fehlt.csv"))


def test_import_postal_codes_command(saxony):
    out = StringIO()
    call_command("import_postal_codes", stdout=out)
    count = PostalCode.objects.filter(gemeinde__ags__startswith="14").count()
    assert out.getvalue().strip() == f"{count} Zuordnungen PLZ → Gemeinde im Bestand."
