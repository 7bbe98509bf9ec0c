"""Django's database sessions, read with one plain statement (ADR 0031).

Every request with a session cookie (every step of an assistant) reads its session. Django's store does that
through the ORM, whose query compilation costs several times the indexed look-up itself. This store reads
the same row with the same condition (key, not expired) in a prepared statement; writing, creating,
deleting and clearing expired sessions stay Django's own.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DbSessionStore):
    def _get_session_from_db(self) -> SimpleNamespace | None:
        model = self.model
        connection = connections[router.db_for_read(model)]
        qn = connection.ops.quote_name
        sql = (
            f"SELECT {qn('session_data')} FROM {qn(model._meta.db_table)} "  # noqa: S608 (names from the model)
            f"WHERE {qn('session_key')} = %s AND {qn('expire_date')} > %s"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return SimpleNamespace(session_data=row[0])
