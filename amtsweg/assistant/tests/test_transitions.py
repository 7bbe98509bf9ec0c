"""The wizard's step transitions without HTTP: every posted action, repeat limits, files, review jumps.

The form is the pinned Hundesteuer definition; posted pages are read with ``wizard.step_read`` from the
same field names a browser sends, so the answers have the shape the views hand over.
"""

from __future__ import annotations

import pytest
from django.http import QueryDict

from amtsweg.assistant import wizard
from amtsweg.assistant.tests.conftest import DEFINITION, STEP_DATA
from amtsweg.assistant.transitions import (
    ANSWERS_MISMATCH,
    EARLIER_STEP_OPEN,
    HIDDEN_STEP,
    STEPS_OPEN,
    TAMPERED,
    UNKNOWN_STEP,
    DraftState,
    Go,
    Outcome,
    Posted,
    Save,
    declaration_errors,
    review_open,
    step_open,
    step_post,
    step_refused,
    submission_refused,
)
from amtsweg.forms.definition import definition_parse
from amtsweg.forms.engine import form_from_document

FILE = {"name": "gutachten.pdf", "size": 1234, "type": "pdf", "ref": "abc123"}  # as upload_store answers


@pytest.fixture(scope="module")
def form():
    return form_from_document(document=definition_parse(text=DEFINITION.read_text(encoding="utf-8")))


def _read(form, step_key: str, answers: dict, data: dict | None = None) -> dict:
    """The answers after posting ``data`` (default: the valid page) on ``step_key``."""
    post = QueryDict(mutable=True)
    for name, value in (STEP_DATA[step_key] if data is None else data).items():
        post[name] = value
    return wizard.step_read(form=form, step=form.steps_by_key[step_key], answers=answers, post=post)


def _state(form, *steps: str) -> DraftState:
    """A draft with ``steps`` completed with the valid answers of the test data."""
    answers: dict = {}
    for step_key in steps:
        answers = _read(form, step_key, answers)
    return DraftState(answers=answers, completed_steps=tuple(steps))


def _post(form, state: DraftState, step_key: str, data: dict | None = None, **posted) -> Outcome:
    answers = _read(form, step_key, state.answers, data)
    return step_post(form=form, state=state, step_key=step_key, posted=Posted(answers=answers, **posted))


def _dogs(n: int) -> dict:
    """The valid dog page with ``n`` dogs (row i named "Hund<i>")."""
    data = {}
    for i in range(n):
        for name, value in STEP_DATA["hunde"].items():
            data[name.replace("-hund-0-", f"-hund-{i}-")] = value
        data[f"f-hund-{i}-hund_name"] = f"Hund{i}"
    return data


def _with_dogs(form, n: int, *completed: str) -> DraftState:
    base = _state(form, "anliegen", "halter")
    answers = {**base.answers, "hund": [{} for _ in range(n)]}
    answers = _read(form, "hunde", answers, _dogs(n))
    return DraftState(answers=answers, completed_steps=("anliegen", "halter", *completed))


# --- opening a step ---------------------------------------------------------------------------------------------


def test_open_shows_the_next_step(form):
    assert step_open(form=form, state=_state(form, "anliegen"), step_key="halter") == Outcome(Go.SHOW, step="halter")


def test_open_unknown_step_goes_to_the_first_open_step(form):
    outcome = step_open(form=form, state=_state(form, "anliegen"), step_key="gibtsnicht")
    assert outcome == Outcome(Go.STEP, step="halter", warnings=(UNKNOWN_STEP,))


def test_open_hidden_step_goes_to_the_first_open_step(form):
    state = DraftState(answers={"anlass": "anmeldung", "wohnsitz_hier": True}, completed_steps=())
    hidden = DraftState(answers={**state.answers, "anlass": "abmeldung"}, completed_steps=())
    assert step_open(form=form, state=state, step_key="hunde").go == Go.STEP
    assert step_open(form=form, state=hidden, step_key="hunde") == Outcome(
        Go.STEP, step="anliegen", warnings=(HIDDEN_STEP,)
    )


def test_open_a_step_too_early_points_at_the_earlier_one(form):
    outcome = step_open(form=form, state=_state(form, "anliegen"), step_key="zahlung")
    assert outcome == Outcome(Go.STEP, step="halter", warnings=(EARLIER_STEP_OPEN,))


def test_open_after_a_stopping_clarification_goes_to_the_stop_page(form):
    state = DraftState(answers={"anlass": "abmeldung", "wohnsitz_hier": True}, completed_steps=("anliegen",))
    assert step_open(form=form, state=state, step_key="halter") == Outcome(Go.STOP)
    assert step_open(form=form, state=state, step_key="anliegen") == Outcome(Go.SHOW, step="anliegen")


def test_open_everything_done_resumes_at_the_review(form):
    state = _state(form, "anliegen", "halter", "hunde", "befreiung", "zahlung")
    assert step_open(form=form, state=state, step_key="nix") == Outcome(Go.REVIEW, warnings=(UNKNOWN_STEP,))


# --- posting: refused and out of order --------------------------------------------------------------------------


def test_post_of_a_hidden_or_unknown_step_is_refused_and_nothing_saved(form):
    state = DraftState(answers={"anlass": "abmeldung", "wohnsitz_hier": True}, completed_steps=())
    expected = Outcome(Go.STEP, step="anliegen", warnings=(HIDDEN_STEP,))
    assert step_refused(form=form, state=state, step_key="hunde") == expected
    assert step_refused(form=form, state=state, step_key="gibtsnicht") == expected
    assert step_refused(form=form, state=state, step_key="anliegen") is None
    posted = Posted(answers={**state.answers, "hund": [{"hund_name": "Eingeschleust"}]})
    assert step_post(form=form, state=state, step_key="hunde", posted=posted) == expected


def test_post_out_of_order_keeps_the_answers_and_points_at_the_missing_step(form):
    state = _state(form, "anliegen")
    outcome = _post(form, state, "befreiung", {"f-befreiung_beantragt": "ja"})
    assert (outcome.go, outcome.step, outcome.warnings) == (Go.STEP, "halter", (EARLIER_STEP_OPEN,))
    assert outcome.save.answers["befreiung_beantragt"] is True
    assert outcome.save.completed_steps == ["anliegen"] and outcome.save.current_step == "befreiung"


# --- "weiter" ---------------------------------------------------------------------------------------------------


def test_forward_valid_step_completes_it_and_goes_to_the_next(form):
    state = _state(form, "anliegen", "halter")
    state = DraftState(answers={**state.answers, "hund": [{}]}, completed_steps=state.completed_steps)
    outcome = _post(form, state, "hunde")
    assert (outcome.go, outcome.step) == (Go.STEP, "befreiung")
    assert outcome.save.completed_steps == ["anliegen", "halter", "hunde"]
    assert outcome.save.current_step == "befreiung"
    assert outcome.save.answers["hund"][0]["hund_name"] == "Bello"


def test_forward_with_errors_shows_the_step_and_keeps_the_input(form):
    state = _state(form, "anliegen", "halter", "hunde")
    outcome = _post(form, state, "hunde", {**STEP_DATA["hunde"], "f-hund-0-hund_name": ""})
    assert (outcome.go, outcome.step) == (Go.SHOW, "hunde")
    assert outcome.errors == {"hund[0].hund_name": "Bitte füllen Sie das Feld „Name des Hundes“ aus."}
    assert outcome.save == Save(outcome.save.answers, ["anliegen", "halter"], "hunde")
    assert outcome.save.answers["hund"][0]["hund_rasse"] == "Labrador"


def test_forward_revealing_a_field_shows_it_without_an_error_for_it(form):
    state = _state(form, "anliegen", "halter")
    state = DraftState(answers={**state.answers, "hund": [{}]}, completed_steps=state.completed_steps)
    dangerous = {**STEP_DATA["hunde"], "f-hund-0-hund_gefaehrlich": "ja"}
    outcome = _post(form, state, "hunde", dangerous)
    assert (outcome.go, outcome.revealed, outcome.errors) == (Go.SHOW, {"hund[0].hund_gutachten"}, {})
    assert "hunde" not in outcome.save.completed_steps
    # Posted again as it is now shown, the step goes through.
    again = _post(form, DraftState(outcome.save.answers, state.completed_steps), "hunde", dangerous)
    assert (again.go, again.step, again.revealed) == (Go.STEP, "befreiung", frozenset())


def test_forward_from_the_review_returns_to_the_review(form):
    state = _state(form, "anliegen", "halter", "hunde", "befreiung", "zahlung")
    assert _post(form, state, "befreiung", from_review=True).go == Go.REVIEW
    assert _post(form, state, "befreiung").step == "zahlung"  # without it: on to the following step
    reviewed = _post(form, state, "zahlung")
    assert reviewed.go == Go.REVIEW and reviewed.save.current_step == ""


def test_forward_from_the_review_goes_to_a_step_that_became_open(form):
    state = _state(form, "anliegen", "halter", "hunde", "befreiung", "zahlung")
    state = DraftState(state.answers, ("anliegen", "halter", "befreiung", "zahlung"))
    outcome = _post(form, state, "zahlung", from_review=True)
    assert (outcome.go, outcome.step) == (Go.STEP, "hunde")


def test_forward_on_a_stopping_clarification_goes_to_the_stop_page(form):
    outcome = _post(form, DraftState({}), "anliegen", {"f-anlass": "abmeldung", "f-wohnsitz_hier": "ja"})
    assert outcome.go == Go.STOP
    assert outcome.save.completed_steps == ["anliegen"] and outcome.save.current_step == "anliegen"


def test_forward_with_tampered_hidden_fields_shows_the_notice(form):
    outcome = _post(form, DraftState({}), "anliegen", tampered=True)
    assert (outcome.go, outcome.notices, outcome.errors) == (Go.SHOW, (TAMPERED,), {})
    assert outcome.save.answers["anlass"] == "anmeldung" and outcome.save.completed_steps == []


def test_forward_with_a_refused_file_shows_its_error(form):
    state = _state(form, "anliegen", "halter")
    state = DraftState(answers={**state.answers, "hund": [{}]}, completed_steps=state.completed_steps)
    outcome = _post(form, state, "hunde", upload_errors={"hund[0].hund_gutachten": "Zu groß."})
    assert (outcome.go, outcome.errors) == (Go.SHOW, {"hund[0].hund_gutachten": "Zu groß."})


# --- repeat rows ------------------------------------------------------------------------------------------------


def test_add_row_redirects_to_the_new_row(form):
    state = _with_dogs(form, 1)
    outcome = _post(form, state, "hunde", _dogs(1), action="hinzufuegen:hund")
    assert (outcome.go, outcome.step, outcome.focus) == (Go.STEP, "hunde", "gruppe-hund-2")
    assert [r.get("hund_name") for r in outcome.save.answers["hund"]] == ["Hund0", None]
    assert outcome.save.completed_steps == ["anliegen", "halter"]


def test_add_row_beyond_max_is_refused_with_a_notice(form):
    state = _with_dogs(form, 5)
    outcome = _post(form, state, "hunde", _dogs(5), action="hinzufuegen:hund")
    assert outcome.go == Go.SHOW and outcome.notices == ("Sie können höchstens 5 × „Hund“ angeben.",)
    assert len(outcome.save.answers["hund"]) == 5


def test_remove_row_redirects_to_the_group(form):
    state = _with_dogs(form, 3)
    outcome = _post(form, state, "hunde", _dogs(3), action="entfernen:hund:1")
    assert (outcome.go, outcome.focus) == (Go.STEP, "gruppe-hund-ueberschrift")
    assert [r["hund_name"] for r in outcome.save.answers["hund"]] == ["Hund0", "Hund2"]


def test_remove_row_below_min_is_refused_with_a_notice(form):
    state = _with_dogs(form, 1)
    outcome = _post(form, state, "hunde", _dogs(1), action="entfernen:hund:0")
    assert outcome.go == Go.SHOW and outcome.notices == ("Bitte geben Sie mindestens 1 × „Hund“ an.",)
    assert len(outcome.save.answers["hund"]) == 1


@pytest.mark.parametrize("action", ["entfernen:hund:7", "entfernen:hund:x", "entfernen:hund", "hinzufuegen:halter"])
def test_tampered_repeat_actions_change_nothing(form, action):
    state = _with_dogs(form, 2)
    outcome = _post(form, state, "hunde", _dogs(2), action=action)
    assert outcome.go == Go.SHOW and outcome.notices == (TAMPERED,)
    assert [r["hund_name"] for r in outcome.save.answers["hund"]] == ["Hund0", "Hund1"]


def test_repeat_action_with_a_refused_file_shows_the_step(form):
    state = _with_dogs(form, 1)
    errors = {"hund[0].hund_gutachten": "Zu groß."}
    outcome = _post(form, state, "hunde", _dogs(1), action="hinzufuegen:hund", upload_errors=errors)
    assert (outcome.go, outcome.errors, outcome.notices) == (Go.SHOW, errors, ())
    assert len(outcome.save.answers["hund"]) == 2  # the row is added all the same


# --- files ------------------------------------------------------------------------------------------------------


def test_remove_file_clears_the_answer(form):
    dangerous = {**_dogs(1), "f-hund-0-hund_gefaehrlich": "ja"}
    state = _with_dogs(form, 1)
    answers = wizard.answer_set(_read(form, "hunde", state.answers, dangerous), "hund[0].hund_gutachten", FILE)
    state = DraftState(answers, state.completed_steps)
    outcome = _post(form, state, "hunde", dangerous, action="datei-entfernen:hund[0].hund_gutachten")
    assert (outcome.go, outcome.notices) == (Go.SHOW, ())
    assert outcome.save.answers["hund"][0]["hund_gutachten"] is None


def test_remove_file_of_a_field_not_shown_is_tampered(form):
    state = _with_dogs(form, 1)
    outcome = _post(form, state, "hunde", _dogs(1), action="datei-entfernen:hund[0].hund_gutachten")
    assert (outcome.go, outcome.notices) == (Go.SHOW, (TAMPERED,))


def test_replaced_file_is_kept_in_the_posted_answers(form):
    dangerous = {**_dogs(1), "f-hund-0-hund_gefaehrlich": "ja"}
    state = _with_dogs(form, 1)
    state = DraftState(_read(form, "hunde", state.answers, dangerous), state.completed_steps)
    answers = wizard.answer_set(_read(form, "hunde", state.answers, dangerous), "hund[0].hund_gutachten", FILE)
    outcome = step_post(form=form, state=state, step_key="hunde", posted=Posted(answers=answers))
    assert (outcome.go, outcome.step) == (Go.STEP, "befreiung")
    assert outcome.save.answers["hund"][0]["hund_gutachten"] == FILE


# --- "zurück", "später", refresh --------------------------------------------------------------------------------


def test_back_does_not_validate_and_goes_to_the_previous_step(form):
    state = _state(form, "anliegen", "halter")
    state = DraftState(answers={**state.answers, "hund": [{}]}, completed_steps=state.completed_steps)
    outcome = _post(form, state, "hunde", {"f-hund-0-hund_name": "Bello"}, action="zurueck")
    assert (outcome.go, outcome.step, outcome.errors) == (Go.STEP, "halter", {})
    assert outcome.save.answers["hund"][0]["hund_name"] == "Bello"


def test_back_keeps_a_completed_step_completed_only_while_valid(form):
    state = _with_dogs(form, 1, "hunde")
    kept = _post(form, state, "hunde", _dogs(1), action="zurueck")
    assert "hunde" in kept.save.completed_steps
    broken = _post(form, state, "hunde", {**_dogs(1), "f-hund-0-hund_name": ""}, action="zurueck")
    assert "hunde" not in broken.save.completed_steps and broken.go == Go.STEP


def test_back_from_the_first_step_goes_to_the_start_page(form):
    outcome = _post(form, DraftState({}), "anliegen", {"f-anlass": "anmeldung"}, action="zurueck")
    assert outcome.go == Go.START and outcome.save.answers["anlass"] == "anmeldung"


def test_back_with_a_refused_file_shows_the_step(form):
    state = _with_dogs(form, 1)
    outcome = _post(form, state, "hunde", _dogs(1), action="zurueck", upload_errors={"x": "Zu groß."})
    assert (outcome.go, outcome.errors) == (Go.SHOW, {"x": "Zu groß."})


def test_later_goes_to_the_save_page_without_validating(form):
    state = _state(form, "anliegen", "halter")
    outcome = _post(form, state, "halter", {**STEP_DATA["halter"], "f-vorname": ""}, action="spaeter")
    assert (outcome.go, outcome.step) == (Go.SAVE_LATER, "halter")
    assert outcome.save.completed_steps == ["anliegen", "halter"]  # as it was
    assert not outcome.save.answers.get("vorname")
    fresh = _post(form, _state(form, "anliegen"), "halter", action="spaeter")
    assert fresh.save.completed_steps == ["anliegen"]


def test_refresh_shows_the_step_without_errors(form):
    outcome = _post(form, DraftState({}), "anliegen", {"f-anlass": ""}, action="aktualisieren")
    assert (outcome.go, outcome.step, outcome.errors) == (Go.SHOW, "anliegen", {})
    assert outcome.save.completed_steps == []


# --- review -----------------------------------------------------------------------------------------------------


def test_review_with_open_steps_points_at_the_first(form):
    outcome = review_open(form=form, state=_state(form, "anliegen", "halter"))
    assert outcome == Outcome(Go.STEP, step="hunde", warnings=(STEPS_OPEN,))


def test_review_after_a_stopping_clarification_goes_to_the_stop_page(form):
    state = DraftState(answers={"anlass": "abmeldung", "wohnsitz_hier": True}, completed_steps=("anliegen",))
    assert review_open(form=form, state=state) == Outcome(Go.STOP)


@pytest.mark.django_db  # the address check reads the PLZ reference data
def test_review_shows_when_all_is_valid_and_reopens_a_step_that_no_longer_fits(form):
    state = _state(form, "anliegen", "halter", "hunde", "befreiung", "zahlung")
    assert review_open(form=form, state=state) is None
    dog = {**state.answers["hund"][0], "hund_name": ""}
    broken = DraftState({**state.answers, "hund": [dog]}, state.completed_steps)
    outcome = review_open(form=form, state=broken)
    assert (outcome.go, outcome.step, outcome.warnings) == (Go.STEP, "hunde", (ANSWERS_MISMATCH,))
    assert outcome.save == Save(broken.answers, ["anliegen", "halter", "befreiung", "zahlung"])


def test_declaration_errors(form):
    checked = {"wahrheit": False, "datenschutz": False, "email": "keine"}
    fields = [e["field"] for e in declaration_errors(checked=checked, needs_email=True)]
    assert fields == ["wahrheit", "datenschutz", "email"]
    assert [e["field"] for e in declaration_errors(checked=checked, needs_email=False)] == ["wahrheit", "datenschutz"]
    ok = {"wahrheit": True, "datenschutz": True, "email": "a@example.org"}
    assert declaration_errors(checked=ok, needs_email=True) == []


def test_submission_refused_reopens_the_step_of_a_field_error_only(form):
    state = _state(form, "anliegen", "halter", "hunde", "befreiung", "zahlung")
    step_key, save = submission_refused(form=form, state=state, errors={"hund[0].hund_name": "Fehlt."})
    assert step_key == "hunde" and save.completed_steps == ["anliegen", "halter", "befreiung", "zahlung"]
    step_key, save = submission_refused(form=form, state=state, errors={"email": "Ungültig."})
    assert step_key == "halter" and save is None  # the review page's own address field: nothing reopened
    step_key, save = submission_refused(form=form, state=state, errors={"__all__": "Nicht möglich."})
    assert step_key == "anliegen" and save is None
