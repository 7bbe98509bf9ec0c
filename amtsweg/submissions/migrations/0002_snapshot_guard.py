"""Database guard: the snapshot columns of a submission never change after the insert.

The service layer never updates them; this trigger also stops raw SQL, bulk ``update()`` and admin
mistakes. Status, receipt and confirmation columns stay writable; deleting (retention) is allowed.
Works on SQLite and PostgreSQL; other backends rely on the service layer only.
"""

from django.db import migrations

COLUMNS = [
    "vorgangsnummer",
    "idempotency_key",
    "submitted_at",
    "form_version_id",
    "overlay_snapshot",
    "leistung_id",
    "leika_key",
    "leistung_name",
    "gemeinde_id",
    "gemeinde_ags",
    "gemeinde_ars",
    "gemeinde_name",
    "authority_id",
    "authority_key",
    "authority_name",
    "answers",
    "data_xml",
    "data_schema_sha256",
]

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
SQLITE_DROP = ["DROP TRIGGER IF EXISTS submissions_submission_immutable"]

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
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS submissions_submission_immutable ON submissions_submission",
    "DROP FUNCTION IF EXISTS submissions_submission_guard()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("submissions", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
