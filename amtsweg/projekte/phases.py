"""The phases of the OZG-Vorgehensmodell and the statuses of a phase, as the SAKD newsletter's table shows them.

Plain constants (no models): the phase table, the services' transition rules, the API and the PDF share them.
Every status has a symbol besides its colour, so the table does not rely on colour alone.
"""

from __future__ import annotations

from django.db import models


class Phase(models.TextChoices):
    LA = "la", "LA"
    P1 = "p1", "1"
    P2 = "p2", "2"
    P3 = "p3", "3"
    P4 = "p4", "4"
    PRODUKT = "produkt", "Produkt"


PHASE_ORDER = [Phase.LA, Phase.P1, Phase.P2, Phase.P3, Phase.P4, Phase.PRODUKT]

# The legend of the newsletter, word for word.
PHASE_TITLES = {
    Phase.LA: "Leistungsanalyse",
    Phase.P1: "OZG-Phase 1 „Projekt-Setup“ (inkl. OZG-Werkstatt 1)",
    Phase.P2: "OZG-Phase 2 „Konzeption“ (inkl. OZG-Werkstatt 2)",
    Phase.P3: "OZG-Phase 3 „Prototypenbau“ (inkl. OZG-Werkstatt 3)",
    Phase.P4: "OZG-Phase 4 „Produktfertigung, Test & Abnahme“ (inkl. OZG-Werkstatt 4)",
    Phase.PRODUKT: "Produktverfügbarkeit beim kommunalen IT-Dienstleister zur Nutzung durch die Kommunen des "
    "Freistaates Sachsen (Roll-Out-Phase)",
}


class Status(models.TextChoices):
    NICHT_BEGONNEN = "nicht_begonnen", "nicht begonnen"
    IN_BEARBEITUNG = "in_bearbeitung", "in Bearbeitung"
    ABGESCHLOSSEN = "abgeschlossen", "abgeschlossen"
    PLAN = "plan", "Plan"  # shown as "Plan <Jahr>"
    NICHT_ERFORDERLICH = "nicht_erforderlich", "nicht erforderlich"


# Symbol per status: the cell says it in text/symbol, the colour only repeats it.
STATUS_SYMBOLS = {
    Status.NICHT_BEGONNEN: "○",
    Status.IN_BEARBEITUNG: "◐",
    Status.ABGESCHLOSSEN: "●",
    Status.PLAN: "◇",
    Status.NICHT_ERFORDERLICH: "–",
}

# A phase counts as "done" for the next one when it is finished or not needed.
DONE_STATUSES = {Status.ABGESCHLOSSEN, Status.NICHT_ERFORDERLICH}
STARTED_STATUSES = {Status.IN_BEARBEITUNG, Status.ABGESCHLOSSEN}


def status_label(status: str, plan_year: int | None = None) -> str:
    if status == Status.PLAN:
        return f"Plan {plan_year}" if plan_year else "Plan"
    return Status(status).label


class Option(models.TextChoices):
    """Implementation options of a project (symbols in the newsletter's legend)."""

    EFA = "efa", "Nachnutzung eines Einer-für-Alle-(EFA-)Dienstes als Umsetzungsoption präferiert"
    MARKT = "markt", "Nachnutzung einer marktetablierten Softwarelösung als Umsetzungsoption präferiert"
    ZENTRAL = "zentral", "zentral gesteuertes Projekt in Verantwortung des Freistaates Sachsen"


OPTION_SYMBOLS = {Option.EFA: "EfA", Option.MARKT: "M", Option.ZENTRAL: "Z"}
