import pytest
from django.conf import settings

from amtsweg.catalog.models import Leistung
from amtsweg.catalog.services import catalog_import

CATALOG_CSV = settings.SHARED_DATA_DIR / "ozg-katalog" / "ozg_katalog_kdn_nrw_2019.csv"


@pytest.fixture(scope="session")
def catalog_data(django_db_setup, django_db_blocker):
    """The imported catalogue. The root conftest usually preloads it; import it here only if it did not."""
    with django_db_blocker.unblock():
        if not Leistung.objects.exists():
            catalog_import(path=CATALOG_CSV)


@pytest.fixture
def catalog(catalog_data, db):
    return CATALOG_CSV
