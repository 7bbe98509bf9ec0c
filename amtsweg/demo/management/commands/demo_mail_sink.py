"""The demo's SMTP sink: a real SMTP server on loopback that keeps every message in a Maildir.

``./dev start`` runs it unless EMAIL_HOST points elsewhere; mails land in ``<var>/mail/new/``.
"""

from __future__ import annotations

import logging
import mailbox
import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


def maildir_ensure(path: Path) -> mailbox.Maildir:
    """The Maildir with its tmp/new/cur folders, also when ``path`` already exists (a fresh clone's var/mail)."""
    path.mkdir(parents=True, exist_ok=True)
    for sub in ("tmp", "new", "cur"):
        (path / sub).mkdir(exist_ok=True)
    return mailbox.Maildir(path, create=True)


class Command(BaseCommand):
    help = "Startet den SMTP-Empfänger der Demo (alle E-Mails landen als Maildir in var/mail)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(settings.EMAIL_PORT))
        parser.add_argument("--dir", default=str(settings.VAR_DIR / "mail"), help="Maildir (wird angelegt)")

    def handle(self, *args, host: str, port: int, dir: str, **options):  # noqa: A002 - option name
        # aiosmtpd is a development dependency: only the demo and the tests need an SMTP sink.
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs each connection at INFO
        path = Path(dir)
        maildir_ensure(path)
        handler = Mailbox(str(path))
        controller = Controller(handler, hostname=host, port=port)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        controller.start()
        self.stdout.write(f"SMTP-Empfänger der Demo auf {host}:{port}, E-Mails in {path / 'new'}")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            controller.stop()
