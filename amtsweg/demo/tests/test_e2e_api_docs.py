"""/api/docs/ renders under the strict CSP: no console errors, no CSP violations, nothing loaded from
another origin (no web fonts), zero axe violations (WCAG 2.1 A/AA) — collapsed and with every operation
and schema opened (issue 7, item 8)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def docs_page(page, e2e_server):
    # axe comes in as an init script (the DevTools protocol bypasses the page's CSP for it).
    page.context.add_init_script(path=str(AXE))
    page.problems = []
    page.foreign_requests = []
    origin = urlsplit(e2e_server).netloc
    page.on("console", lambda msg: page.problems.append(f"{msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda error: page.problems.append(f"pageerror: {error}"))
    page.on(
        "request",
        lambda request: page.foreign_requests.append(request.url)
        if urlsplit(request.url).scheme in ("http", "https") and urlsplit(request.url).netloc != origin
        else None,
    )
    response = page.goto(e2e_server + "/api/docs/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-summary-control")
    return page


def _axe_violations(page) -> list[str]:
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        f"[{v['impact']}] {v['id']}: {v['help']} at {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in results["violations"]
    ]


def _assert_clean(page, label: str) -> None:
    violations = _axe_violations(page)
    assert not violations, f"axe on {label}:\n" + "\n".join(violations)
    assert not page.problems, f"console errors / CSP violations on {label}:\n" + "\n".join(page.problems)
    assert not page.foreign_requests, f"requests to other origins on {label}: {page.foreign_requests}"


def test_api_docs_render_every_operation(docs_page):
    titles = docs_page.locator(".opblock-summary-control").all_inner_texts()
    text = " ".join(titles)
    # Both APIs are documented: the finder and the hub (inbound applications and the return channel).
    for path in ("/api/v1/leistungen/", "/api/v1/zustaendigkeit/", "/api/v1/hub/antraege/"):
        assert path in text, text
    assert docs_page.locator(".info .title").first.inner_text().startswith("Amtsweg API")
    assert docs_page.locator("html").get_attribute("lang") == "de"
    _assert_clean(docs_page, "/api/docs/")


def test_api_docs_opened_operations_and_schemas_are_accessible(docs_page):
    controls = docs_page.locator(".opblock-summary-control")
    for index in range(controls.count()):
        controls.nth(index).click()
    docs_page.wait_for_selector(".opblock-body .responses-table")
    models = docs_page.locator(".models-control")
    if models.count() and models.first.get_attribute("aria-expanded") != "true":
        models.first.click()
    boxes = docs_page.locator(".model-box-control")
    for index in range(boxes.count()):
        boxes.nth(index).click()
    # Code examples are scrollable: keyboard users reach them (the fix in static/js/api-docs.js).
    docs_page.wait_for_selector("pre.microlight[tabindex='0']")
    _assert_clean(docs_page, "/api/docs/ with every operation and schema opened")
