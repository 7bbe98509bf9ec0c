"""Case file: events are stored with their audit entry in one transaction and read in order."""

import pytest
from django.db import transaction

from amtsweg.audit.models import AuditEntry
from amtsweg.casefile.models import CaseEvent
from amtsweg.casefile.selectors import case_events_for, case_status
from amtsweg.casefile.services import case_event_record
from amtsweg.directory.models import Authority
from amtsweg.submissions.tests.conftest import private_storage_dir  # noqa: F401 - autouse: files to tmp

pytestmark = pytest.mark.django_db


@pytest.fixture
def authority():
    return Authority.objects.order_by("pk").first()


def test_events_by_number_in_order_with_audit(authority):
    for status in ("eingegangen", "in_bearbeitung"):
        case_event_record(
            vorgangsnummer="AW-2026-TEST0001", authority=authority, kind="status", payload={"status": status}
        )
    case_event_record(vorgangsnummer="AW-2026-TEST0002", authority=authority, kind="status", payload={"status": "x"})
    events = case_events_for(vorgangsnummer="AW-2026-TEST0001")
    assert [e.payload["status"] for e in events] == ["eingegangen", "in_bearbeitung"]
    assert case_status(vorgangsnummer="AW-2026-TEST0001").payload["status"] == "in_bearbeitung"
    assert AuditEntry.objects.filter(event="status_posted").count() == 3


def test_event_and_audit_roll_back_together(authority):
    with pytest.raises(RuntimeError), transaction.atomic():
        case_event_record(
            vorgangsnummer="AW-2026-TEST0003",
            authority=authority,
            kind="bescheid",
            payload={},
            file_content=b"%PDF-1.4\n%%EOF",
        )
        raise RuntimeError("later failure in the same request")
    assert not CaseEvent.objects.exists() and not AuditEntry.objects.filter(event="bescheid_posted").exists()
