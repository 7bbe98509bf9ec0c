import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amtsweg.settings")
application = get_wsgi_application()


def _warm_search_indexes() -> None:
    # Build the finder's in-memory indexes at start-up so the first citizen does not wait for it.
    # A fresh, not yet migrated database must not stop the server from starting.
    try:
        from amtsweg.finder.search import warm_indexes

        warm_indexes()
    except Exception:  # noqa: BLE001
        logging.getLogger(__name__).warning("Suchindex konnte beim Start nicht aufgebaut werden.", exc_info=True)


_warm_search_indexes()
