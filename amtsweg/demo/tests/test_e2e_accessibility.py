"""Every public page passes axe-core (WCAG 2.1 A/AA rules) in Debian's Chromium, and the finder is keyboard-operable.

axe is injected as an init script (the DevTools protocol bypasses the page's CSP for it),
so the pages themselves run under the real, strict Content-Security-Policy; any CSP
violation is reported as a failure too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PIRNA_AGS = "14628270"
HUNDESTEUER_KEY = "99102013000000"


@pytest.fixture
def axe_page(page):
    page.context.add_init_script(path=str(AXE))
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.csp_errors = csp_errors
    return page


def _format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    at {', '.join(map(str, node['target']))}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"       {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(page, label: str) -> None:
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    violations = results["violations"]
    assert not violations, f"axe found {len(violations)} WCAG violation(s) on {label}:\n" + _format_violations(
        violations
    )
    assert not page.csp_errors, f"CSP violations on {label}:\n" + "\n".join(page.csp_errors)


def _hundesteuer_slug(page, base: str) -> str:
    response = page.request.get(f"{base}/api/v1/leistungen/?q=Hundesteuer&limit=20")
    hits = response.json()["results"]
    return next(hit["slug"] for hit in hits if hit["leika_key"] == HUNDESTEUER_KEY)


def _first_lebenslage_url(page, base: str) -> str:
    page.goto(f"{base}/themen/")
    return page.locator("main a[href^='/themen/']").first.get_attribute("href")


# --- axe on every public page --------------------------------------------------------------------------------------


def test_start_page(axe_page, e2e_server):
    response = axe_page.goto(e2e_server + "/")
    assert response.status == 200
    assert axe_page.locator("h1").inner_text() == "Was möchten Sie erledigen?"
    assert_accessible(axe_page, "Startseite")


def test_start_page_with_errors(axe_page, e2e_server):
    axe_page.goto(e2e_server + "/suche/?q=&ort=Atlantis")
    expect(axe_page.get_by_text("Bitte geben Sie ein, was Sie erledigen möchten").first).to_be_visible()
    assert_accessible(axe_page, "Startseite mit Fehlermeldungen")


def test_results_page(axe_page, e2e_server):
    axe_page.goto(e2e_server + "/suche/?q=Hund&ort=Pirna")
    assert axe_page.locator("ol#treffer li").count() > 0
    assert_accessible(axe_page, "Ergebnisliste")


def test_results_empty_and_paginated(axe_page, e2e_server):
    axe_page.goto(e2e_server + "/suche/?q=Xylophonquadratur")
    expect(axe_page.get_by_text("Keine Leistung gefunden")).to_be_visible()
    assert_accessible(axe_page, "leere Ergebnisliste")
    axe_page.goto(e2e_server + "/suche/?q=Antrag&seite=2")
    expect(axe_page.get_by_role("navigation", name="Seitennavigation")).to_be_visible()
    assert_accessible(axe_page, "Ergebnisliste Seite 2")


def test_disambiguation_page(axe_page, e2e_server):
    axe_page.goto(e2e_server + "/suche/?q=Hundesteuer&ort=01796")
    assert axe_page.locator("h1").inner_text() == "Welche Gemeinde meinen Sie?"
    assert axe_page.locator("input[type=radio]").count() == 3
    assert_accessible(axe_page, "Ortsauswahl")


def test_leistung_page_without_place(axe_page, e2e_server):
    slug = _hundesteuer_slug(axe_page, e2e_server)
    axe_page.goto(f"{e2e_server}/leistungen/{slug}/")
    expect(axe_page.get_by_role("button", name="Zuständige Stelle finden")).to_be_visible()
    assert_accessible(axe_page, "Leistung ohne Ort")


def test_leistung_page_with_place(axe_page, e2e_server):
    slug = _hundesteuer_slug(axe_page, e2e_server)
    axe_page.goto(f"{e2e_server}/leistungen/{slug}/?ort={PIRNA_AGS}")
    expect(axe_page.get_by_role("heading", name="Zuständige Stelle für Pirna")).to_be_visible()
    axe_page.locator("details.aw-details summary").click()  # check the opened table too
    assert_accessible(axe_page, "Leistung mit zuständiger Stelle")


def test_leistung_page_ambiguous_place(axe_page, e2e_server):
    slug = _hundesteuer_slug(axe_page, e2e_server)
    axe_page.goto(f"{e2e_server}/leistungen/{slug}/?ort=01796")
    assert axe_page.locator("input[type=radio]").count() == 3
    assert_accessible(axe_page, "Leistung mit Ortsauswahl")


def test_themen_and_lebenslage_pages(axe_page, e2e_server):
    axe_page.goto(e2e_server + "/themen/")
    assert axe_page.locator("main h2").count() == 14
    assert_accessible(axe_page, "Themen")
    lebenslage_url = _first_lebenslage_url(axe_page, e2e_server)
    axe_page.goto(e2e_server + lebenslage_url)
    assert axe_page.locator("ul#treffer li").count() > 0
    assert_accessible(axe_page, "Lebenslage")


@pytest.mark.parametrize("path", ["/impressum/", "/datenschutz/", "/barrierefreiheit/"])
def test_legal_pages(axe_page, e2e_server, path):
    response = axe_page.goto(e2e_server + path)
    assert response.status == 200
    assert axe_page.locator("h1").count() == 1
    assert_accessible(axe_page, path)


def test_not_found_page(axe_page, e2e_server):
    response = axe_page.goto(e2e_server + "/gibt-es-nicht/")
    assert response.status == 404
    assert axe_page.locator("h1").inner_text() == "Seite nicht gefunden"
    assert_accessible(axe_page, "404-Seite")


def test_autocomplete_open_is_accessible(axe_page, e2e_server):
    axe_page.goto(e2e_server + "/")
    place = axe_page.get_by_label("Wo wohnen Sie?")
    place.press_sequentially("Pirn")
    listbox = axe_page.get_by_role("listbox")
    listbox.wait_for(state="visible")
    assert place.get_attribute("aria-expanded") == "true"
    assert listbox.get_by_role("option").first.inner_text().startswith("Pirna")
    place.press("ArrowDown")
    assert place.get_attribute("aria-activedescendant")
    assert_accessible(axe_page, "Startseite mit geöffneter Ortsauswahl")
    place.press("Enter")
    assert place.input_value() == "Pirna"
    assert place.get_attribute("aria-expanded") == "false"


# --- keyboard only -------------------------------------------------------------------------------------------------


def _tab_to(page, predicate_js: str, max_tabs: int = 40) -> None:
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!el && ({predicate_js}); }})()"):
            return
    raise AssertionError(f"Could not reach element ({predicate_js}) with Tab")


def test_keyboard_only_flow_from_search_to_authority(axe_page, e2e_server):
    page = axe_page
    page.goto(e2e_server + "/")
    # The first Tab stop is the skip link.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Zum Inhalt springen"
    _tab_to(page, "el.id === 'id_q'")
    page.keyboard.type("Hundesteuer")
    _tab_to(page, "el.id === 'id_ort'", max_tabs=2)
    page.keyboard.type("Pirna")
    page.get_by_role("listbox").wait_for(state="visible")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # takes the suggestion
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_url(re.compile(r"/suche/\?"))
    assert "Suchergebnisse" in page.locator("h1").inner_text()

    _tab_to(page, "el.matches('ol#treffer a')")
    href = page.evaluate("document.activeElement.getAttribute('href')")
    assert f"ort={PIRNA_AGS}" in href
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/leistungen/"))
    heading = page.get_by_role("heading", name="Zuständige Stelle für Pirna")
    expect(heading).to_be_visible()
    authority = page.locator(".aw-authority__name")
    expect(authority).to_be_visible()
    assert authority.inner_text().strip()
    assert_accessible(page, "Leistung nach Tastaturbedienung")


def test_search_works_without_javascript(browser, e2e_server):
    context = browser.new_context(java_script_enabled=False, locale="de-DE")
    page = context.new_page()
    try:
        page.goto(e2e_server + "/")
        page.get_by_label("Was möchten Sie erledigen?").fill("Hundesteuer")
        page.get_by_label("Wo wohnen Sie?").fill("01796")
        page.get_by_role("button", name="Suchen").click()
        assert page.locator("h1").inner_text() == "Welche Gemeinde meinen Sie?"
        page.locator(f"input[type=radio][value='{PIRNA_AGS}']").check()
        page.get_by_role("button", name="Weiter").click()
        page.locator("ol#treffer a").first.click()
        expect(page.get_by_role("heading", name="Zuständige Stelle für Pirna")).to_be_visible()
    finally:
        context.close()
