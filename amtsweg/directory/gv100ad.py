"""Parser for the Destatis Gemeindeverzeichnis GV100AD (fixed-width, 220 characters per record).

The record description (Datensatzbeschreibung, 14.06.2000) counts *characters*. Since the
sorbian spellings were added the files are UTF-8, so a line is decoded first and then sliced
by character position; slicing bytes would shift every field after an umlaut.

Satzarten: 10 Land, 20 Regierungsbezirk, 30 Region (only Baden-Württemberg), 40 Kreis,
50 Gemeindeverband, 60 Gemeinde. Positions below are the PDF's 1-based ``von``–``bis``
converted to Python slices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

SATZART_KIND = {
    "10": "land",
    "20": "regierungsbezirk",
    "30": "region",
    "40": "kreis",
    "50": "gemeindeverband",
    "60": "gemeinde",
}

# Textkennzeichen (EF7U1) per Satzart, from the record description.
TEXTKENNZEICHEN = {
    "41": "Kreisfreie Stadt",
    "42": "Stadtkreis",
    "43": "Kreis",
    "44": "Landkreis",
    "45": "Regionalverband",
    "50": "verbandsfreie Gemeinde",
    "51": "Amt",
    "52": "Samtgemeinde",
    "53": "Verbandsgemeinde",
    "54": "Verwaltungsgemeinschaft",
    "55": "Kirchspielslandgemeinde",
    "56": "Verwaltungsverband",
    "57": "Verwaltungsgemeinschaft (Trägermodell)",
    "58": "Erfüllende Gemeinde",
    "60": "Markt",
    "61": "Kreisfreie Stadt",
    "62": "Stadtkreis",
    "63": "Stadt",
    "64": "Kreisangehörige Gemeinde",
    "65": "gemeindefreies Gebiet, bewohnt",
    "66": "gemeindefreies Gebiet, unbewohnt",
    "67": "Große Kreisstadt",
}


class GV100ADError(ValueError):
    """A line that does not follow the record description."""


@dataclass(frozen=True, slots=True)
class Record:
    kind: str  # one of Territory.Kind values
    satzart: str
    register_date: dt.date
    ars: str  # 2/3/4/5/9/12 digits depending on the level
    ags: str  # 2/3/5/8 digits; empty for Gemeindeverbände and Regionen
    name: str
    seat: str
    type_code: str
    area_ha: int | None = None
    population: int | None = None
    postal_code: str = ""
    postal_code_unique: bool = True

    @property
    def land(self) -> str:
        return self.ars[:2]


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def parse_line(line: str, *, line_no: int = 0) -> Record | None:
    """Parse one decoded line. Returns None for blank lines; raises GV100ADError on malformed ones."""
    line = line.rstrip("\r\n")
    if not line.strip():
        return None
    satzart = line[0:2]
    kind = SATZART_KIND.get(satzart)
    if kind is None:
        raise GV100ADError(f"Zeile {line_no}: unbekannte Satzart {satzart!r}.")
    if len(line) < 128:
        raise GV100ADError(f"Zeile {line_no}: Satz zu kurz ({len(line)} statt 220 Zeichen).")
    try:
        register_date = dt.date(int(line[2:6]), int(line[6:8]), int(line[8:10]))
    except ValueError as exc:
        raise GV100ADError(f"Zeile {line_no}: ungültiger Gebietsstand {line[2:10]!r}.") from exc

    land, rb, kreis, gemeinde = line[10:12], line[12:13], line[13:15], line[15:18]
    verband = line[18:22]
    name = line[22:72].strip()
    seat = line[72:122].strip()
    type_code = line[122:124].strip()
    if not land.isdigit():
        raise GV100ADError(f"Zeile {line_no}: ungültiger Länderschlüssel {land!r}.")

    if satzart == "10":
        ars = ags = land
    elif satzart == "20":
        ars = ags = land + rb
    elif satzart == "30":
        # The Region uses only position 14 (first digit of the Kreis field).
        ars, ags = land + rb + line[13:14], ""
    elif satzart == "40":
        ars = ags = land + rb + kreis
    elif satzart == "50":
        ars, ags = land + rb + kreis + verband, ""
    else:
        ags = land + rb + kreis + gemeinde
        # ARS of a Gemeinde: Land, RB, Kreis, Gemeindeverband, Gemeinde (12 digits).
        ars = land + rb + kreis + verband + gemeinde
    if not ars.isdigit():
        raise GV100ADError(f"Zeile {line_no}: ungültiger Regionalschlüssel {ars!r}.")

    if satzart != "60":
        return Record(kind, satzart, register_date, ars, ags, name, seat, type_code)
    postal_code = line[165:170].strip()
    return Record(
        kind,
        satzart,
        register_date,
        ars,
        ags,
        name,
        seat,
        type_code,
        area_ha=_int(line[128:139]),
        population=_int(line[139:150]),
        postal_code=postal_code if postal_code.isdigit() else "",
        postal_code_unique=not line[170:175].strip(),
    )


def parse_lines(lines: Iterable[str], *, land: str | None = None) -> Iterator[Record]:
    """Records of the given Land (two-digit key) or of all Länder."""
    for number, line in enumerate(lines, start=1):
        if land is not None and line[10:12] != land:
            continue  # cheap pre-filter before parsing the whole line
        record = parse_line(line, line_no=number)
        if record is not None:
            yield record


def parse_file(path: Path, *, land: str | None = None) -> list[Record]:
    # utf-8-sig: tolerate a byte order mark some tools add when re-saving the file.
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return list(parse_lines(handle, land=land))
    except UnicodeDecodeError as exc:
        raise GV100ADError(f"{Path(path).name} ist nicht UTF-8-kodiert (Byte {exc.start}).") from exc
