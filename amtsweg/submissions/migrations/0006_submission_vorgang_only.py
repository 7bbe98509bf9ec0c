"""Step 3 of 3 (issue 9): the submission reads its number through its Vorgang; the snapshot guard is
back, now guarding the Vorgang reference instead of the number column."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

_guard = importlib.import_module("amtsweg.submissions.migrations.0002_snapshot_guard")

COLUMNS = ["vorgang_id" if column == "vorgangsnummer" else column for column in _guard.COLUMNS]

SQLITE = [
    f"""
    CREATE TRIGGER submissions_submission_immutable
    BEFORE UPDATE ON submissions_submission
    WHEN {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in COLUMNS)}
    BEGIN
        SELECT RAISE(ABORT, 'submissions_submission: the submitted snapshot is immutable');
    END
    """,
]

POSTGRES = [
    f"""
    CREATE OR REPLACE FUNCTION submissions_submission_guard() RETURNS trigger AS $$
    BEGIN
        IF {" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in COLUMNS)} THEN
            RAISE EXCEPTION 'submissions_submission: the submitted snapshot is immutable'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER submissions_submission_immutable
    BEFORE UPDATE ON submissions_submission
    FOR EACH ROW EXECUTE FUNCTION submissions_submission_guard()
    """,
]


class Migration(migrations.Migration):
    dependencies = [("submissions", "0005_vorgang_backfill")]

    operations = [
        migrations.RemoveField(model_name="submission", name="vorgangsnummer"),
        migrations.AlterField(
            model_name="submission",
            name="vorgang",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="submission",
                to="cases.vorgang",
                verbose_name="Vorgang",
            ),
        ),
        migrations.RunPython(
            _guard._run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _guard._run({"sqlite": _guard.SQLITE_DROP, "postgresql": _guard.POSTGRES_DROP}),
        ),
    ]
