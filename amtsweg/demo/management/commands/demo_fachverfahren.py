"""Run the demo Fachverfahren (amtsweg.hub.receivers.fachverfahren) with the demo targets' HMAC secret.

The secret is derived in this process from the settings (``demo_hmac_secret``), the same way the
bootstrap derives it for the demo targets: nothing is handed over through a shell.
"""

from __future__ import annotations

import contextlib
import signal
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from amtsweg.demo.hub import demo_hmac_secret
from amtsweg.hub.receivers.fachverfahren import FachverfahrenReceiver


class Command(BaseCommand):
    help = "Startet das Demo-Fachverfahren, das Zustellungen der Demo-Zielsysteme annimmt."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.AMTSWEG_FV_PORT)
        parser.add_argument("--store", default=str(settings.VAR_DIR / "demo-fachverfahren.sqlite3"))
        parser.add_argument("--verbose", action="store_true")

    def handle(self, *args, host: str, port: int, store: str, verbose: bool, **options):
        receiver = FachverfahrenReceiver(
            secret=demo_hmac_secret(), store_path=store, host=host, port=port, verbose=verbose
        )
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        self.stdout.write(f"Demo-Fachverfahren auf http://{host}:{port}/antraege (Speicher: {store})")
        self.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            receiver.serve_forever()
