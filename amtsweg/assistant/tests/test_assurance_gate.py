"""The assistant enforces the Leistung's Vertrauensniveau (issue 10 §3) on start, every step and submission."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from amtsweg.accounts.selectors import ASSURANCE_SESSION_KEY
from amtsweg.accounts.tests.conftest import make_user
from amtsweg.assistant.tests.conftest import Wizard
from amtsweg.catalog.models import AssuranceLevel

pytestmark = pytest.mark.django_db


def _login_at(client, level: str):
    client.force_login(make_user(f"{level}@example.org"))
    session = client.session
    session[ASSURANCE_SESSION_KEY] = level
    session.save()


def _require(leistung, level: str):
    leistung.required_assurance_level = level
    leistung.save(update_fields=["required_assurance_level"])


def test_niedrig_keeps_the_assistant_open_without_an_account(client, leistung, start_url):
    assert leistung.required_assurance_level == AssuranceLevel.NIEDRIG
    assert client.get(start_url).status_code == 200


def test_hoch_refuses_a_substanziell_session_with_an_explanation_and_a_step_up_link(client, leistung, start_url):
    _require(leistung, AssuranceLevel.HOCH)
    _login_at(client, AssuranceLevel.SUBSTANZIELL)
    response = client.get(start_url)
    assert response.status_code == 403
    text = response.content.decode()
    assert "Für diesen Antrag ist eine sichere Anmeldung nötig" in text
    assert "Vertrauensniveau „substanziell“" in text and "<strong>„hoch“</strong>" in text
    link = next(part.split('"')[0] for part in text.split('href="') if part.startswith("/konto/vertrauensniveau/"))
    query = parse_qs(urlparse(link.replace("&amp;", "&")).query)
    assert query == {"niveau": ["hoch"], "next": [start_url]}
    assert client.post(start_url).status_code == 403  # no draft is started either
    step_up = client.get(link.replace("&amp;", "&"))
    assert step_up.status_code == 200 and "Vertrauensniveau „hoch“" in step_up.content.decode()


def test_anonymous_is_refused_and_hoch_passes(client, leistung, start_url):
    _require(leistung, AssuranceLevel.SUBSTANZIELL)
    response = client.get(start_url)
    assert response.status_code == 403 and "Sie sind nicht angemeldet" in response.content.decode()
    _login_at(client, AssuranceLevel.HOCH)
    assert client.get(start_url).status_code == 200


def test_steps_and_review_are_refused_once_the_level_no_longer_suffices(client, leistung, start_url):
    wizard = Wizard(client, start_url)
    wizard.start()
    wizard.through("anliegen")
    _require(leistung, AssuranceLevel.HOCH)
    assert wizard.get("halter").status_code == 403
    assert wizard.post("halter").status_code == 403
    assert client.get(wizard.base + "antrag-pruefen/").status_code == 403
    assert client.post(wizard.base + "antrag-pruefen/", {"wahrheit": "ja", "datenschutz": "ja"}).status_code == 403
    assert not wizard.draft.submitted_number
