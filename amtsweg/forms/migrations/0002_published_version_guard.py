"""Database guard: a published (or retired) form version's content can never change.

The service layer refuses such updates already; this trigger also stops raw SQL, bulk
``QuerySet.update()`` and admin mistakes. Allowed: status published → retired (and back).
Forbidden: changing document/hash/number/definition, going back to draft, deleting.
Works on SQLite and PostgreSQL; other backends rely on the service layer only.
"""

from django.db import migrations

SQLITE = [
    """
    CREATE TRIGGER forms_formversion_immutable_update
    BEFORE UPDATE ON forms_formversion
    WHEN OLD.status <> 'draft' AND (
        NEW.document IS NOT OLD.document OR NEW.content_hash IS NOT OLD.content_hash
        OR NEW.number IS NOT OLD.number OR NEW.definition_id IS NOT OLD.definition_id
        OR NEW.status = 'draft'
    )
    BEGIN
        SELECT RAISE(ABORT, 'forms_formversion: published form versions are immutable');
    END
    """,
    """
    CREATE TRIGGER forms_formversion_immutable_delete
    BEFORE DELETE ON forms_formversion
    WHEN OLD.status <> 'draft'
    BEGIN
        SELECT RAISE(ABORT, 'forms_formversion: published form versions cannot be deleted');
    END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS forms_formversion_immutable_update",
    "DROP TRIGGER IF EXISTS forms_formversion_immutable_delete",
]

POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION forms_formversion_guard() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            IF OLD.status <> 'draft' THEN
                RAISE EXCEPTION 'forms_formversion: published form versions cannot be deleted'
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN OLD;
        END IF;
        IF OLD.status <> 'draft' AND (
            NEW.document IS DISTINCT FROM OLD.document OR NEW.content_hash IS DISTINCT FROM OLD.content_hash
            OR NEW.number IS DISTINCT FROM OLD.number OR NEW.definition_id IS DISTINCT FROM OLD.definition_id
            OR NEW.status = 'draft'
        ) THEN
            RAISE EXCEPTION 'forms_formversion: published form versions are immutable'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER forms_formversion_immutable
    BEFORE UPDATE OR DELETE ON forms_formversion
    FOR EACH ROW EXECUTE FUNCTION forms_formversion_guard()
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS forms_formversion_immutable ON forms_formversion",
    "DROP FUNCTION IF EXISTS forms_formversion_guard()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("forms", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
