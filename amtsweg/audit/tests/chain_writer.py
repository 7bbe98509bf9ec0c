"""Helper process for the concurrency test: ``python -m amtsweg.audit.tests.chain_writer migrate|append N|verify``.

Runs against the database in DATABASE_URL (a temporary SQLite file in the test), like a worker would.
"""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amtsweg.settings")
os.environ.setdefault("AMTSWEG_MODE", "test")
django.setup()

from django.core.management import call_command  # noqa: E402

from amtsweg.audit.services import audit_record, audit_verify  # noqa: E402


def main(argv):
    if argv[0] == "migrate":
        call_command("migrate", "audit", verbosity=0)
    elif argv[0] == "append":
        for i in range(int(argv[1])):
            audit_record(event="sent", message_id=f"{os.getpid()}-{i}", detail={"attempt": i})
    elif argv[0] == "verify":
        result = audit_verify()
        print(f"{result.ok} {result.checked}")


if __name__ == "__main__":
    main(sys.argv[1:])
