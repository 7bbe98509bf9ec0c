"""Parser tests on literal GV100AD records (copied from the 30.11.2025 file, trailing blanks stripped)."""

import datetime as dt

import pytest

from amtsweg.directory.gv100ad import GV100ADError, parse_line, parse_lines

LAND = "102025113014          Sachsen                                           Dresden"
KREIS = (
    "402025113014521       Erzgebirgskreis                                   Annaberg-Buchholz"
    "                                 44"
)
VG = (
    "502025113014521   5101Bärenstein-Königswalde                            Bärenstein"
    "                                        54"
)
GEMEINDE = (
    "6020251130145210605101Bärenstein"
    "                                                                                          64"
    "    000000005470000000215200000001056    09471       3217125007101163"
)
LEIPZIG = (
    "6020251130147130000000Leipzig, Stadt"
    "                                                                                      61"
    "    000000297800000061185000000301582    04109*****  3231156007501151152"
)


def _full(line: str) -> str:
    # Real records are padded to 220 characters.
    return line.ljust(220)


def test_land_record():
    record = parse_line(_full(LAND))
    assert (record.kind, record.ars, record.ags, record.name, record.seat) == ("land", "14", "14", "Sachsen", "Dresden")
    assert record.register_date == dt.date(2025, 11, 30)


def test_kreis_record_with_textkennzeichen():
    record = parse_line(_full(KREIS))
    assert (record.kind, record.ars, record.ags) == ("kreis", "14521", "14521")
    assert (record.name, record.seat, record.type_code) == ("Erzgebirgskreis", "Annaberg-Buchholz", "44")


def test_verband_record_with_umlauts_is_sliced_by_characters():
    record = parse_line(_full(VG))
    assert record.kind == "gemeindeverband"
    assert record.ars == "145215101"  # Land, RB, Kreis, Verband: 9 digits
    assert record.ags == ""
    # "ä" and "ö" are two bytes each in UTF-8; slicing bytes would shift the seat and the type.
    assert record.name == "Bärenstein-Königswalde"
    assert record.seat == "Bärenstein"
    assert record.type_code == "54"


def test_gemeinde_record():
    record = parse_line(_full(GEMEINDE))
    assert record.kind == "gemeinde"
    assert record.ags == "14521060"
    assert record.ars == "145215101060"  # the Verband sits between Kreis and Gemeinde
    assert record.name == "Bärenstein"
    assert record.type_code == "64"
    assert record.area_ha == 547
    assert record.population == 2152
    assert record.postal_code == "09471"
    assert record.postal_code_unique is True


def test_gemeinde_with_several_postal_codes():
    record = parse_line(_full(LEIPZIG))
    assert (record.ags, record.ars) == ("14713000", "147130000000")
    assert record.population == 611850
    assert record.postal_code == "04109"
    assert record.postal_code_unique is False


def test_land_filter_and_blank_lines():
    lines = [_full(LAND), "", _full(LEIPZIG), _full(LEIPZIG.replace("0147130000000", "0097130000000", 1))]
    records = list(parse_lines(lines, land="14"))
    assert [r.ags for r in records] == ["14", "14713000"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (_full("99" + GEMEINDE[2:]), "unbekannte Satzart"),
        (GEMEINDE[:100], "zu kurz"),
        (_full(GEMEINDE[:2] + "20251340" + GEMEINDE[10:]), "ungültiger Gebietsstand"),
        (_full(GEMEINDE[:10] + "1x" + GEMEINDE[12:]), "Länderschlüssel"),
    ],
)
def test_malformed_lines_raise_german_errors(line, message):
    with pytest.raises(GV100ADError, match=f"Zeile 7: .*{message}"):
        parse_line(line, line_no=7)
