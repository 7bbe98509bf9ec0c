"""The portal in English, end to end in Debian's Chromium (issue 11 §4, ADR 0025).

A browser that asks for English still gets German (Accept-Language is not honoured); the switcher in the
header turns the portal English. The walk covers the finder (start, search results, Leistung page with a
place, Themen, a Lebenslage, the 404 page) and the Hundesteuer assistant from its start page through every
step and the review to the confirmation, and then the confirmation e-mail. On every page: no German UI
word outside elements marked ``lang="de"`` (service content: Leistung names and texts, authority names),
and axe-core finds no WCAG violation.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from amtsweg.demo.tests.test_e2e_accessibility import AXE, assert_accessible
from amtsweg.demo.tests.test_e2e_assistants import (
    HUNDESTEUER,
    PDF_BYTES,
    VORGANGSNUMMER,
    _fill,
    _mail_text,
    _submit,
    _wait_for_mail,
    _weiter,
)
from amtsweg.web.tests.english import german_words

pytestmark = pytest.mark.e2e

# Texts of the page that a screen reader reads, except those inside lang="de" (or in hidden parts).
PAGE_TEXTS = """() => {
  const skip = (el) => !el
    || el.closest('[lang^="de"], script, style, noscript, template, [hidden], [aria-hidden="true"]');
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.textContent.trim() && !skip(node.parentElement)) texts.push(node.textContent.trim());
  }
  for (const el of document.body.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
    if (skip(el)) continue;
    for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
      if (el.getAttribute(name)) texts.push(el.getAttribute(name));
    }
  }
  return texts;
}"""

# What the citizen types is not UI text; the walk answers in English where it writes free text.
ENGLISH_ANSWERS = {"befreiung_begruendung": "Bello comes from the Freiberg animal shelter; the contract is attached."}


def assert_english(page, label: str, *, title: bool = True) -> None:
    """No German UI string on the page (outside lang="de"), the page is marked English, axe is clean."""
    texts = page.evaluate(PAGE_TEXTS)
    if title:
        texts.append(page.title())
    assert page.evaluate("document.documentElement.lang") == "en", f"{label}: page not marked English"
    german = german_words(texts)
    assert not german, f"German UI text on {label}:\n  " + "\n  ".join(german)
    assert_accessible(page, f"{label} (English)")


def _h1(page) -> str:
    return page.locator("h1").first.inner_text().strip()


@pytest.fixture
def english_page(browser):
    # The browser asks for English on purpose: the portal must still start in German.
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.csp_errors = []
    page.on("console", lambda msg: page.csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield page
    context.close()


def _switch_to_english(page, base: str) -> None:
    page.goto(base + "/")
    assert page.evaluate("document.documentElement.lang") == "de"
    assert _h1(page) == "Was möchten Sie erledigen?"
    switch = page.get_by_role("button", name="English")
    assert switch.get_attribute("lang") == "en"
    _submit(page, switch)
    assert page.url.rstrip("/") == base
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.get_by_role("button", name="Deutsch").get_attribute("lang") == "de"


def test_finder_in_english(english_page, e2e_server):
    page, base = english_page, e2e_server
    _switch_to_english(page, base)
    assert _h1(page) == "What do you need to do?"
    assert_english(page, "start page")

    page.get_by_label("What do you need to do?").fill("Hundesteuer")
    page.get_by_label(re.compile("^Where do you live?")).fill("Freiberg")
    _submit(page, page.get_by_role("button", name="Search"))
    assert _h1(page) == "Search results for “Hundesteuer”"
    expect(page.get_by_text(re.compile(r"services? found")).first).to_be_visible()
    assert_english(page, "search results")

    _submit(page, page.locator("#treffer a[href^='/leistungen/hundesteuer/']").first)
    assert "ort=14522180" in page.url
    expect(page.get_by_role("heading", name="Responsible authority for Freiberg")).to_be_visible()
    expect(page.get_by_role("link", name="Apply online")).to_be_visible()
    assert_english(page, "Leistung page with place")

    _submit(page, page.get_by_role("link", name="Choose another place"))
    expect(page.get_by_label("Where do you live?")).to_be_visible()
    assert_english(page, "Leistung page without place")

    _submit(page, page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Topics"))
    assert _h1(page) == "Topics and life situations"
    assert_english(page, "Themen")

    _submit(page, page.locator("main .kern-card a.kern-link").first)
    # A Lebenslage's name (the page title) is catalogue content in German.
    assert_english(page, "Lebenslage", title=False)

    page.goto(base + "/gibt-es-nicht/")
    assert _h1(page) == "Page not found"
    assert_english(page, "404 page")

    # Back to German with the same switcher.
    _submit(page, page.get_by_role("button", name="Deutsch"))
    assert page.evaluate("document.documentElement.lang") == "de"


def test_assistant_in_english_to_the_confirmation(english_page, e2e_stack, tmp_path):
    page, base = english_page, e2e_stack.base_url
    pdf = tmp_path / "proof.pdf"
    pdf.write_bytes(PDF_BYTES)
    _switch_to_english(page, base)

    page.goto(f"{base}/leistungen/hundesteuer/?ort={HUNDESTEUER.ags}")
    _submit(page, page.get_by_role("link", name="Apply online"))
    assert _h1(page) == "Dog tax registration"
    expect(page.get_by_text("Register your dog with the City of Freiberg")).to_be_visible()
    assert_english(page, "assistant start page")
    _submit(page, page.get_by_role("button", name="Start application"))

    english_titles = ["Your request", "About the dog's keeper", "About the dogs", "Reduction or exemption"]
    english_titles.append("Tax and payment")
    for index, (step, title) in enumerate(zip(HUNDESTEUER.steps, english_titles, strict=True)):
        assert _h1(page) == title, f"step {index + 1}: {_h1(page)}"
        assert_english(page, f"step „{title}“")
        if index == 1:
            # One validation error in English: the e-mail field left empty.
            _fill(page, {k: v for k, v in step.answers.items() if k != "email"}, pdf)
            _weiter(page)
            summary = page.locator("[data-aw-error-summary]")
            expect(summary).to_be_visible()
            assert "Please fill in the field “Email address”" in summary.inner_text()
            assert_english(page, f"step „{title}“ with an error")
        _fill(page, {**step.answers, **{k: v for k, v in ENGLISH_ANSWERS.items() if k in step.answers}}, pdf)
        _weiter(page)

    assert _h1(page).startswith("Check your details"), _h1(page)
    review = page.locator("main").inner_text()
    assert "Register a dog" in review and "From an animal shelter" in review
    assert_english(page, "review page")
    page.get_by_label(re.compile("I confirm that my details")).check()
    page.get_by_label(re.compile("I have read the privacy notice")).check()
    _submit(page, page.get_by_role("button", name="Submit the application"))

    assert _h1(page) == "Your application has been received"
    number = VORGANGSNUMMER.search(page.url).group(1)
    expect(page.locator("strong", has_text=number)).to_be_visible()
    expect(page.get_by_text("“Dog tax registration”")).to_be_visible()
    assert_english(page, "confirmation page")

    # The worker writes the confirmation e-mail in the language the citizen used.
    before = len(e2e_stack.mailbox.to(HUNDESTEUER.email))
    e2e_stack.manage("db_worker", "--batch", "--no-startup-delay")
    mail = _wait_for_mail(e2e_stack.mailbox, HUNDESTEUER.email, before + 1)[-1]
    text = _mail_text(mail)
    assert number in text
    assert text.startswith("Hello,"), text
    assert "We received your application “Dog tax registration”" in text
    page.reload()
    expect(page.get_by_text("Your confirmation of receipt is ready.")).to_be_visible()
    assert_english(page, "confirmation page with receipt")
