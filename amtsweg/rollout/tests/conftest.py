"""Fixtures for the roll-out tests: real Saxon reference data (bootstrap), real Zuständigkeit, imports
through the real CSV service, go-lives through ``activation_set`` with a real (file drop) route."""

from __future__ import annotations

from pathlib import Path

import pytest

HUNDESTEUER_DEFINITION = (
    Path(__file__).resolve().parents[2] / "assistant" / "tests" / "data" / "hundesteuer-anmeldung.yaml"
)
HUNDESTEUER_KEY = "99102013000000"
WUNSCHKENNZEICHEN_KEY = "99036009069007"


@pytest.fixture
def kfz(db):
    from amtsweg.catalog.models import Leistung

    return Leistung.objects.get(leika_key=WUNSCHKENNZEICHEN_KEY)


@pytest.fixture
def hundesteuer_version(db):
    from amtsweg.forms.services import definition_load_file

    return definition_load_file(path=HUNDESTEUER_DEFINITION, publish=True)


@pytest.fixture
def go_live(tmp_path):
    """Take an assistant live for an authority the way the platform does: a route, then ``activation_set``."""
    from amtsweg.assistant.services import activation_set
    from amtsweg.hub.routing import routing_create
    from amtsweg.hub.targets import target_create

    def run(*, definition, authority, at=None, live=True):
        if live and not authority.routings.exists():
            target = target_create(
                authority=authority,
                key=f"ablage-{authority.pk}",
                name="Dateiablage (Test)",
                type_key="filedrop",
                config={"directory": str(tmp_path / f"ablage-{authority.pk}")},
            )
            routing_create(authority=authority, target=target)
        return activation_set(definition=definition, authority=authority, at=at, live=live)

    return run


@pytest.fixture
def import_csv():
    from amtsweg.rollout.services import adoption_import

    def run(rows: list[str], *, source="test.csv"):
        return adoption_import(data="leika,ars,seit,bis,loesung\n" + "\n".join(rows) + "\n", source=source)

    return run
