"""The Kurzstatus for an as-of date as HTML, PDF or CSV (for scheduled publication)."""

import sys
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from amtsweg.rollout import report


class Command(BaseCommand):
    help = "Erzeugt den Kurzstatus der kommunalen OZG-Umsetzung zum Stichtag (HTML, PDF oder CSV)."

    def add_arguments(self, parser):
        parser.add_argument("--stichtag", help="Datum JJJJ-MM-TT (Standard: heute)")
        parser.add_argument("--format", choices=["html", "pdf", "csv"], default="html")
        parser.add_argument("--output", "-o", help="Datei (Standard: Standardausgabe)")

    def handle(self, *args, stichtag=None, format="html", output=None, **options):
        try:
            day = date.fromisoformat(stichtag) if stichtag else timezone.localdate()
        except ValueError as exc:
            raise CommandError("--stichtag muss ein Datum im Format JJJJ-MM-TT sein.") from exc
        if format == "pdf":
            data = report.kurzstatus_pdf(stichtag=day)
        elif format == "csv":
            data = report.kurzstatus_csv(stichtag=day).encode("utf-8")
        else:
            data = report.kurzstatus_html(stichtag=day).encode("utf-8")
        if output:
            Path(output).write_bytes(data)
        else:
            sys.stdout.buffer.write(data)
