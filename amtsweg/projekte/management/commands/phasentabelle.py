"""``manage.py phasentabelle --stichtag 14.10.2022 --format csv|html|pdf|json [--output datei]``"""

from __future__ import annotations

import datetime as dt
import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from amtsweg.projekte.exports import table_csv, table_html, table_json, table_pdf
from amtsweg.projekte.selectors import phase_table


def parse_stichtag(value: str) -> dt.date:
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise CommandError(f"Ungültiger Stichtag „{value}“: bitte als TT.MM.JJJJ oder JJJJ-MM-TT angeben.")


class Command(BaseCommand):
    help = "Gibt die Phasentabelle „Stand der einzelnen OZG-Projekte“ zu einem Stichtag aus."

    def add_arguments(self, parser):
        parser.add_argument("--stichtag", default="", help="TT.MM.JJJJ oder JJJJ-MM-TT (ohne: heute)")
        parser.add_argument("--format", choices=["csv", "html", "pdf", "json"], default="csv")
        parser.add_argument("--output", default="", help="Datei (ohne: Standardausgabe; PDF braucht eine Datei)")

    def handle(self, *args, stichtag: str, format: str, output: str, **options):
        table = phase_table(stichtag=parse_stichtag(stichtag) if stichtag else timezone.localdate())
        if format == "pdf":
            if not output:
                raise CommandError("Für PDF geben Sie bitte --output datei.pdf an.")
            data = table_pdf(table)
        elif format == "html":
            data = table_html(table).encode()
        elif format == "json":
            data = json.dumps(table_json(table), ensure_ascii=False, indent=1).encode()
        else:
            data = table_csv(table).encode()
        if output:
            with open(output, "wb") as handle:
                handle.write(data)
            self.stdout.write(f"{len(table.rows)} Projekte, Stand {table.stichtag:%d.%m.%Y} → {output}")
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
