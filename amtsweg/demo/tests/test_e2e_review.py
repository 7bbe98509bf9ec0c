"""The wizard's frame with KERN components in Chromium (issue 11 §5): stable step count, compact review.

Walks the Hundesteuer and Waffenbesitzkarte assistants to the review page and checks what a citizen sees:
the "Schritt X von Y" total never grows on the way, every "ändern" link sits on the row of the answer it
changes, the review uses KERN's summary component and is far shorter than before (the page height is
printed for the report), and every page is axe-clean.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from amtsweg.demo.tests import test_e2e_assistants as flows
from amtsweg.demo.tests.test_e2e_accessibility import assert_accessible
from amtsweg.demo.tests.test_e2e_assistants import (
    HUNDESTEUER,
    WAFFENBESITZKARTE,
    _fill,
    _h1,
    _open_assistant,
    _submit,
    _weiter,
)

pytestmark = pytest.mark.e2e

# The browser page and the upload file of the assistant walk-throughs (fixtures).
assistant_page = flows.assistant_page
pdf_file = flows.pdf_file

COUNT = re.compile(r"Schritt (\d+) von (\d+)")


def _count(page) -> tuple[int, int]:
    match = COUNT.search(page.locator("main").inner_text())
    assert match, f"Kein „Schritt X von Y“ auf „{_h1(page)}“"
    return int(match.group(1)), int(match.group(2))


@pytest.mark.parametrize("scenario", [HUNDESTEUER, WAFFENBESITZKARTE], ids=lambda s: s.label)
def test_step_count_stable_and_review_compact(scenario, e2e_server, assistant_page, pdf_file):
    page, _ = assistant_page
    _open_assistant(page, e2e_server, scenario)
    _submit(page, page.get_by_role("button", name="Antrag starten"))
    counts = []
    for i, step in enumerate(scenario.steps):
        assert _h1(page) == step.title
        counts.append(_count(page))
        if os.environ.get("AMTSWEG_SCREENSHOTS") and i < 3:
            shot = Path(os.environ["AMTSWEG_SCREENSHOTS"]) / f"step-{scenario.label}-{i}.png"
            page.screenshot(path=str(shot), caret="initial")
        _fill(page, step.answers, pdf_file)
        _weiter(page)
    assert _h1(page) == "Angaben prüfen und absenden"
    counts.append(_count(page))
    height = page.evaluate("document.documentElement.scrollHeight")
    if os.environ.get("AMTSWEG_SCREENSHOTS"):  # for looking at the page, e.g. when changing its markup
        shot = Path(os.environ["AMTSWEG_SCREENSHOTS"]) / f"review-{scenario.label}.png"
        page.screenshot(path=str(shot), full_page=True, caret="initial")  # "hide" would inject a style (CSP)
    print(f"\n{scenario.label}: Übersicht {height} px hoch (1280 px breit); Schritte {counts}")

    # The total never changes on the way and the number goes up by one per page.
    totals = {total for _, total in counts}
    assert len(totals) == 1, f"Gesamtzahl der Schritte springt: {counts}"
    assert [n for n, _ in counts] == list(range(1, len(counts) + 1)), counts
    assert counts[-1][0] == counts[-1][1]
    assert page.locator("main .kern-progress progress").count() == 1

    # KERN summary: one per step, each "ändern" link on the row of its answer (same line, not below it).
    summaries = page.locator("main .kern-summary")
    assert summaries.count() == len(scenario.steps)
    rows = page.locator("main .kern-summary .kern-description-list-item")
    assert rows.count() > 3
    for i in range(rows.count()):
        row = rows.nth(i)
        link = row.get_by_role("link", name=re.compile(r"^ändern"))
        if not link.count():
            continue
        key = row.locator("dt").bounding_box()
        box = link.bounding_box()
        assert abs(box["y"] - key["y"]) < key["height"], (
            f"„ändern“ nicht in der Zeile von „{row.locator('dt').inner_text()}“"
        )
    if scenario is WAFFENBESITZKARTE:  # optional lists left empty: one row each, not a block
        empty = page.locator("main .kern-summary .kern-description-list-item", has_text="keine Angabe")
        assert empty.count() >= 3
    assert_accessible(page, f"{scenario.label}: Übersicht")
