"""Create the table of the shared database cache (docs/adr/0010-shared-cache.md).

``createcachetable`` is idempotent and does nothing for other cache backends, so running it as a
migration covers ``./dev start``, deployments and every test database alike.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_worker_process")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False)]
