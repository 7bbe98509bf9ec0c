"""Import genericode code lists: codelists_import [DIR_OR_FILE ...] (default: the shared FIM code lists)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from amtsweg.forms.genericode import GenericodeInvalid
from amtsweg.forms.services import codelist_import, codelists_import_dir


def default_codelist_dir() -> Path:
    return Path(settings.SHARED_DATA_DIR) / "fim" / "codelists"


class Command(BaseCommand):
    help = "Importiert Codelisten (OASIS genericode 1.0) in den Codelisten-Bestand der Antragsassistenten."

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="*", help="Ordner (mit SOURCES.md für die Quellenangaben) oder einzelne .xml-Dateien"
        )
        parser.add_argument("--source", default="", help="Quellenangabe für einzelne Dateien")
        parser.add_argument("--licence", default="", help="Lizenz für einzelne Dateien")

    def handle(self, *args, **options):
        paths = [Path(p) for p in options["paths"]] or [default_codelist_dir()]
        for path in paths:
            try:
                if path.is_dir():
                    lines = codelists_import_dir(directory=path)
                elif path.is_file():
                    codelist, outcome = codelist_import(
                        data=path.read_bytes(),
                        file_name=path.name,
                        source=options["source"],
                        licence=options["licence"],
                    )
                    lines = [f"{path.name}: {codelist.urn} Version {codelist.version} ({outcome})"]
                else:
                    raise CommandError(f"{path}: nicht gefunden.")
            except GenericodeInvalid as exc:
                raise CommandError(str(exc)) from exc
            for line in lines:
                self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Codelisten importiert."))
