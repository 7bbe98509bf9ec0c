"""Fixtures for the directory tests.

The root conftest loads Saxony's reference data once per test database (bootstrap). The
``saxony`` fixture only makes sure it is there, so these tests also run where it is not
(e.g. with a different root conftest), without loading it twice.
"""

import pytest
from django.apps import apps
from django.conf import settings

from amtsweg.directory import services
from amtsweg.directory.models import Authority, PostalCode, RegisterImport, Territory, TerritoryChange

REGISTER_2025 = settings.SHARED_DATA_DIR / "destatis" / "GV100AD_30112025.txt"
REGISTER_2022 = settings.SHARED_DATA_DIR / "destatis" / "GV100AD_31122022.txt"
POSTAL_CSV = settings.SHARED_DATA_DIR / "plz" / "zuordnung_plz_ort_landkreis.csv"


@pytest.fixture(scope="session")
def _saxony_loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        if not Territory.objects.filter(kind="gemeinde", ars__startswith="14", valid_until__isnull=True).exists():
            services.register_import(path=REGISTER_2025, land="14")
            services.postal_codes_import(path=POSTAL_CSV, land="14")
            services.authorities_generate(land="14")


@pytest.fixture
def saxony(_saxony_loaded, db):
    """Saxony's 2025 register, PLZ and generated authorities (loaded once per session)."""
    return Territory.objects.get(kind="land", ars="14", valid_until__isnull=True)


def directory_clear() -> None:
    """Remove all directory rows inside the running test transaction (rolled back afterwards).

    Territory and Authority are referenced with PROTECT from other apps (jurisdiction
    overrides, …) and from themselves, so delete the referencing rows first and cut the
    self-references before deleting the units.
    """
    targets = {Territory, Authority}
    for model in apps.get_models():
        if model in targets or model in (PostalCode, TerritoryChange):
            continue
        for field in model._meta.get_fields():
            if field.is_relation and field.many_to_one and field.related_model in targets:
                model.objects.filter(**{f"{field.name}__isnull": False}).delete()
    TerritoryChange.objects.all().delete()
    RegisterImport.objects.all().delete()
    PostalCode.objects.all().delete()
    Authority.serves.through.objects.all().delete()
    Authority.objects.all().delete()
    Territory.objects.update(parent=None, kreis=None, successor=None)
    Territory.objects.all().delete()
