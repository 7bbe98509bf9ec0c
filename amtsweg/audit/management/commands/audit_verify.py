"""Verify the transaction log's hash chain; exit code 1 when it was tampered with."""

import sys

from django.core.management.base import BaseCommand, CommandError

from amtsweg.audit.services import audit_verify


class Command(BaseCommand):
    help = "Prüft die Hash-Kette des Transaktionsprotokolls (Exit-Code 1 bei Manipulation)."

    def add_arguments(self, parser):
        parser.add_argument("--anchor", help="Ankerwert NR:PRÜFSUMME aus einer früheren Prüfung (erkennt Kürzungen).")

    def handle(self, *args, anchor=None, **options):
        anchor_seq, anchor_hash = None, ""
        if anchor:
            seq_text, _, anchor_hash = anchor.partition(":")
            if not seq_text.isdigit():
                raise CommandError("--anchor erwartet NR:PRÜFSUMME, z. B. 1200:3f5a…")
            anchor_seq = int(seq_text)
        result = audit_verify(anchor_seq=anchor_seq, anchor_hash=anchor_hash)
        if not result.ok:
            self.stderr.write(f"Protokoll MANIPULIERT: {result.reason} ({result.checked} Einträge davor in Ordnung)")
            sys.exit(1)
        if result.checked:
            self.stdout.write(
                f"Protokoll in Ordnung: {result.checked} Einträge geprüft. "
                f"Anker für spätere Prüfungen: {result.head_seq}:{result.head_hash}"
            )
        else:
            self.stdout.write("Protokoll in Ordnung: noch keine Einträge.")
