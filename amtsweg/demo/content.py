"""Demo content for ``./dev start``: examples that make the finder show its range.

Only what is plausible for Saxony goes here, and each item says what it shows.
"""

from __future__ import annotations

from amtsweg.catalog.models import Leistung
from amtsweg.directory import selectors as directory_selectors
from amtsweg.jurisdiction.models import Override
from amtsweg.jurisdiction.services import override_set

# Große Kreisstädte in Saxony are untere Bauaufsichtsbehörde for their own area (§ 57 SächsBO),
# a Kreis task otherwise done by the Landratsamt.
GROSSE_KREISSTADT_BAUAUFSICHT = ["14522180", "14626110", "14628270"]  # Freiberg, Görlitz, Pirna


def demo_content_ensure() -> dict:
    created = 0
    baugenehmigung = Leistung.objects.filter(name="Baugenehmigung").first()
    if baugenehmigung is not None:
        for ags in GROSSE_KREISSTADT_BAUAUFSICHT:
            gemeinde = directory_selectors.gemeinde_by_ags(ags=ags)
            if gemeinde is None or Override.objects.filter(leistung=baugenehmigung, territory=gemeinde).exists():
                continue
            authority = directory_selectors.authority_for_gemeinde(gemeinde=gemeinde, level="gemeinde")
            if authority is None:
                continue
            override_set(
                leistung=baugenehmigung,
                territory=gemeinde,
                authority=authority,
                reason=Override.Reason.GROSSE_KREISSTADT,
                note="Als Große Kreisstadt ist die Stadt untere Bauaufsichtsbehörde (§ 57 SächsBO).",
            )
            created += 1
    return {"abweichende_zustaendigkeiten": created}
