"""Step 2 of 3 (issue 9): one Vorgang per existing Vorgangsnummer, references filled in, the old case file
(``casefile_caseevent``) copied into ``cases_caseevent`` and dropped.

Order: submissions first (portal, their snapshot of authority, place and Leistung), then hub messages
without a submission (API intake), then numbers only the case file knows. Messages of a submission share
its Vorgang. Lives in ``submissions``, the only app of the three that may know the other two. Fresh
databases never had the case file table (its app is gone); introspection decides.
"""

from django.db import migrations

CASEFILE_TABLE = "casefile_caseevent"
STATUS_VALUES = {"eingegangen", "in_bearbeitung", "nachforderung", "beschieden", "abgeschlossen"}


def _vorgang_for(Vorgang, cache: dict, *, number: str, **columns):
    vorgang = cache.get(number)
    if vorgang is None:
        vorgang = Vorgang.objects.filter(number=number).first() or Vorgang.objects.create(number=number, **columns)
        cache[number] = vorgang
    return vorgang


def _submissions(apps, cache: dict) -> None:
    Submission = apps.get_model("submissions", "Submission")
    Vorgang = apps.get_model("cases", "Vorgang")
    for submission in Submission.objects.filter(vorgang__isnull=True).order_by("pk").iterator():
        vorgang = _vorgang_for(
            Vorgang,
            cache,
            number=submission.vorgangsnummer,
            channel="portal",
            authority_id=submission.authority_id,
            gemeinde_id=submission.gemeinde_id,
            leistung_id=submission.leistung_id,
            created=submission.submitted_at,
        )
        Submission.objects.filter(pk=submission.pk).update(vorgang=vorgang)


def _messages(apps, cache: dict) -> None:
    Message = apps.get_model("hub", "Message")
    Submission = apps.get_model("submissions", "Submission")
    Vorgang = apps.get_model("cases", "Vorgang")
    # Messages of a submission first take the submission's Vorgang; the rest get their own per number.
    for message in Message.objects.filter(vorgang__isnull=True).order_by("received_at", "pk").iterator():
        if message.submission_id is not None:
            vorgang_id = Submission.objects.values_list("vorgang_id", flat=True).get(pk=message.submission_id)
            Message.objects.filter(pk=message.pk).update(vorgang_id=vorgang_id)
            continue
        vorgang = _vorgang_for(
            Vorgang,
            cache,
            # A message without a number (never written by the platform) still gets a unique one.
            number=message.vorgangsnummer or f"HUB-{message.pk.hex[:20].upper()}",
            channel=message.source if message.source in ("portal", "api") else "api",
            authority_id=message.authority_id,
            gemeinde_id=message.gemeinde_id,
            leistung_id=message.leistung_id,
            created=message.submitted_at,
        )
        Message.objects.filter(pk=message.pk).update(vorgang=vorgang)


def _casefile_copy(apps, schema_editor) -> None:
    """Copy the old case events (in SQL: JSON and timestamps stay exactly as stored) and drop the table."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if CASEFILE_TABLE not in connection.introspection.table_names(cursor):
            return
    quote = schema_editor.quote_name
    # Numbers only the case file knows: a Vorgang of the reporting authority, dated by its first event.
    schema_editor.execute(
        f"INSERT INTO {quote('cases_vorgang')} (number, channel, status, authority_id, created, updated) "  # noqa: S608
        f"SELECT c.vorgangsnummer, 'api', 'eingegangen', MIN(c.authority_id), MIN(c.created), MIN(c.created) "
        f"FROM {quote(CASEFILE_TABLE)} c WHERE NOT EXISTS "
        f"(SELECT 1 FROM {quote('cases_vorgang')} v WHERE v.number = c.vorgangsnummer) "
        f"GROUP BY c.vorgangsnummer"
    )
    schema_editor.execute(
        f"INSERT INTO {quote('cases_caseevent')} "  # noqa: S608 - constant table names
        f"(vorgang_id, authority_id, kind, payload, file, file_sha512, api_client_id, created) "
        f"SELECT v.id, c.authority_id, c.kind, c.payload, c.file, c.file_sha512, c.api_client_id, c.created "
        f"FROM {quote(CASEFILE_TABLE)} c JOIN {quote('cases_vorgang')} v ON v.number = c.vorgangsnummer "
        f"ORDER BY c.created, c.id"
    )
    schema_editor.execute(f"DROP TABLE {quote(CASEFILE_TABLE)}")
    schema_editor.execute("DELETE FROM django_migrations WHERE app = %s", ["casefile"])


def _statuses(apps) -> None:
    """Each Vorgang's status: the latest valid status its back office reported."""
    CaseEvent = apps.get_model("cases", "CaseEvent")
    Vorgang = apps.get_model("cases", "Vorgang")
    latest: dict[int, str] = {}
    for vorgang_id, payload in (
        CaseEvent.objects.filter(kind="status").order_by("created", "pk").values_list("vorgang_id", "payload")
    ):
        status = (payload or {}).get("status") if isinstance(payload, dict) else None
        if status in STATUS_VALUES:
            latest[vorgang_id] = status
    for vorgang_id, status in latest.items():
        Vorgang.objects.filter(pk=vorgang_id).update(status=status)


def forward(apps, schema_editor) -> None:
    cache: dict = {}
    _submissions(apps, cache)
    _messages(apps, cache)
    _casefile_copy(apps, schema_editor)
    _statuses(apps)


def backward(apps, schema_editor) -> None:
    """Refill the old number columns (and the message's submission) from the Vorgang. The case events stay
    in cases (the case file app no longer exists)."""
    Submission = apps.get_model("submissions", "Submission")
    Message = apps.get_model("hub", "Message")
    for submission in Submission.objects.filter(vorgang__isnull=False).select_related("vorgang").iterator():
        Submission.objects.filter(pk=submission.pk).update(vorgangsnummer=submission.vorgang.number[:20])
    submission_by_vorgang = dict(Submission.objects.values_list("vorgang_id", "pk"))
    for message in Message.objects.filter(vorgang__isnull=False).select_related("vorgang").iterator():
        Message.objects.filter(pk=message.pk).update(
            vorgangsnummer=message.vorgang.number,
            submission_id=submission_by_vorgang.get(message.vorgang_id) if message.source == "portal" else None,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("hub", "0005_message_vorgang_add"),
        ("submissions", "0004_submission_vorgang_add"),
    ]

    operations = [migrations.RunPython(forward, backward)]
