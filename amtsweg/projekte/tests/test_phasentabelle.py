"""The fixture regenerates the newsletter's phase table: same rows, phases, legend and footnotes."""

import datetime as dt

import pytest

from amtsweg.projekte.phases import Status
from amtsweg.projekte.selectors import phase_table
from amtsweg.projekte.tests.seed_table import seed_table

pytestmark = pytest.mark.django_db

STAND = dt.date(2022, 10, 14)


def test_rows_match_the_seed_table():
    seed = seed_table()
    table = phase_table(stichtag=STAND)
    assert seed.stand == STAND.strftime("%d.%m.%Y")
    assert [(g.lp, g.name) for g in table.groups] == seed.pakete
    got = [(r.lp, r.lb, r.title, r.note, list(r.footnotes)) for r in table.rows]
    want = [(r.lp, r.lb, r.title, r.note, r.footnotes) for r in seed.rows]
    assert got == want
    assert len(got) == 51


def test_phases_legend_and_footnotes_match_the_seed():
    seed = seed_table()
    table = phase_table(stichtag=STAND)
    assert [(label, title) for _, label, title in table.columns] == seed.phase_legend
    assert [label for _, label, _ in table.status_legend] == seed.status_legend
    assert [text for _, text, _ in table.option_legend] == seed.option_legend
    assert dict(table.footnotes) == seed.footnotes


def test_every_printed_phase_is_a_cell_and_empty_cells_are_not_required():
    seed = seed_table()
    table = phase_table(stichtag=STAND)
    for seed_row, row in zip(seed.rows, table.rows, strict=True):
        assert [c.label for c in row.cells] == ["LA", "1", "2", "3", "4", "Produkt"]
        for printed, cell in zip(seed_row.phases, row.cells, strict=True):
            if printed:
                assert printed == cell.label
            else:  # (Neu-)Feststellung einer Behinderung: LA and 1 left empty in the newsletter
                assert cell.status == Status.NICHT_ERFORDERLICH
            assert cell.symbol and cell.status_label  # text/symbol in every cell, not colour alone


def test_before_the_first_entry_the_table_is_empty():
    assert phase_table(stichtag=dt.date(2022, 10, 13)).rows == []
