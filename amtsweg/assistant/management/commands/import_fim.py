"""Import an XDatenfelder (FIM) file as a form definition (here, not in forms: --kommune needs the Zuständigkeit).

import_fim <file> [--key K] [--leistung LEIKA] [--publish [--kommune AGS]] [--report FILE|-] [--output F] [--dry-run]
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from amtsweg.assistant.publishing import fim_schema_publish
from amtsweg.forms.definition import DefinitionInvalid, definition_publish_errors
from amtsweg.forms.fim import FimImportError, fim_import
from amtsweg.forms.services_fim import codelist_lookup, fim_report


class Command(BaseCommand):
    help = "Importiert ein XDatenfelder-Stammdatenschema (FIM, Version 1–3) als Formulardefinition."

    def add_arguments(self, parser):
        parser.add_argument("file", help="XDatenfelder-XML-Datei")
        parser.add_argument("--key", help="Schlüssel der Definition (Standard: aus dem Namen des Schemas)")
        parser.add_argument("--leistung", help="LeiKa-Schlüssel (14 Ziffern), falls das Schema keinen nennt")
        parser.add_argument("--publish", action="store_true", help="die geladene Version gleich veröffentlichen")
        parser.add_argument(
            "--kommune", help="AGS der Gemeinde, für die veröffentlicht wird (prüft die zuständige Behörde)"
        )
        parser.add_argument("--report", help="Importbericht als JSON in diese Datei schreiben ('-' = Ausgabe)")
        parser.add_argument("--output", help="Definition zusätzlich als .yaml/.json-Datei schreiben")
        parser.add_argument("--dry-run", action="store_true", help="nur prüfen und berichten, nichts speichern")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            xml = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: Datei kann nicht gelesen werden ({exc.strerror or exc}).") from exc
        gemeinde = self._gemeinde(options["kommune"])
        try:
            if options["dry_run"]:
                result = fim_import(
                    xml=xml, key=options["key"], leistung=options["leistung"], codelist_lookup=codelist_lookup
                )
                load = None
            else:
                load = fim_schema_publish(
                    xml=xml,
                    key=options["key"],
                    leistung=options["leistung"],
                    publish=options["publish"],
                    gemeinde=gemeinde,
                )
                result = load.result
        except FimImportError as exc:
            raise CommandError(f"{path.name}: {exc}") from exc
        except DefinitionInvalid as exc:
            raise CommandError("Die erzeugte Definition ist ungültig:\n" + "\n".join(exc.errors)) from exc
        self._summary(result)
        if options["output"]:
            self._write_definition(Path(options["output"]), result.definition)
        if options["report"]:
            report = load.report() if load else fim_report(document=result.definition)
            self._write_report(options["report"], report)
        if load is None:
            for problem in definition_publish_errors(document=result.definition):
                self.stderr.write(f"Veröffentlichung nicht möglich: {problem}")
            return
        state = f"{load.version.definition.key} Version {load.version.number} ({load.version.get_status_display()})"
        if load.publish_errors:
            raise CommandError(
                f"Geladen als {state}, aber nicht veröffentlicht:\n" + "\n".join(f"- {e}" for e in load.publish_errors)
            )
        self.stdout.write(self.style.SUCCESS(f"Geladen: {state}."))

    def _gemeinde(self, ags: str | None):
        if not ags:
            return None
        from amtsweg.directory.selectors import gemeinde_by_ags

        gemeinde = gemeinde_by_ags(ags=ags)
        if gemeinde is None:
            raise CommandError(f"Gemeinde mit AGS {ags} ist im Gemeindeverzeichnis nicht vorhanden.")
        return gemeinde

    def _summary(self, result) -> None:
        for warning in result.warnings:
            self.stderr.write(f"Hinweis: {warning}")
        fields = sum(1 for e in result.elements if e.kind == "datenfeld" and e.target == "field")
        groups = sum(1 for e in result.elements if e.kind == "datenfeldgruppe")
        self.stdout.write(
            f"XDatenfelder {result.standard_version}: {fields} Datenfelder, {groups} Datenfeldgruppen → "
            f"„{result.definition['title']}“ ({result.definition['key']}), {len(result.definition['steps'])} Schritte."
        )
        for entry in result.codelists:
            shown = f"{entry['urn']} ({entry['requested_version'] or 'ohne Version'})"
            status = {
                "exact": f"Version {entry.get('version')}, {entry.get('entries')} Werte",
                "fallback": f"ERSATZ: Version {entry.get('version')}, {entry.get('entries')} Werte",
                "missing": "FEHLT – blockiert die Veröffentlichung",
            }[entry["status"]]
            self.stdout.write(f"Codeliste {shown}: {status}")
        for rule in result.rules:
            state = "als Logik übernommen" if rule["status"] == "logic" else f"nur berichtet: {rule.get('reason')}"
            self.stdout.write(f"Regel {rule['id']} „{rule['name']}“: {state}")
        source = {"given": "angegeben", "schema": "aus dem Schema"}.get(result.leistung_source)
        if source:
            self.stdout.write(f"Leistung {result.definition.get('leistung')} ({source}).")
        else:
            self.stdout.write("Keine Leistung zugeordnet (--leistung angeben).")

    def _write_definition(self, out: Path, document: dict) -> None:
        if out.suffix.lower() == ".json":
            text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        else:
            text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)
        out.write_text(text, encoding="utf-8")
        self.stdout.write(f"Definition geschrieben: {out}")

    def _write_report(self, target: str, report: dict) -> None:
        text = json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n"
        if target == "-":
            self.stdout.write(text)
        else:
            Path(target).write_text(text, encoding="utf-8")
            self.stdout.write(f"Bericht geschrieben: {target}")
