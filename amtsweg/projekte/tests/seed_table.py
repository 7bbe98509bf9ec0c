"""Reads the newsletter's phase table ("Stand der einzelnen OZG-Projekte", SAKD OZG-Newsletter, Stand
14.10.2022) from the seed text kept beside the tests, so the fixture can be compared with its source.

The text copy has lost the cell colours (the statuses); it keeps the rows, the phase columns present in each
row, the legend and the footnotes — that is what the comparison checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SEED = Path(__file__).parent / "data" / "newsletter_2022-10_stand_ozg_projekte.txt"
SUPERSCRIPTS = {"¹": 1, "²": 2, "³": 3, "⁴": 4, "⁵": 5, "⁶": 6, "⁷": 7, "⁸": 8, "⁹": 9}
PHASE_LABELS = ["LA", "1", "2", "3", "4", "Produkt"]


@dataclass
class SeedRow:
    lp: str
    lb: str
    title: str
    note: str
    footnotes: list[int]
    phases: list[str]  # the phase labels printed in the row ("" where the cell is empty)


@dataclass
class SeedTable:
    stand: str
    pakete: list[tuple[str, str]] = field(default_factory=list)
    rows: list[SeedRow] = field(default_factory=list)
    phase_legend: list[tuple[str, str]] = field(default_factory=list)
    status_legend: list[str] = field(default_factory=list)
    option_legend: list[str] = field(default_factory=list)
    footnotes: dict[int, str] = field(default_factory=dict)


def _title(raw: str) -> tuple[str, str, list[int]]:
    note = ""
    match = re.search(r"<i>(.*?)</i>", raw)
    if match:
        note = match.group(1).strip()
        raw = raw[: match.start()]
    footnotes = [SUPERSCRIPTS[c] for c in raw if c in SUPERSCRIPTS]
    title = "".join(c for c in raw if c not in SUPERSCRIPTS)
    return " ".join(title.split()), note, footnotes


def seed_table(path: Path = SEED) -> SeedTable:
    lines = path.read_text(encoding="utf-8").splitlines()
    stand = next(line for line in lines if line.startswith("Stand:")).split("\t")[0].removeprefix("Stand:").strip()
    table = SeedTable(stand=stand)
    start = next(i for i, line in enumerate(lines) if line.startswith("LP\tLB"))
    section = "rows"
    lp = ""
    for line in lines[start + 1 :]:
        cells = [c.strip() for c in line.split("\t")]
        if not any(cells):
            continue
        if cells[0] == "Legende:":
            section = "legend"
            continue
        if section == "rows":
            if cells[0]:
                lp = cells[0]
                table.pakete.append((lp, cells[1]))
                continue
            title, note, footnotes = _title(cells[2])
            table.rows.append(SeedRow(lp, cells[1], title, note, footnotes, (cells[3:9] + [""] * 6)[:6]))
            continue
        if cells[0].startswith("Phasen nach"):
            continue
        phases_done = any(label == "Produkt" for label, _ in table.phase_legend)
        if cells[0] in PHASE_LABELS and not phases_done:
            table.phase_legend.append((cells[0], cells[1]))
        elif cells[0] == "" and "nicht begonnen" in cells:
            table.status_legend = [c for c in cells if c]
        elif cells[0] == "":
            table.option_legend.append(cells[1])
        elif cells[0].isdigit():
            table.footnotes[int(cells[0])] = re.sub(r"</?i>", "", cells[1]).strip()
    return table
