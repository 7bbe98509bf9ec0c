"""Load central form definitions (and overlays) from YAML/JSON files.

Default: every *.yaml/*.yml/*.json under amtsweg/forms/definitions/ (overlays in its overlays/
subfolder are loaded after all definitions). Loading is idempotent; changed content becomes a new
version, published versions stay untouched.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from amtsweg.forms.definition import DefinitionInvalid, definition_parse
from amtsweg.forms.services import OverlayInvalid, definition_load_file, overlay_load

DEFINITIONS_DIR = Path(__file__).resolve().parents[2] / "definitions"
SUFFIXES = {".yaml", ".yml", ".json"}


def _is_overlay(path: Path) -> bool:
    return "overlays" in path.parts


class Command(BaseCommand):
    help = "Lädt Antragsassistenten (Definitionen und Anpassungen der Kommunen) aus YAML-/JSON-Dateien."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="Dateien oder Ordner (Standard: amtsweg/forms/definitions/)")
        parser.add_argument("--draft", action="store_true", help="Als Entwurf laden statt zu veröffentlichen.")

    def handle(self, *args, paths: list[str], draft: bool = False, **options):
        files: list[Path] = []
        for raw in paths or [str(DEFINITIONS_DIR)]:
            path = Path(raw)
            if path.is_dir():
                files.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES))
            elif path.is_file():
                files.append(path)
            else:
                raise CommandError(f"{raw}: Datei oder Ordner nicht gefunden.")
        failures = 0
        for path in sorted(files, key=_is_overlay):  # definitions first, then overlays
            try:
                if _is_overlay(path):
                    document = definition_parse(text=path.read_text(encoding="utf-8"))
                    overlay = overlay_load(document=document)
                    self.stdout.write(f"{path.name}: Anpassung für {overlay.authority.key} gespeichert")
                else:
                    version = definition_load_file(path=path, publish=not draft)
                    self.stdout.write(
                        f"{path.name}: {version.definition.key} Version {version.number} "
                        f"({version.get_status_display()})"
                    )
            except (DefinitionInvalid, OverlayInvalid) as exc:
                failures += 1
                self.stderr.write(f"{path.name}: nicht geladen")
                for error in exc.errors:
                    self.stderr.write(f"  {error}")
        if failures:
            raise CommandError(f"{failures} von {len(files)} Datei(en) konnten nicht geladen werden.")
