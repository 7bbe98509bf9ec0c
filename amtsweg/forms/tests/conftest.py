"""Fixtures for the forms tests: example definitions and a small place of our own.

The place (Gemeinde, PLZ, authority) is created inside each test's transaction, so the tests do
not depend on which reference data the session loaded.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from amtsweg.forms.definition import definition_parse

# The example exercising every feature of the format (the real services live in ../definitions/).
DEFINITIONS = Path(__file__).resolve().parent / "data"
_HUNDESTEUER = definition_parse(text=(DEFINITIONS / "hundesteuer-anmeldung.yaml").read_text(encoding="utf-8"))


def minimal(**overrides) -> dict:
    """A small valid definition; tests change what they need."""
    document = {
        "key": "test-antrag",
        "title": "Testantrag",
        "parameters": {"gebuehr": {"type": "currency", "label": "Gebühr", "default": "10.00"}},
        "steps": [
            {
                "key": "start",
                "title": "Start",
                "groups": [
                    {
                        "key": "allgemein",
                        "title": "Allgemein",
                        "fields": [
                            {"key": "name", "type": "text", "label": "Name", "required": True},
                            {"key": "hinweis", "type": "text", "label": "Hinweis", "optional_switch": True},
                        ],
                    }
                ],
            }
        ],
    }
    document.update(overrides)
    return document


@pytest.fixture
def hundesteuer() -> dict:
    return copy.deepcopy(_HUNDESTEUER)


@pytest.fixture
def place(db):
    """A Gemeinde 'Testhausen' with PLZ 09999 (places 'Testhausen' and 'Großmühle') and its authority."""
    from amtsweg.directory.models import Authority, PostalCode, Territory

    gemeinde = Territory.objects.create(
        kind=Territory.Kind.GEMEINDE, ars="149990000000", ags="14999000", name="Testhausen, Stadt"
    )
    PostalCode.objects.create(code="09999", place_name="Großmühle", gemeinde=gemeinde)
    authority = Authority.objects.create(
        key="test-testhausen",
        name="Stadtverwaltung Testhausen",
        kind=Authority.Kind.GEMEINDEVERWALTUNG,
        territory=gemeinde,
        acts_for_gemeinde=True,
    )
    return authority


@pytest.fixture
def other_authority(place):
    from amtsweg.directory.models import Authority

    return Authority.objects.create(
        key="test-anderswo",
        name="Gemeinde Anderswo",
        kind=Authority.Kind.GEMEINDEVERWALTUNG,
        territory=place.territory,
    )
