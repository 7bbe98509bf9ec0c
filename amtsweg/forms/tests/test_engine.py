import pytest

from amtsweg.forms.engine import (
    Stop,
    answers_finalize,
    answers_normalize,
    answers_prune,
    clarification_outcome,
    compute_values,
    form_from_document,
    form_validate,
    visible_steps,
)


@pytest.fixture
def form(hundesteuer):
    return form_from_document(document=hundesteuer)


def keys(steps):
    return [s["key"] for s in steps]


def test_visible_steps_follow_the_anliegen(form):
    assert keys(visible_steps(form=form, answers={})) == ["anliegen", "halter"]
    assert keys(visible_steps(form=form, answers={"anlass": "anmeldung"})) == [
        "anliegen",
        "halter",
        "hunde",
        "befreiung",
        "zahlung",
    ]


def test_visible_steps_never_raise_on_garbage(form):
    assert keys(visible_steps(form=form, answers="kaputt")) == ["anliegen", "halter"]
    assert keys(visible_steps(form=form, answers={"anlass": ["anmeldung"], "hund": "x"})) == ["anliegen", "halter"]


def test_clarification_stop_and_continue(form):
    stop = clarification_outcome(form=form, answers={"anlass": "abmeldung", "wohnsitz_hier": True})
    assert isinstance(stop, Stop) and stop.step_key == "anliegen"
    assert stop.title == "Dafür brauchen Sie diesen Antrag nicht"
    moved = clarification_outcome(form=form, answers={"anlass": "anmeldung", "wohnsitz_hier": "nein"})
    assert moved.title == "Zuständig ist Ihre Wohnsitzgemeinde"
    assert clarification_outcome(form=form, answers={"anlass": "anmeldung", "wohnsitz_hier": True}) is None


def test_form_validate_refuses_a_stopped_application(form):
    errors = form_validate(form=form, answers={"anlass": "abmeldung", "wohnsitz_hier": True})
    assert errors["__all__"] == "Dafür brauchen Sie diesen Antrag nicht"


def test_compute_fee_with_parameters_and_rows(hundesteuer):
    form = form_from_document(document=hundesteuer, parameters={"gebuehr_weiterer_hund": "150.00"})
    answers = compute_values(form=form, answers={"hund": [{}, {}, {}], "steuer_betrag": "0.01"})
    assert answers["steuer_betrag"] == "396.00"  # 96 + 2 × 150; the posted value is replaced
    assert answers["hunde_anzahl"] == 3
    assert compute_values(form=form, answers={})["steuer_betrag"] == "96.00"


def test_prune_drops_hidden_steps_fields_and_unknown_keys(form):
    answers = {
        "anlass": "abmeldung",
        "wohnsitz_hier": True,
        "vorname": "Erika",
        "hund": [{"hund_name": "Bello"}],  # step 'hunde' is hidden for an Abmeldung
        "iban": "DE89370400440532013000",  # step 'zahlung' is hidden too
        "admin": True,  # unknown key
        "befreiung_info": "x",  # info fields carry no answer
    }
    assert answers_prune(form=form, answers=answers) == {
        "anlass": "abmeldung",
        "wohnsitz_hier": True,
        "vorname": "Erika",
    }


def test_prune_drops_hidden_fields_and_row_fields(form):
    answers = {
        "anlass": "anmeldung",
        "lastschrift": False,
        "iban": "DE89370400440532013000",
        "kontoinhaber": "Erika",
        "befreiung_beantragt": False,
        "befreiung_gruende": ["sozial"],
        "hund": [
            {"hund_name": "Bello", "hund_gefaehrlich": False, "hund_gutachten": {"name": "a.pdf"}, "farbe": "braun"},
            {"hund_name": "Rex", "hund_gefaehrlich": True, "hund_gutachten": {"name": "b.pdf"}},
        ],
    }
    pruned = answers_prune(form=form, answers=answers)
    assert "iban" not in pruned and "kontoinhaber" not in pruned and "befreiung_gruende" not in pruned
    assert pruned["hund"] == [
        {"hund_name": "Bello", "hund_gefaehrlich": False},
        {"hund_name": "Rex", "hund_gefaehrlich": True, "hund_gutachten": {"name": "b.pdf"}},
    ]


def test_prune_cascades_until_stable():
    document = {
        "key": "kaskade",
        "title": "Kaskade",
        "steps": [
            {
                "key": "s1",
                "title": "S1",
                "groups": [
                    {
                        "key": "g1",
                        "title": "G1",
                        "fields": [
                            {"key": "a", "type": "boolean", "label": "A"},
                            {"key": "b", "type": "boolean", "label": "B", "when": {"var": "a"}},
                            {"key": "c", "type": "text", "label": "C", "when": {"var": "b"}},
                        ],
                    }
                ],
            }
        ],
    }
    form = form_from_document(document=document)
    # 'b' is hidden because a is false; then 'c' must go as well, although b's stale answer is true.
    assert answers_prune(form=form, answers={"a": False, "b": True, "c": "x"}) == {"a": False}


def test_normalize_reads_browser_input(form):
    answers = answers_normalize(
        form=form,
        answers={
            "geburtsdatum": "01.02.1980",
            "lastschrift": "ja",
            "iban": "de89 3704 0044 0532 0130 00",
            "erster_faelligkeitsbetrag": "12,5",
            "vorauszahlung": "0,25",
            "hund": [{"hund_name": "  Bello  ", "hund_seit": "2024-05-01"}],
            "befreiung_gruende": "sozial",
            "vorname": "",
        },
    )
    assert answers == {
        "geburtsdatum": "1980-02-01",
        "lastschrift": True,
        "iban": "DE89370400440532013000",
        "erster_faelligkeitsbetrag": "12.50",
        "vorauszahlung": "0.25",
        "hund": [{"hund_name": "Bello", "hund_seit": "2024-05-01"}],
        "befreiung_gruende": ["sozial"],
        "vorname": None,
    }


def test_finalize_gives_the_snapshot(form):
    answers = answers_finalize(
        form=form,
        answers={
            "anlass": "anmeldung",
            "wohnsitz_hier": "ja",
            "vorname": "Erika",
            "telefon": "",
            "hund": [{"hund_name": "Bello", "hund_gefaehrlich": "nein"}],
            "lastschrift": "nein",
            "iban": "DE89370400440532013000",
            "steuer_betrag": "1.00",
        },
    )
    assert answers == {
        "anlass": "anmeldung",
        "wohnsitz_hier": True,
        "vorname": "Erika",
        "hund": [{"hund_name": "Bello", "hund_gefaehrlich": False}],
        "hunde_anzahl": 1,
        "steuer_betrag": "96.00",
        "lastschrift": False,
    }
