"""Import an XDatenfelder (FIM) file as a form definition: import_fim <file> [--key K] [--publish]."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from amtsweg.forms.definition import DefinitionInvalid
from amtsweg.forms.fim import FimImportError, fim_import
from amtsweg.forms.services import definition_load


class Command(BaseCommand):
    help = "Importiert ein XDatenfelder-Stammdatenschema (FIM, Version 1–3) als Formulardefinition."

    def add_arguments(self, parser):
        parser.add_argument("file", help="XDatenfelder-XML-Datei")
        parser.add_argument("--key", help="Schlüssel der Definition (Standard: aus dem Namen des Schemas)")
        parser.add_argument("--leistung", help="LeiKa-Schlüssel (14 Ziffern) der Leistung")
        parser.add_argument("--publish", action="store_true", help="die geladene Version gleich veröffentlichen")
        parser.add_argument("--output", help="Definition zusätzlich als .yaml/.json-Datei schreiben")
        parser.add_argument("--dry-run", action="store_true", help="nur prüfen und berichten, nichts speichern")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            xml = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: Datei kann nicht gelesen werden ({exc.strerror or exc}).") from exc
        try:
            result = fim_import(xml=xml, key=options["key"], leistung=options["leistung"])
        except FimImportError as exc:
            raise CommandError(f"{path.name}: {exc}") from exc
        for warning in result.warnings:
            self.stderr.write(f"Hinweis: {warning}")
        fields = sum(1 for e in result.elements if e.kind == "datenfeld" and e.target == "field")
        groups = sum(1 for e in result.elements if e.kind == "datenfeldgruppe")
        self.stdout.write(
            f"XDatenfelder {result.standard_version}: {fields} Datenfelder, {groups} Datenfeldgruppen → "
            f"„{result.definition['title']}“ ({result.definition['key']}), {len(result.definition['steps'])} Schritte."
        )
        if options["output"]:
            out = Path(options["output"])
            if out.suffix.lower() == ".json":
                text = json.dumps(result.definition, ensure_ascii=False, indent=2) + "\n"
            else:
                text = yaml.safe_dump(result.definition, allow_unicode=True, sort_keys=False, width=120)
            out.write_text(text, encoding="utf-8")
            self.stdout.write(f"Definition geschrieben: {out}")
        if options["dry_run"]:
            return
        try:
            version = definition_load(document=result.definition, publish=options["publish"])
        except DefinitionInvalid as exc:
            raise CommandError("Die erzeugte Definition ist ungültig:\n" + "\n".join(exc.errors)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Geladen: {version.definition.key} Version {version.number} ({version.get_status_display()})."
            )
        )
