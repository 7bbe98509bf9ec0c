"""A FIM schema with nested repetition, completed over HTTP (issue 11 §3, ADR 0027).

Persons (1:3), each with one or more addresses (Datenfeldgruppe 1:*) and any number of nationalities
(Datenfeld 0:*): imported, published for Dresden, and filled in the real wizard — rows added and removed at
both levels without JavaScript (plain submit buttons) and with htmx, a missing nested answer shown at its
field, the review and the receipt naming whose address it is, and the submission in the nested shape.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from amtsweg.assistant.tests.conftest import HUNDESTEUER_KEY, assert_clean_markup
from amtsweg.assistant.tests.test_fim_assistants import _activate, _Controls, dresden_authority  # noqa: F401
from amtsweg.forms.tests.test_fim import field, group, schema, struct

pytestmark = pytest.mark.django_db


def _nested_schema() -> bytes:
    return schema(
        struct("1:1", field("F20", "Aktenzeichen")),
        struct(
            "1:3",
            group(
                "G21",
                "Person",
                struct("1:1", field("F21", "Vorname")),
                struct(
                    "1:*",
                    group("G22", "Anschrift", struct("1:1", field("F22", "Ort")), struct("0:1", field("F23", "Zu"))),
                ),
                struct("0:*", field("F24", "Staatsangehörigkeit")),
            ),
        ),
        name="Personen mit Anschriften",
    )


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def published(dresden, dresden_authority, tmp_path):  # noqa: F811 (the imported fixture)
    from amtsweg.assistant.publishing import fim_schema_publish

    load = fim_schema_publish(xml=_nested_schema(), key="fim-personen", leistung=HUNDESTEUER_KEY, gemeinde=dresden)
    assert load.published, load.publish_errors
    _activate(load.version.definition, dresden_authority(HUNDESTEUER_KEY), tmp_path)
    return load


def test_nested_schema_maps_to_nested_groups(published):
    person = next(g for s in published.version.document["steps"] for g in s["groups"] if g.get("repeat"))
    assert person["key"] == "g21" and [f["key"] for f in person["fields"]] == ["f21"]
    assert [(u["key"], u["repeat"]["min"]) for u in person["subgroups"]] == [("g22", 1), ("f24_liste", 0)]


def test_nested_rows_are_added_removed_and_submitted_over_http(client, dresden, published):
    from amtsweg.forms.formats import data_xml
    from amtsweg.submissions.models import Submission
    from amtsweg.submissions.receipt import receipt_html

    start = client.post(reverse("assistant:start", kwargs={"key": "fim-personen", "ags": dresden.ags}))
    first = client.post(start["Location"], {"aktion": "weiter", "f-f20": "AZ-1"})
    assert first.status_code == 302
    url = first["Location"]

    page = client.get(url).content.decode()
    assert_clean_markup(page)
    assert "Person 1</legend>" in page and "Anschrift 1 (Person 1)</legend>" in page
    assert 'name="f-g21-0-g22-0-f22"' in page
    assert 'value="hinzufuegen:g21[0].g22"' in page and 'value="hinzufuegen:g21[0].f24_liste"' in page
    assert "Anschrift 1 (Person 1) entfernen" not in page  # the minimum of one address stays

    # Without JavaScript: a plain submit adds a nested row, keeps what was typed and focuses the new row.
    typed = {"f-g21-0-f21": "Ada", "f-g21-0-g22-0-f22": "Pirna"}
    added = client.post(url, {**typed, "aktion": "hinzufuegen:g21[0].g22"})
    assert added.status_code == 302 and "fokus=gruppe-g21-0-g22-2" in added["Location"]
    page = client.get(added["Location"]).content.decode()
    assert "Anschrift 2 (Person 1)</legend>" in page and 'value="Pirna"' in page
    assert 'id="gruppe-g21-0-g22-2" tabindex="-1" data-aw-focus' in page
    assert_clean_markup(page)

    # With htmx: the buttons post in the background and the step is swapped in from the page htmx lands on
    # (XMLHttpRequest follows the redirect); a second person gets its own first address.
    assert re.search(r'value="hinzufuegen:g21\[0\]\.g22"\s+hx-post="[^"]+" hx-target="#schritt"', page)
    htmx = {"HTTP_HX_REQUEST": "true", "follow": True}
    typed["f-g21-0-g22-1-f22"] = "Dresden"
    response = client.post(url, {**typed, "aktion": "hinzufuegen:g21"}, **htmx)
    assert response.status_code == 200
    assert "Person 2</legend>" in response.content.decode()
    assert "Anschrift 1 (Person 2)</legend>" in response.content.decode()
    response = client.post(url, {**typed, "aktion": "entfernen:g21[0].g22:0"}, **htmx)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Anschrift 2 (Person 1)" not in html and 'value="Dresden"' in html and 'value="Pirna"' not in html
    typed = {"f-g21-0-f21": "Ada", "f-g21-0-g22-0-f22": "Dresden", "f-g21-1-f21": "Bo"}
    client.post(url, {**typed, "aktion": "hinzufuegen:g21[0].f24_liste"})
    typed["f-g21-0-f24_liste-0-f24"] = "deutsch"

    # Rows the page never showed are refused as tampered, at either level.
    for action in ("hinzufuegen:g21[7].g22", "entfernen:g21[0].g22:5", "hinzufuegen:g21[0].unbekannt"):
        refused = client.post(url, {**typed, "aktion": action})
        assert refused.status_code == 200 and "passten nicht zu Ihrem Antrag" in _text(refused), action

    # A missing nested answer is reported at its own field.
    missing = client.post(url, {**typed, "aktion": "weiter"})
    assert missing.status_code == 200
    html = missing.content.decode()
    assert 'href="#feld-g21-1-g22-0-f22"' in html and "Bitte füllen Sie das Feld „Ort“ aus." in _text(missing)

    done = client.post(url, {**typed, "f-g21-1-g22-0-f22": "Leipzig", "aktion": "weiter"})
    assert done.status_code == 302 and done["Location"].endswith("/antrag-pruefen/")
    review = client.get(done["Location"])
    review_text = _text(review)
    for heading in ("Anschrift 1 (Person 1)", "Anschrift 1 (Person 2)", "Staatsangehörigkeit 1 (Person 1)"):
        assert heading in review_text, heading
    assert "#feld-g21-1-g22-0-f22" in review.content.decode()  # the change link goes to the nested field
    controls = _Controls()
    controls.feed(review.content.decode())
    final = {"wahrheit": "ja", "datenschutz": "ja"}
    final |= {name: "a@example.org" for name, c in controls.controls.items() if c["kind"] == "email"}
    submitted = client.post(done["Location"], final)
    assert submitted.status_code == 302, _text(submitted)[:2000]

    submission = Submission.objects.get(form_version=published.version)
    assert submission.answers["g21"] == [
        {"f21": "Ada", "g22": [{"f22": "Dresden"}], "f24_liste": [{"f24": "deutsch"}]},
        {"f21": "Bo", "g22": [{"f22": "Leipzig"}]},
    ]
    xml = data_xml(version=published.version, answers=submission.answers).decode()
    assert re.search(r"<g21>\s*<f21>Ada</f21>\s*<g22>\s*<f22>Dresden</f22>\s*</g22>\s*<f24_liste>", xml), xml
    receipt = receipt_html(submission=submission)
    assert "Anschrift 1 (Person 2)" in receipt and "Leipzig" in receipt


def test_outer_answer_controls_a_nested_group_on_the_page():
    """An outer row's answer that shows a nested group re-renders the step (htmx), and the group follows it."""
    from amtsweg.assistant import wizard
    from amtsweg.forms.engine import form_from_document
    from amtsweg.forms.tests.test_nested_groups import DOCUMENT

    form = form_from_document(document=DOCUMENT)
    step = form.steps[0]
    assert wizard.step_controllers(step) == {"hat_anschrift", "ort"}
    shown = wizard.step_page(form=form, step=step, answers={"person": [{"vorname": "Ada", "hat_anschrift": True}]})
    row = shown[0].rows[0]
    assert [w.key for w in row.widgets if w.refresh] == ["hat_anschrift"]
    assert [sub.key for sub in row.subgroups] == ["person[0].anschrift", "person[0].staatsangehoerigkeit"]
    assert [r.label for r in row.subgroups[0].rows] == ["Anschrift 1 (Person 1)"]  # min 1: one row at first
    assert row.subgroups[1].rows == [] and row.subgroups[1].can_add  # min 0: only the button
    hidden = wizard.step_page(form=form, step=step, answers={"person": [{"vorname": "Ada", "hat_anschrift": False}]})
    assert [sub.key for sub in hidden[0].rows[0].subgroups] == ["person[0].staatsangehoerigkeit"]
