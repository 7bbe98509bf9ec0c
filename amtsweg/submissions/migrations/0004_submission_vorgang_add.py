"""Step 1 of 3 (issue 9): submissions get a nullable reference to their Vorgang.

The snapshot guard (0002) is dropped for the move: on SQLite the table is rebuilt (which would lose the
trigger anyway), and the guard's column list changes. 0006 puts it back, guarding ``vorgang_id``.
The old number column becomes nullable only so that the way back (reverse) can refill it.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

_guard = importlib.import_module("amtsweg.submissions.migrations.0002_snapshot_guard")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("submissions", "0003_confirmation_without_personal_data"),
    ]

    operations = [
        migrations.RunPython(
            _guard._run({"sqlite": _guard.SQLITE_DROP, "postgresql": _guard.POSTGRES_DROP}),
            _guard._run({"sqlite": _guard.SQLITE, "postgresql": _guard.POSTGRES}),
        ),
        migrations.AddField(
            model_name="submission",
            name="vorgang",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="submission",
                to="cases.vorgang",
                verbose_name="Vorgang",
            ),
        ),
        migrations.AlterField(
            model_name="submission",
            name="vorgangsnummer",
            field=models.CharField(max_length=20, null=True, unique=True, verbose_name="Vorgangsnummer"),
        ),
    ]
