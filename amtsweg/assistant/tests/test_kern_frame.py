"""The wizard's frame with KERN components (issue 11 §5), through the test client.

- "Schritt X von Y" does not jump: steps whose condition is still open count from the first page.
- The review is a KERN summary per step with only the questions that were asked, each "ändern" link
  inside the row of its answer, and repeatable groups as one block per entry.
- Errors: one summary at the top linking to each field, the message once more at the field, nowhere else.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from amtsweg.assistant import selectors
from amtsweg.assistant import wizard as wz
from amtsweg.assistant.tests.conftest import STEP_DATA, assert_clean_markup, text

pytestmark = pytest.mark.django_db

ALL_STEPS = ("anliegen", "halter", "hunde", "befreiung", "zahlung")
COUNT = re.compile(r"Schritt (\d+) von (\d+)")


def _count(response) -> tuple[int, int]:
    match = COUNT.search(text(response))
    assert match, text(response)[:2000]
    return int(match.group(1)), int(match.group(2))


def test_step_count_counts_open_conditions_from_the_first_page(wizard):
    # Hundesteuer: "hunde", "befreiung", "zahlung" apply only to an Anmeldung, which the first page asks.
    counts = []
    for step in ALL_STEPS:
        counts.append(_count(wizard.get(step)))
        assert wizard.post(step).status_code == 302
    counts.append(_count(wizard.client.get(wizard.url("antrag-pruefen"))))
    assert counts == [(1, 6), (2, 6), (3, 6), (4, 6), (5, 6), (6, 6)]


def test_counted_steps_rule(wizard):
    form = selectors.form_for(version=wizard.draft.version, authority=wizard.draft.authority)
    everything = ["anliegen", "halter", "hunde", "befreiung", "zahlung"]
    # Not answered yet: the conditional steps may still apply, so they count.
    assert wz.counted_steps(form, {}) == everything
    # Answered: they count only when they apply; earlier numbers stay as they were.
    assert wz.counted_steps(form, {"anlass": "anmeldung"}) == everything
    assert wz.counted_steps(form, {"anlass": "abmeldung"}) == ["anliegen", "halter"]
    # The steps a citizen actually walks through are unchanged.
    assert wz.step_keys(form, {}) == ["anliegen", "halter"]


def test_one_evaluation_of_the_form_logic_serves_the_whole_page(wizard):
    """A page evaluates the form logic once (``scope_for``) and hands that on: same steps, count and fields."""
    from amtsweg.forms.engine import visible_steps

    wizard.through("anliegen", "halter", "hunde")
    form = selectors.form_for(version=wizard.draft.version, authority=wizard.draft.authority)
    walked = wizard.draft.answers
    assert walked.get("hund"), walked  # rows and computed values are part of what is compared
    for answers in ({}, {"anlass": "anmeldung"}, {"anlass": "abmeldung"}, walked):
        evaluated = wz.scope_for(form, answers)
        steps = [s["key"] for s in visible_steps(form=form, answers=answers)]
        assert wz.step_keys(form, answers, scope=evaluated[1]) == wz.step_keys(form, answers) == steps
        assert wz.counted_steps(form, answers, scope=evaluated[1]) == wz.counted_steps(form, answers)
        for step in form.steps:
            assert wz.step_page(form=form, step=step, answers=answers, evaluated=evaluated) == wz.step_page(
                form=form, step=step, answers=answers
            )


class _Summary(HTMLParser):
    """Per description-list row of the review: its key and whether an "ändern" link is inside the row."""

    def __init__(self):
        super().__init__()
        self.rows: list[dict] = []
        self.summaries = 0
        self._row: dict | None = None
        self._in_dt = False
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if "kern-summary" in classes:
            self.summaries += 1
        if tag == "div" and "kern-description-list-item" in classes:
            self._row = {"key": "", "change": None}
            self._depth = 0
        if self._row is not None:
            if tag == "div":
                self._depth += 1
            if tag == "dt":
                self._in_dt = True
            if tag == "a" and "von=pruefen" in (dict(attrs).get("href") or ""):
                self._row["change"] = dict(attrs)["href"]

    def handle_endtag(self, tag):
        if tag == "dt":
            self._in_dt = False
        if self._row is not None and tag == "div":
            self._depth -= 1
            if self._depth == 0:
                self.rows.append(self._row)
                self._row = None

    def handle_data(self, data):
        if self._in_dt and self._row is not None:
            self._row["key"] += data.strip()


def _review(wizard, **overrides):
    for step in ALL_STEPS:
        data = {**STEP_DATA[step], **overrides.get(step, {})}
        response = wizard.post(step, data)
        if response.status_code == 200 and "data-aw-revealed" in response.content.decode():
            response = wizard.post(step, data)  # questions revealed by an answer are shown first
        assert response.status_code == 302, (step, text(response)[:2000])
    return wizard.client.get(wizard.url("antrag-pruefen"))


def test_review_is_a_kern_summary_of_the_asked_questions(wizard):
    review = _review(wizard)
    html = review.content.decode()
    assert_clean_markup(html)
    parser = _Summary()
    parser.feed(html)
    assert parser.summaries == len(ALL_STEPS)
    keys = [row["key"] for row in parser.rows]
    # Asked: shown. Hidden by logic (no Befreiung asked for, dog not dangerous): not shown, not even empty.
    assert "Vorname" in keys and "Rasse oder Kreuzung" in keys
    assert "Möchten Sie eine Ermäßigung oder Befreiung beantragen?" in keys
    for hidden in ("Grund", "Begründung", "Wesenstest oder Negativzeugnis"):
        assert hidden not in keys, hidden
    # Every "ändern" link sits inside the row of its answer and leads to that very field.
    changes = [row for row in parser.rows if row["change"]]
    assert len(changes) >= 10
    vorname = next(row for row in parser.rows if row["key"] == "Vorname")
    assert vorname["change"].endswith("#" + wz.dom_id("vorname"))
    # The repeatable group: one block per entry, headed by the entry.
    assert re.search(r'<h3 class="kern-heading-small">\s*Hund 1\s*</h3>', html)
    assert "kern-progress" in html and "kern-task-list" in html


def test_review_shows_revealed_questions_once_answered(wizard):
    review = _review(
        wizard,
        befreiung={"f-befreiung_beantragt": "ja", "f-befreiung_gruende": "tierheim", "f-befreiung_begruendung": ""},
    )
    parser = _Summary()
    parser.feed(review.content.decode())
    keys = [row["key"] for row in parser.rows]
    assert "Grund" in keys and "Begründung" in keys


def test_errors_in_one_place_per_question(wizard):
    wizard.post("anliegen")
    data = {**STEP_DATA["halter"], "f-vorname": "", "f-email": "keine-adresse"}
    page = wizard.post("halter", data)
    assert page.status_code == 200
    html = page.content.decode()
    assert_clean_markup(html)
    # One summary at the top, linking to each field ...
    assert html.count("data-aw-error-summary") == 1
    summary = html[html.index("data-aw-error-summary") : html.index("</ul>", html.index("data-aw-error-summary"))]
    assert 'href="#feld-vorname"' in summary and 'href="#feld-email"' in summary
    # ... and each message once more at its field, tied to the input; nowhere else on the page.
    for field in ("vorname", "email"):
        error_id = f"feld-{field}-fehler"
        assert html.count(f'id="{error_id}"') == 1
        match = re.search(
            rf'<p class="kern-error" id="{error_id}">.*?<span class="kern-sr-only">Fehler: </span>(.*?)</span>', html
        )
        message = match.group(1)
        assert html.count(message) == 2, (field, message)
        assert re.search(rf'<input[^>]*id="feld-{field}"[^>]*aria-describedby="[^"]*{error_id}', html)
    assert "kern-alert--warning" not in html
