"""The wizard's step transitions: where an opened or posted page leads, as pure functions.

Input: the resolved form, the draft's state (answers, completed steps), the step and what was posted
(already read from the request, files already stored). Output: an ``Outcome`` that the view carries
out — store the draft if ``save`` says so, then render the step page or redirect. No requests, no
writes; like ``wizard`` the only database read is the engine's PLZ check of address fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from amtsweg.assistant import wizard
from amtsweg.assistant.wizard.model import path_slug
from amtsweg.forms.engine import STEP_ERROR_KEY, ResolvedForm, clarification_outcome, form_validate, step_validate
from amtsweg.forms.fields import EMAIL_INVALID
from amtsweg.forms.paths import path_parse

TAMPERED = _(
    "Einige technische Angaben dieser Seite passten nicht zu Ihrem Antrag und wurden nicht übernommen. "
    "Ihre Eingaben sind gespeichert."
)
UNKNOWN_STEP = _("Diesen Schritt gibt es in diesem Antrag nicht.")
HIDDEN_STEP = _("Dieser Schritt ist für Ihre Angaben nicht vorgesehen. Bitte machen Sie hier weiter.")
EARLIER_STEP_OPEN = _("Bitte füllen Sie zuerst diesen Schritt vollständig aus.")
STEPS_OPEN = _("Bitte füllen Sie zuerst alle Schritte vollständig aus.")
ANSWERS_MISMATCH = _("Einige Angaben passen nicht mehr zusammen. Bitte prüfen Sie diesen Schritt.")

# Posted actions (the name "aktion" of the page's buttons); anything else counts as "weiter".
ADD_ROW = "hinzufuegen:"  # + group key
REMOVE_ROW = "entfernen:"  # + group key + ":" + row index
REMOVE_FILE = "datei-entfernen:"  # + answer path
BACK = "zurueck"
LATER = "spaeter"
REFRESH = "aktualisieren"  # htmx: an answer changed which fields the step shows


class Go(StrEnum):
    """What the view answers with."""

    SHOW = "show"  # render the step page (with errors, revealed fields, notices)
    STEP = "step"  # redirect to ``Outcome.step`` (to ``Outcome.focus`` on it, if set)
    REVIEW = "review"  # redirect to the review page
    START = "start"  # redirect to the assistant's start page
    SAVE_LATER = "save"  # redirect to the "save for later" page, coming from ``Outcome.step``
    STOP = "stop"  # redirect to the page that ends the Anliegensklärung


@dataclass(frozen=True)
class DraftState:
    """What the draft holds before the request."""

    answers: dict
    completed_steps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Posted:
    """A posted step page as the view read it."""

    answers: dict  # the stored answers updated with the page's fields and the files stored for it
    action: str = "weiter"
    upload_errors: dict = field(default_factory=dict)  # answer path -> message for refused files
    tampered: bool = False  # the page's hidden version/step fields did not match the draft
    from_review: bool = False  # the page was opened from the review page ("?von=pruefen")


@dataclass(frozen=True)
class Save:
    """What to store in the draft before answering."""

    answers: dict
    completed_steps: list[str]
    current_step: str | None = None  # None: unchanged


@dataclass(frozen=True)
class Outcome:
    go: Go
    step: str | None = None  # the step to show or to redirect to
    focus: str | None = None  # element id to focus after a redirect (a repeat row)
    save: Save | None = None
    errors: dict = field(default_factory=dict)
    revealed: frozenset[str] = frozenset()  # answer paths this page's answers made appear
    notices: tuple[str, ...] = ()  # shown on the rendered step page
    warnings: tuple[str, ...] = ()  # flash messages for the next page


def first_open(visible: list[str], completed: tuple[str, ...] | list[str]) -> str | None:
    done = set(completed)
    return next((k for k in visible if k not in done), None)


def resume(*, form: ResolvedForm, state: DraftState, warnings: tuple[str, ...] = ()) -> Outcome:
    """Where a citizen continues: the first step not yet completed, else the review page."""
    first = first_open(wizard.step_keys(form, state.answers), state.completed_steps)
    return Outcome(Go.STEP, step=first, warnings=warnings) if first else Outcome(Go.REVIEW, warnings=warnings)


def _out_of_order(*, form: ResolvedForm, state: DraftState, step_key: str, visible: list[str]) -> Outcome | None:
    """The step is hidden for these answers, the Anliegensklärung stopped, or an earlier step is open.

    ``visible``: the steps for the stored answers (computed once per request by the caller).
    """
    if step_key not in visible:
        return resume(form=form, state=state, warnings=(HIDDEN_STEP,))
    step = form.steps_by_key[step_key]
    if not step.get("clarification") and clarification_outcome(form=form, answers=state.answers) is not None:
        return Outcome(Go.STOP)
    earlier = first_open(visible[: visible.index(step_key)], state.completed_steps)
    if earlier is not None:
        return Outcome(Go.STEP, step=earlier, warnings=(EARLIER_STEP_OPEN,))
    return None


def step_open(*, form: ResolvedForm, state: DraftState, step_key: str, visible: list[str] | None = None) -> Outcome:
    """A step page requested with GET: show it, or send the citizen where they belong. ``visible``: the
    steps for ``state.answers`` if the caller has them already (``wizard.step_keys``)."""
    if step_key not in form.steps_by_key:
        return resume(form=form, state=state, warnings=(UNKNOWN_STEP,))
    visible = wizard.step_keys(form, state.answers) if visible is None else visible
    return _out_of_order(form=form, state=state, step_key=step_key, visible=visible) or Outcome(Go.SHOW, step=step_key)


def step_refused(*, form: ResolvedForm, state: DraftState, step_key: str) -> Outcome | None:
    """A posted step that does not exist or is not part of the assistant: nothing of it is read."""
    return _refused(form=form, state=state, step_key=step_key, visible=wizard.step_keys(form, state.answers))


def _refused(*, form: ResolvedForm, state: DraftState, step_key: str, visible: list[str]) -> Outcome | None:
    if step_key not in form.steps_by_key or step_key not in visible:
        return resume(form=form, state=state, warnings=(HIDDEN_STEP,))
    return None


def step_post(*, form: ResolvedForm, state: DraftState, step_key: str, posted: Posted) -> Outcome:
    """A posted step page: the posted answers are stored in every case but a refused step."""
    visible = wizard.step_keys(form, state.answers)
    refused = _refused(form=form, state=state, step_key=step_key, visible=visible)
    if refused is not None:
        return refused
    step = form.steps_by_key[step_key]
    completed = [k for k in state.completed_steps if k != step_key]
    notices = (TAMPERED,) if posted.tampered else ()
    answers = posted.answers

    out_of_order = _out_of_order(form=form, state=state, step_key=step_key, visible=visible)
    if out_of_order is not None:  # posted out of order: keep what was entered, go to the missing step
        return replace(out_of_order, save=Save(answers, completed, step_key))

    action = posted.action
    if action.startswith((ADD_ROW, REMOVE_ROW)):
        return _repeat(step=step, answers=answers, completed=completed, posted=posted, notices=notices)
    if action.startswith(REMOVE_FILE):
        path = action.split(":", 1)[1]
        if path in {p for p, _ in wizard.file_fields(form=form, step=step, answers=answers)}:
            answers = wizard.answer_set(answers, path, None)
        else:
            notices += (TAMPERED,)
        save = Save(answers, completed, step_key)
        return Outcome(Go.SHOW, step=step_key, save=save, errors=posted.upload_errors, notices=notices)
    if action == BACK:
        return _back(form=form, state=state, step_key=step_key, completed=completed, posted=posted, notices=notices)
    if action == LATER:
        done = completed + [step_key] if step_key in state.completed_steps else completed
        return Outcome(Go.SAVE_LATER, step=step_key, save=Save(answers, done, step_key))
    if action == REFRESH:
        save = Save(answers, completed, step_key)
        return Outcome(Go.SHOW, step=step_key, save=save, errors=posted.upload_errors, notices=notices)
    return _forward(form=form, state=state, step_key=step_key, completed=completed, posted=posted, notices=notices)


def repeat_change(*, step: dict, answers: dict, action: str) -> tuple[dict, str | None, str | None]:
    """Apply "hinzufuegen:<group>" / "entfernen:<group>:<i>"; returns (answers, focus id, problem).

    The group's ``max`` caps adding and its ``min`` stops removing; a group or row the page did not
    show is refused as tampered.
    """
    parts = action.split(":")
    found = _rows_at(step, answers, parts[1]) if len(parts) >= 2 else None
    if found is None:
        return answers, None, TAMPERED
    group, rows, store = found
    repeat = group["repeat"]
    label = repeat.get("item_label") or gettext("Eintrag")
    slug = path_slug(parts[1])
    if f"{parts[0]}:" == ADD_ROW:
        if repeat.get("max") is not None and len(rows) >= repeat["max"]:
            return (
                answers,
                None,
                gettext("Sie können höchstens {max} × „{label}“ angeben.").format(max=repeat["max"], label=label),
            )
        rows.append({})
        return store(rows), f"gruppe-{slug}-{len(rows)}", None
    if len(parts) != 3 or not parts[2].isdigit() or int(parts[2]) >= len(rows):
        return answers, None, TAMPERED
    if len(rows) <= repeat.get("min", 0):
        return (
            answers,
            None,
            gettext("Bitte geben Sie mindestens {min} × „{label}“ an.").format(min=repeat.get("min", 0), label=label),
        )
    rows.pop(int(parts[2]))
    return store(rows), f"gruppe-{slug}-ueberschrift", None


def _rows_at(step: dict, answers: dict, path: str):
    """(group spec, a copy of its rows, a function storing changed rows) for ``group`` or, nested (ADR 0027),
    ``group[i].sub``; None when the step has no such list in the stored answers (the page never showed it)."""
    parsed = path_parse(path)
    if parsed is None or parsed.sub_index is not None or parsed.part is not None:
        return None
    group = next((g for g in step["groups"] if g["key"] == parsed.key and g.get("repeat") is not None), None)
    if group is None or not isinstance(answers.get(group["key"]), list):
        return None
    outer = answers[group["key"]]
    if parsed.index is None and parsed.sub is None:
        return group, list(outer), lambda rows: {**answers, group["key"]: rows}
    sub = next((u for u in group.get("subgroups") or [] if u["key"] == parsed.sub), None)
    i = parsed.index
    if sub is None or i is None or i >= len(outer) or not isinstance(outer[i], dict):
        return None
    if not isinstance(outer[i].get(sub["key"]), list):
        return None

    def store(rows: list) -> dict:
        changed = list(outer)
        changed[i] = {**outer[i], sub["key"]: rows}
        return {**answers, group["key"]: changed}

    return sub, list(outer[i][sub["key"]]), store


def _repeat(*, step: dict, answers: dict, completed: list[str], posted: Posted, notices: tuple) -> Outcome:
    answers, focus, problem = repeat_change(step=step, answers=answers, action=posted.action)
    save = Save(answers, completed, step["key"])
    if problem or posted.upload_errors:
        notices += (problem,) if problem else ()
        return Outcome(Go.SHOW, step=step["key"], save=save, errors=posted.upload_errors, notices=notices)
    return Outcome(Go.STEP, step=step["key"], focus=focus, save=save)


def _back(
    *, form: ResolvedForm, state: DraftState, step_key: str, completed: list[str], posted: Posted, notices: tuple
) -> Outcome:
    """Back ("zurueck") does not validate; a completed step stays completed only while still valid."""
    answers = posted.answers
    valid = not step_validate(form=form, step_key=step_key, answers=answers)
    done = completed + [step_key] if valid and step_key in state.completed_steps else completed
    save = Save(answers, done, step_key)
    if posted.upload_errors:
        return Outcome(Go.SHOW, step=step_key, save=save, errors=posted.upload_errors, notices=notices)
    visible = wizard.step_keys(form, answers)
    index = visible.index(step_key) if step_key in visible else 0
    if index == 0:
        return Outcome(Go.START, save=save)
    return Outcome(Go.STEP, step=visible[index - 1], save=save)


def _forward(
    *, form: ResolvedForm, state: DraftState, step_key: str, completed: list[str], posted: Posted, notices: tuple
) -> Outcome:
    """Forward ("weiter"): validate the step; on to the next step, back to the review, or to the stop page."""
    step = form.steps_by_key[step_key]
    answers = posted.answers
    revealed = frozenset(wizard.shown_paths(form, step, answers) - wizard.shown_paths(form, step, state.answers))
    errors = validation_errors(form=form, step_key=step_key, answers=answers, revealed=revealed)
    errors = {**errors, **posted.upload_errors}
    if errors or revealed or notices:
        save = Save(answers, completed, step_key)
        return Outcome(Go.SHOW, step=step_key, save=save, errors=errors, revealed=revealed, notices=notices)
    done = completed + [step_key]
    if step.get("clarification") and clarification_outcome(form=form, answers=answers) is not None:
        return Outcome(Go.STOP, save=Save(answers, done, step_key))
    visible = wizard.step_keys(form, answers)
    following = visible[visible.index(step_key) + 1 :] if step_key in visible else []
    opened = first_open(visible, done)
    target = None if posted.from_review and opened is None else following[0] if following else opened
    save = Save(answers, done, target or "")
    return Outcome(Go.STEP, step=target, save=save) if target else Outcome(Go.REVIEW, save=save)


def validation_errors(*, form: ResolvedForm, step_key: str, answers: dict, revealed: frozenset[str]) -> dict:
    errors = step_validate(form=form, step_key=step_key, answers=answers)
    # Fields that appeared only because of this page's answers were never shown: no error for them yet.
    return {
        path: message
        for path, message in errors.items()
        if not any(path == r or path.startswith(f"{r}.") for r in revealed)
    }


def review_open(*, form: ResolvedForm, state: DraftState) -> Outcome | None:
    """The review page requested: None to show it, else where the citizen must go first."""
    if clarification_outcome(form=form, answers=state.answers) is not None:
        return Outcome(Go.STOP)
    first = first_open(wizard.step_keys(form, state.answers), state.completed_steps)
    if first is not None:
        return Outcome(Go.STEP, step=first, warnings=(STEPS_OPEN,))
    errors = form_validate(form=form, answers=state.answers)
    if not errors:
        return None
    # Answers that no longer fit together (e.g. the definition's rules changed): reopen the step.
    step_key = wizard.error_step(form, state.answers, errors)
    save = Save(state.answers, [k for k in state.completed_steps if k != step_key])
    if step_key:
        return Outcome(Go.STEP, step=step_key, save=save, warnings=(ANSWERS_MISMATCH,))
    saved = DraftState(answers=save.answers, completed_steps=tuple(save.completed_steps))
    return replace(resume(form=form, state=saved, warnings=(ANSWERS_MISMATCH,)), save=save)


def declaration_errors(*, checked: dict, needs_email: bool) -> list[dict]:
    """The review page's declarations (and the address for the confirmation if the form asks none)."""
    errors = []
    if not checked["wahrheit"]:
        errors.append(
            {
                "text": gettext("Bitte bestätigen Sie, dass Ihre Angaben vollständig und richtig sind."),
                "href": "#erklaerung-wahrheit",
                "field": "wahrheit",
            }
        )
    if not checked["datenschutz"]:
        errors.append(
            {
                "text": gettext("Bitte stimmen Sie der Verarbeitung Ihrer Daten zu."),
                "href": "#erklaerung-datenschutz",
                "field": "datenschutz",
            }
        )
    if needs_email:
        try:
            validate_email(checked["email"])
        except ValidationError:
            errors.append(
                {
                    "text": EMAIL_INVALID,
                    "href": "#bestaetigung-email",
                    "field": "email",
                }
            )
    return errors


def submission_refused(*, form: ResolvedForm, state: DraftState, errors: dict) -> tuple[str | None, Save | None]:
    """The submission refused ``errors``: the step to point at, and the draft with that step reopened
    (not for errors of the review page itself)."""
    step_key = wizard.error_step(form, state.answers, errors)
    if set(errors) - {STEP_ERROR_KEY, "email"} and step_key:
        return step_key, Save(state.answers, [k for k in state.completed_steps if k != step_key])
    return step_key, None
