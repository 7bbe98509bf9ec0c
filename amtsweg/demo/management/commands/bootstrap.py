"""Bring a database to a usable state: reference data, default pages and (optionally) demo content.

Idempotent: a second run only checks and reports. Used by ``./dev start``, the test
suite's session fixture and the benchmarks, so all three see the same data.
"""

from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from amtsweg.catalog.services import catalog_import
from amtsweg.directory.services import authorities_generate, postal_codes_import, register_history_ensure
from amtsweg.forms.services import codelists_import_dir
from amtsweg.hub.rules import rules_load
from amtsweg.pages.services import pages_ensure_defaults
from amtsweg.projekte.services import phasentabelle_load, produktplan_ensure

POSTAL_FILE = "plz/zuordnung_plz_ort_landkreis.csv"
CATALOG_FILE = "ozg-katalog/ozg_katalog_kdn_nrw_2019.csv"


class Command(BaseCommand):
    help = "Importiert Referenzdaten (Gemeindeverzeichnis, PLZ, Behörden, Leistungskatalog) und Demodaten."

    def add_arguments(self, parser):
        parser.add_argument("--reference-only", action="store_true", help="Nur Referenzdaten, keine Demodaten.")
        parser.add_argument("--all-germany", action="store_true", help="Ganz Deutschland statt nur Sachsen.")

    def handle(self, *args, reference_only: bool = False, all_germany: bool = False, **options):
        data = settings.SHARED_DATA_DIR
        land = None if all_germany else "14"
        self._step("Gemeindeverzeichnis", lambda: register_history_ensure(data_dir=data, land=land))
        self._step("Postleitzahlen", lambda: f"{postal_codes_import(path=data / POSTAL_FILE, land=land)} Zuordnungen")
        self._step("Behörden", lambda: _summary(authorities_generate(land=land)))
        self._step("Leistungskatalog", lambda: _summary(catalog_import(path=data / CATALOG_FILE)))
        self._step("Rechtliche Seiten", lambda: f"{pages_ensure_defaults()} neu angelegt")
        self._step("Integrationsregeln", lambda: _summary(rules_load()))
        self._step("Codelisten", lambda: f"{len(codelists_import_dir(directory=data / 'fim' / 'codelists'))} Dateien")
        self._step("OZG-Projekte (Phasentabelle)", lambda: _summary(phasentabelle_load()))
        self._step("Produktplan (Beispiel)", lambda: f"{produktplan_ensure()} neu angelegt")
        if not reference_only:
            from amtsweg.demo.content import demo_content_ensure
            from amtsweg.demo.forms import demo_forms_ensure
            from amtsweg.demo.hub import hub_demo_ensure

            self._step("Demodaten", lambda: _summary(demo_content_ensure()))
            self._step("Antragsassistenten", lambda: _summary(demo_forms_ensure()))
            self._step("Demobehörde und Zielsysteme", lambda: _summary(hub_demo_ensure()))
            self._step("Produktbestand (Beispiele)", lambda: _summary(_konfig_demo()))
            self._ensure_admin()
            self._ensure_caseworker()
            self._ensure_kommunal_admin()
            self._ensure_beteiligung()
            self._step("Roll-out-Daten des SAKD-Newsletters (Beispiel)", _rollout_seed)

    def _step(self, label: str, action) -> None:
        started = time.perf_counter()
        result = action()
        self.stdout.write(f"{label}: {result} ({time.perf_counter() - started:.1f} s)")

    def _ensure_admin(self) -> None:
        user_model = get_user_model()
        if user_model.objects.filter(username="admin").exists():
            self.stdout.write("Admin-Konto besteht bereits (Kennwort wurde beim ersten Start angezeigt).")
            return
        password = secrets.token_urlsafe(16)
        user_model.objects.create_superuser(username="admin", email="admin@localhost", password=password)
        self.stdout.write(
            self.style.WARNING(
                "\nDemo-Admin angelegt – diese Zugangsdaten werden nur einmal angezeigt:\n"
                f"  Benutzer: admin\n  Kennwort: {password}\n  Anmeldung: http://localhost:{settings.AMTSWEG_PORT}/admin/\n"
            )
        )

    def _ensure_caseworker(self) -> None:
        from amtsweg.demo.staff import CASEWORKER_USERNAME, PASSWORD_ENV, demo_caseworker_ensure

        result = demo_caseworker_ensure()
        if result.get("skipped"):
            self.stdout.write(f"Demo-Sachbearbeitung: übersprungen ({result['skipped']}).")
        elif not result["created"]:
            self.stdout.write(f"Demo-Sachbearbeitung „{CASEWORKER_USERNAME}“ besteht bereits.")
        elif result["password"]:
            self.stdout.write(
                self.style.WARNING(
                    "\nDemo-Sachbearbeitung (Stadtverwaltung Freiberg) angelegt – Kennwort nur einmal angezeigt:\n"
                    f"  Benutzer: {CASEWORKER_USERNAME}\n  Kennwort: {result['password']}\n"
                    f"  Posteingang: http://localhost:{settings.AMTSWEG_PORT}/sachbearbeitung/\n"
                )
            )
        else:
            self.stdout.write(f"Demo-Sachbearbeitung „{CASEWORKER_USERNAME}“ angelegt (Kennwort aus {PASSWORD_ENV}).")

    def _ensure_kommunal_admin(self) -> None:
        from amtsweg.demo.staff import (
            KOMMUNAL_ADMIN_PASSWORD_ENV,
            KOMMUNAL_ADMIN_USERNAME,
            demo_kommunal_admin_ensure,
        )

        result = demo_kommunal_admin_ensure()
        if result.get("skipped"):
            self.stdout.write(f"Demo-Kommunal-Admin: übersprungen ({result['skipped']}).")
        elif not result["created"]:
            self.stdout.write(f"Demo-Kommunal-Admin „{KOMMUNAL_ADMIN_USERNAME}“ besteht bereits.")
        elif result["password"]:
            self.stdout.write(
                self.style.WARNING(
                    "\nDemo-Kommunal-Admin (Stadtverwaltung Pirna) angelegt – Kennwort nur einmal angezeigt:\n"
                    f"  Benutzer: {KOMMUNAL_ADMIN_USERNAME}\n  Kennwort: {result['password']}\n"
                    f"  Konfigurationsportal: http://localhost:{settings.AMTSWEG_PORT}/konfiguration/\n"
                )
            )
        else:
            self.stdout.write(
                f"Demo-Kommunal-Admin „{KOMMUNAL_ADMIN_USERNAME}“ angelegt "
                f"(Kennwort aus {KOMMUNAL_ADMIN_PASSWORD_ENV})."
            )

    def _ensure_beteiligung(self) -> None:
        from amtsweg.demo.beteiligung import MEMBER_USERNAME, beteiligung_demo_ensure

        result = beteiligung_demo_ensure()
        if result.get("skipped"):
            self.stdout.write(f"Demo-Beteiligung: übersprungen ({result['skipped']}).")
        elif result["password"]:
            self.stdout.write(
                self.style.WARNING(
                    "\nDemo-Beteiligung (Stadtverwaltung Freiberg) angelegt – Kennwort nur einmal angezeigt:\n"
                    f"  Benutzer: {MEMBER_USERNAME}\n  Kennwort: {result['password']}\n"
                    f"  Beteiligung: http://localhost:{settings.AMTSWEG_PORT}/beteiligung/\n"
                )
            )
        else:
            self.stdout.write(f"Demo-Beteiligung: {result['ratings']} Bewertungen.")


def _konfig_demo() -> dict:
    from amtsweg.demo.konfig import konfig_demo_ensure

    return konfig_demo_ensure()


def _summary(report) -> str:
    if isinstance(report, dict):
        return ", ".join(f"{key}={value}" for key, value in report.items() if not isinstance(value, list | dict))
    return str(report)


def _rollout_seed() -> str:
    # The monitor shows the newsletter's roll-out table next to the platform's own go-lives (docs/standards/rollout.md).
    from amtsweg.rollout.seed import seed_load

    return f"{seed_load()} Angebote"
