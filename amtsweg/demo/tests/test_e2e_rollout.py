"""The public roll-out monitor in Debian's Chromium: axe-core (WCAG 2.1 A/AA) and the strict CSP on every
page, sorting and choosing a Kreis without JavaScript, the Kurzstatus with its downloads.

Adoption data: the demo's own go-lives (bootstrap activates the demo assistants through ``activation_set``)
and the SAKD newsletter's roll-out table (``manage.py rollout_seed``).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from amtsweg.demo.tests.test_e2e_accessibility import AXE, assert_accessible

pytestmark = pytest.mark.e2e
STICHTAG = "2022-10-05"


@pytest.fixture
def axe_page(page):
    """As in test_e2e_accessibility: axe injected past the CSP, CSP violations collected."""
    page.context.add_init_script(path=str(AXE))
    page.csp_errors = []
    page.on("console", lambda msg: page.csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    return page


@pytest.fixture(scope="module")
def seeded(e2e_stack):
    e2e_stack.manage("rollout_seed")
    return e2e_stack.base_url


def test_monitor_pages_are_accessible_and_sort_without_javascript(axe_page, seeded):
    page = axe_page
    page.goto(f"{seeded}/rollout/?stichtag={STICHTAG}")
    assert page.title().startswith("Roll-out-Monitor")
    first = page.locator("table.aw-rollout-table tbody tr").first
    assert "Kfz-Wunschkennzeichen" in first.inner_text() and "100 %" in first.inner_text()
    assert page.locator("figure.aw-rollout-map svg title").first.text_content().startswith("Durchschnittliche")
    assert_accessible(page, "Roll-out-Monitor")

    # Sort by name: a plain link in the column header.
    page.get_by_role("link", name="Online-Leistung").click()
    names = page.locator("table.aw-rollout-table tbody tr td:first-child > a").all_inner_texts()
    assert names == sorted(names, key=str.lower)

    # One Kreis: choose it in the form and submit (a GET form, no script).
    page.get_by_label("Gebiet", exact=True).select_option(label="Leipzig, Stadt")
    page.get_by_role("button", name="Anzeigen").click()
    assert "Stand des Roll-outs in Leipzig, Stadt" in page.locator("h2#tabelle").inner_text()
    assert_accessible(page, "Roll-out-Monitor, Leipzig")


def test_service_detail_and_kurzstatus_are_accessible(axe_page, seeded):
    page = axe_page
    page.goto(f"{seeded}/rollout/?stichtag={STICHTAG}")
    page.get_by_role("link", name="Hundesteuer-Anmeldung").click()
    assert page.locator("h1").inner_text() == "Hundesteuer-Anmeldung"
    assert page.locator("table").first.locator("tbody tr").count() == 13  # every Kreis
    assert page.locator("svg title", has_text="Gemeinden, deren zuständige Behörde").count() == 1
    assert_accessible(page, "Roll-out-Monitor, Leistung")

    page.goto(f"{seeded}/rollout/kurzstatus/?stichtag={STICHTAG}")
    expect(page.get_by_role("heading", name="Stand des Roll-outs")).to_be_visible()
    expect(page.get_by_text("im Vollzug der Landkreise", exact=False).first).to_be_visible()
    assert_accessible(page, "Kurzstatus")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").click()
    assert download.value.suggested_filename == f"kurzstatus-{STICHTAG}.pdf"
