"""The move to one Vorgang entity migrates existing data (issue 9): a database in the state before it, with
submissions, hub messages and the old case file, is migrated forward and checked.

Runs on its own SQLite database file (the schema changes cannot run inside the test's transaction, and the
shared test database keeps its reference data untouched); then migrates back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor

ALIAS = "default"
OLD = [("submissions", "0003_confirmation_without_personal_data"), ("hub", "0004_message_receipt_handover")]
NEW_FIRST = {("cases", "0001_initial")}
CASEFILE_SQL = """
CREATE TABLE casefile_caseevent (
    id integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    vorgangsnummer varchar(40) NOT NULL,
    message_id char(32) NULL,
    kind varchar(15) NOT NULL,
    payload text NOT NULL,
    file varchar(255) NOT NULL,
    file_sha512 varchar(128) NOT NULL,
    created datetime NOT NULL,
    api_client_id bigint NULL REFERENCES apiclients_apiclient (id) DEFERRABLE INITIALLY DEFERRED,
    authority_id bigint NOT NULL REFERENCES directory_authority (id) DEFERRABLE INITIALLY DEFERRED,
    submission_id bigint NULL REFERENCES submissions_submission (id) DEFERRABLE INITIALLY DEFERRED
)
"""
T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def connection(tmp_path, django_db_blocker):
    """A fresh SQLite database of its own as the default connection (some migrations use the default one),
    the test database's connection put back afterwards."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    own = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "migration.sqlite3")}
    wrapper = DatabaseWrapper(connections.configure_settings({ALIAS: own})[ALIAS], alias=ALIAS)
    original = connections[ALIAS]
    connections[ALIAS] = wrapper
    with django_db_blocker.unblock():
        try:
            yield wrapper
        finally:
            wrapper.close()
            connections[ALIAS] = original


def _old_targets(executor: MigrationExecutor) -> list[tuple[str, str]]:
    """Every app at its latest migration, except what builds on the Vorgang: submissions and hub before it."""
    graph = executor.loader.graph
    new = {node for first in NEW_FIRST for node in graph.backwards_plan(first)}
    leaves = [node for node in graph.leaf_nodes() if node not in new]
    return leaves + OLD


def _reference_rows(apps):
    """The minimum a submission refers to: place, authority, Leistung, form version, API client."""
    db = ALIAS
    territory = (
        apps.get_model("directory", "Territory")
        .objects.using(db)
        .create(kind="gemeinde", ags="14612000", ars="146120000000", name="Dresden")
    )
    authority = (
        apps.get_model("directory", "Authority")
        .objects.using(db)
        .create(key="gem-14612000", name="Stadt Dresden", kind="gemeinde", territory=territory)
    )
    themenfeld = apps.get_model("catalog", "Themenfeld").objects.using(db).create(name="Tiere", slug="tiere")
    lebenslage = (
        apps.get_model("catalog", "Lebenslage")
        .objects.using(db)
        .create(name="Haustiere", slug="haustiere", themenfeld=themenfeld)
    )
    ozg = (
        apps.get_model("catalog", "OzgLeistung")
        .objects.using(db)
        .create(ozg_id="10001", name="Hundesteuer", lebenslage=lebenslage)
    )
    leistung = (
        apps.get_model("catalog", "Leistung")
        .objects.using(db)
        .create(slug="hundesteuer", leika_key="99102013000000", name="Hundesteuer", ozg=ozg, import_key="t-1")
    )
    definition = (
        apps.get_model("forms", "FormDefinition")
        .objects.using(db)
        .create(key="hundesteuer", title="Hundesteuer", leistung=leistung)
    )
    version = (
        apps.get_model("forms", "FormVersion")
        .objects.using(db)
        .create(definition=definition, number=1, document={}, content_hash="0" * 64)
    )
    client = apps.get_model("apiclients", "ApiClient").objects.using(db).create(name="Fachverfahren")
    return territory, authority, leistung, version, client


def _old_data(apps, connection) -> dict:
    territory, authority, leistung, version, client = _reference_rows(apps)
    common = {"leistung": leistung, "authority": authority, "authority_key": authority.key}
    submission = (
        apps.get_model("submissions", "Submission")
        .objects.using(ALIAS)
        .create(
            vorgangsnummer="AW-2026-7K3QX9PM",
            idempotency_key="draft-1",
            submitted_at=T0,
            form_version=version,
            leika_key=leistung.leika_key,
            leistung_name=leistung.name,
            gemeinde=territory,
            gemeinde_ags=territory.ags,
            gemeinde_ars=territory.ars,
            gemeinde_name=territory.name,
            authority_name=authority.name,
            answers={"vorname": "Erika"},
            data_xml="<antrag/>",
            data_schema_sha256="0" * 64,
            email="erika@example.org",
            **common,
        )
    )
    Message = apps.get_model("hub", "Message")
    message_fields = {"submitted_at": T0, "data_sha512": "0" * 128, "data_json_encrypted": "x", **common}
    portal = Message.objects.using(ALIAS).create(
        idempotency_key="portal:draft-1", source="portal", submission=submission,
        vorgangsnummer=submission.vorgangsnummer, gemeinde=territory, **message_fields,
    )  # fmt: skip
    api = Message.objects.using(ALIAS).create(
        idempotency_key="api-1", source="api", vorgangsnummer="AW-2026-00000000", **message_fields
    )
    with connection.cursor() as cursor:
        cursor.execute(CASEFILE_SQL)
        rows = [
            (portal.vorgangsnummer, portal.pk.hex, "status", '{"status": "in_bearbeitung"}', submission.pk, 1),
            (api.vorgangsnummer, api.pk.hex, "nachforderung", '{"text": "Bitte Nachweis."}', None, 2),
            ("ALT-0001", None, "status", '{"status": "beschieden"}', None, 3),
            (portal.vorgangsnummer, portal.pk.hex, "bescheid", '{"note": ""}', submission.pk, 4),
        ]
        for number, message_id, kind, payload, submission_id, day in rows:
            cursor.execute(
                "INSERT INTO casefile_caseevent (vorgangsnummer, message_id, kind, payload, file, file_sha512,"
                " created, api_client_id, authority_id, submission_id) VALUES (%s, %s, %s, %s, %s, '', %s, %s, %s, %s)",
                [
                    number, message_id, kind, payload, "casefile/x.pdf" if kind == "bescheid" else "",
                    f"2026-11-0{day} 10:00:00", client.pk, authority.pk, submission_id,
                ],
            )  # fmt: skip
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('casefile', '0001_initial', %s)", [T0]
        )
    return {"submission": submission, "portal": portal, "api": api, "authority": authority}


def test_existing_submissions_messages_and_case_events_migrate_to_vorgaenge(connection):
    executor = MigrationExecutor(connection)
    old = _old_targets(executor)
    executor.migrate(old)
    old_data = _old_data(executor.loader.project_state(old).apps, connection)

    executor = MigrationExecutor(connection)  # reload: the graph as applied now
    executor.migrate(executor.loader.graph.leaf_nodes())
    apps = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    Vorgang = apps.get_model("cases", "Vorgang")
    vorgaenge = {v.number: v for v in Vorgang.objects.using(ALIAS).all()}
    assert set(vorgaenge) == {"AW-2026-7K3QX9PM", "AW-2026-00000000", "ALT-0001"}

    portal_case = vorgaenge["AW-2026-7K3QX9PM"]
    submission = apps.get_model("submissions", "Submission").objects.using(ALIAS).get()
    messages = {m.idempotency_key: m for m in apps.get_model("hub", "Message").objects.using(ALIAS).all()}
    assert submission.vorgang_id == portal_case.pk == messages["portal:draft-1"].vorgang_id
    assert (portal_case.channel, portal_case.created) == ("portal", T0)
    assert (portal_case.authority_id, portal_case.leistung_id) == (old_data["authority"].pk, submission.leistung_id)
    assert portal_case.gemeinde_id == submission.gemeinde_id
    api_case = vorgaenge["AW-2026-00000000"]
    assert messages["api-1"].vorgang_id == api_case.pk and api_case.channel == "api"
    stray = vorgaenge["ALT-0001"]
    assert (stray.channel, stray.authority_id) == ("api", old_data["authority"].pk)

    # Events copied in order, by Vorgang, with content, file and time as they were.
    events = list(apps.get_model("cases", "CaseEvent").objects.using(ALIAS).order_by("created", "pk"))
    assert [(e.vorgang_id, e.kind) for e in events] == [
        (portal_case.pk, "status"),
        (api_case.pk, "nachforderung"),
        (stray.pk, "status"),
        (portal_case.pk, "bescheid"),
    ]
    assert events[1].payload == {"text": "Bitte Nachweis."} and events[3].file.name == "casefile/x.pdf"
    assert events[0].created == datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    # Each Vorgang's status is the latest one reported.
    assert (portal_case.status, api_case.status, stray.status) == ("in_bearbeitung", "eingegangen", "beschieden")

    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        submission_columns = {
            c.name for c in connection.introspection.get_table_description(cursor, "submissions_submission")
        }
        message_columns = {c.name for c in connection.introspection.get_table_description(cursor, "hub_message")}
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'casefile'")
        casefile_migrations = cursor.fetchone()[0]
    assert "casefile_caseevent" not in tables and casefile_migrations == 0
    assert "vorgangsnummer" not in submission_columns and "vorgang_id" in submission_columns
    assert not {"vorgangsnummer", "submission_id"} & message_columns and "vorgang_id" in message_columns

    # The snapshot guard is back and now guards the Vorgang reference.
    other = Vorgang.objects.using(ALIAS).create(
        number="AW-2026-11111111", channel="api", authority_id=stray.authority_id
    )
    with pytest.raises(DatabaseError), transaction.atomic(using=ALIAS):
        type(submission).objects.using(ALIAS).filter(pk=submission.pk).update(vorgang_id=other.pk)
    assert type(submission).objects.using(ALIAS).filter(pk=submission.pk).update(status="forwarded") == 1

    # And back: the old columns are filled again from the Vorgang.
    executor = MigrationExecutor(connection)
    executor.migrate(OLD)
    apps = executor.loader.project_state(OLD).apps
    submission = apps.get_model("submissions", "Submission").objects.using(ALIAS).get()
    messages = {m.idempotency_key: m for m in apps.get_model("hub", "Message").objects.using(ALIAS).all()}
    assert submission.vorgangsnummer == "AW-2026-7K3QX9PM"
    assert messages["portal:draft-1"].vorgangsnummer == submission.vorgangsnummer
    assert messages["portal:draft-1"].submission_id == submission.pk
    assert (messages["api-1"].vorgangsnummer, messages["api-1"].submission_id) == ("AW-2026-00000000", None)
