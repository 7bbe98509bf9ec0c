"""Fixtures for the finder's view and API tests (the root conftest has loaded Saxony + the catalogue)."""

import pytest

from amtsweg.catalog.models import Leistung
from amtsweg.directory.models import Territory

HUNDESTEUER_KEY = "99102013000000"
PIRNA_AGS = "14628270"
DRESDEN_AGS = "14612000"
# PLZ 01796 spans Pirna, Dohma and Struppen.
SHARED_PLZ = "01796"
SHARED_PLZ_AGS = {"14628270", "14628070", "14628390"}


@pytest.fixture
def hundesteuer(db) -> Leistung:
    return Leistung.objects.filter(leika_key=HUNDESTEUER_KEY, published=True).order_by("id").first()


@pytest.fixture
def pirna(db) -> Territory:
    return Territory.objects.get(ags=PIRNA_AGS, kind=Territory.Kind.GEMEINDE, valid_until__isnull=True)


@pytest.fixture
def kreis_leistung(db) -> Leistung:
    """Some published Leistung executed by the Landkreise / kreisfreie Städte."""
    return Leistung.objects.filter(execution_level="kreis", published=True).order_by("id").first()
