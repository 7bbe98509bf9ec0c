"""Fixtures of the Konfigurationsportal: the real Hundesteuer assistant, two Kommunen with a Kommunal-Admin
each, the hub's rules, and a real SMTP mailbox on loopback as the target system."""

from __future__ import annotations

from pathlib import Path

import pytest

DEFINITIONS = Path(__file__).resolve().parents[2] / "forms" / "definitions"
PIRNA = "gem-14628270"
FREIBERG = "gem-14522180"


@pytest.fixture
def rules(db):
    from amtsweg.hub.rules import rules_load

    return rules_load()


@pytest.fixture
def definition(db, rules):
    from amtsweg.forms.services import definition_load_file

    return definition_load_file(path=DEFINITIONS / "hundesteuer.yaml", publish=True).definition


def _admin(username: str, authority_key: str):
    from django.contrib.auth import get_user_model

    from amtsweg.directory.models import Authority, AuthorityMembership
    from amtsweg.directory.services import membership_set

    user = get_user_model().objects.create_user(username=username, password="kennwort-123456", is_staff=True)
    membership_set(
        user=user, authority=Authority.objects.get(key=authority_key), role=AuthorityMembership.Role.KOMMUNAL_ADMIN
    )
    return user


@pytest.fixture
def pirna(db):
    from amtsweg.directory.models import Authority

    return Authority.objects.get(key=PIRNA)


@pytest.fixture
def admin_pirna(db):
    return _admin("admin.pirna", PIRNA)


@pytest.fixture
def admin_freiberg(db):
    return _admin("admin.freiberg", FREIBERG)


@pytest.fixture
def mailbox():
    from amtsweg.hub.receivers.mailbox import LocalMailbox

    box = LocalMailbox().start()
    yield box
    box.stop()


def mail_config(port: int) -> dict:
    return {
        "host": "127.0.0.1",
        "port": port,
        "use_tls": False,
        "from_email": "amtsweg@pirna.example",
        "to": ["hundesteuer@pirna.example"],
    }


@pytest.fixture
def setup(definition, pirna, admin_pirna):
    from amtsweg.konfig.services import setup_activate

    return setup_activate(definition=definition, authority=pirna, user=admin_pirna)


@pytest.fixture
def routed(setup, mailbox, admin_pirna):
    from amtsweg.konfig.services import setup_route_save

    setup_route_save(
        setup=setup,
        type_key="email",
        name="Funktionspostfach Steueramt",
        config=mail_config(mailbox.port),
        secrets={},
        user=admin_pirna,
    )
    return setup
