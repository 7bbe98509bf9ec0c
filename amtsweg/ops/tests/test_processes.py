"""Small parts of the process layout: the demo Maildir, gunicorn's access log through our filter."""

from __future__ import annotations

import logging
import mailbox
from email.message import EmailMessage

import pytest

from amtsweg.demo.management.commands.demo_mail_sink import maildir_ensure
from amtsweg.ops.logging import StripQueryString


def test_maildir_gets_its_folders_even_when_the_mail_folder_exists(tmp_path):
    folder = tmp_path / "mail"
    folder.mkdir()  # a fresh clone's var/mail: exists, but without tmp/new/cur
    box = maildir_ensure(folder)
    message = EmailMessage()
    message["To"] = "anna@example.org"
    message.set_content("Hallo")
    box.add(message)
    assert {p.name for p in folder.iterdir()} >= {"tmp", "new", "cur"}
    assert len(list((folder / "new").iterdir())) == 1
    assert isinstance(maildir_ensure(folder), mailbox.Maildir)  # idempotent


def test_gunicorn_access_atoms_lose_query_strings_and_tokens():
    token = "Zq3xV0sK9mT2bW7yL1nR5cH8dF4gJ6pA"
    atoms = {"h": "127.0.0.1", "r": f"GET /antrag/fortsetzen/{token}/?q=Hund HTTP/1.1", "s": "302", "b": "0"}
    # gunicorn logs its format with the atoms mapping as the only argument.
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s" %(s)s', (atoms,), None)
    assert StripQueryString().filter(record)
    message = record.getMessage()
    assert message == '127.0.0.1 "GET /antrag/fortsetzen/…/?… HTTP/1.1" 302'


@pytest.mark.django_db
def test_bootstrap_points_the_demo_targets_at_the_current_fachverfahren_port(settings):
    """./dev serve runs the bootstrap on each start: a changed AMTSWEG_FV_PORT reaches the demo targets,
    and their secret is the one `manage.py demo_fachverfahren` derives in its own process."""
    from amtsweg.demo.hub import demo_hmac_secret, hub_demo_ensure
    from amtsweg.hub.models import TargetSystem
    from amtsweg.hub.services import target_config

    settings.AMTSWEG_DEMO_FACHVERFAHREN_URL = "http://127.0.0.1:8001/antraege"
    hub_demo_ensure()
    settings.AMTSWEG_DEMO_FACHVERFAHREN_URL = "http://127.0.0.1:18011/antraege"
    hub_demo_ensure()

    targets = TargetSystem.objects.filter(key="fachverfahren")
    assert targets.exists()
    for target in targets:
        config = target_config(target=target)
        assert config["url"] == "http://127.0.0.1:18011/antraege"
        assert config["secret"] == demo_hmac_secret()
