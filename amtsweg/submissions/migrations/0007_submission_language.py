"""The citizen's page language on a submission (issue 11 §4): the confirmation e-mail is written in it.

On SQLite, adding a column with a default rebuilds the table, which drops the snapshot guard; the guard
is therefore dropped before and put back after (the same trigger as 0006).
"""

import importlib

from django.db import migrations, models

_guard = importlib.import_module("amtsweg.submissions.migrations.0002_snapshot_guard")
_guard_0006 = importlib.import_module("amtsweg.submissions.migrations.0006_submission_vorgang_only")

_DROP = {"sqlite": _guard.SQLITE_DROP, "postgresql": _guard.POSTGRES_DROP}
_CREATE = {"sqlite": _guard_0006.SQLITE, "postgresql": _guard_0006.POSTGRES}


class Migration(migrations.Migration):
    dependencies = [
        ("submissions", "0006_submission_vorgang_only"),
    ]

    operations = [
        migrations.RunPython(_guard._run(_DROP), _guard._run(_CREATE)),
        migrations.AddField(
            model_name="submission",
            name="language",
            field=models.CharField(default="de", max_length=8, verbose_name="Sprache der Antragstellung"),
        ),
        migrations.RunPython(_guard._run(_CREATE), _guard._run(_DROP)),
    ]
