"""Cases: one allocation of Vorgangsnummern (collisions retried by the unique index, not pre-checked);
events stored with their audit entry in one transaction and read in order."""

import itertools

import pytest
from django.db import transaction
from django.utils import timezone

from amtsweg.audit.models import AuditEntry
from amtsweg.cases import numbers
from amtsweg.cases.models import CaseEvent, CaseStatus, Vorgang
from amtsweg.cases.selectors import case_events_for, case_status, vorgang_by_number
from amtsweg.cases.services import NUMBER_ATTEMPTS, NumberExhausted, case_event_record, vorgang_create
from amtsweg.directory.models import Authority

pytestmark = pytest.mark.django_db


@pytest.fixture
def authority():
    return Authority.objects.order_by("pk").first()


def _vorgang(authority) -> Vorgang:
    return vorgang_create(authority=authority, channel=Vorgang.Channel.API)


def test_events_by_number_in_order_with_audit(authority):
    first, second = _vorgang(authority), _vorgang(authority)
    for status in ("eingegangen", "in_bearbeitung"):
        case_event_record(vorgang=first, authority=authority, kind="status", payload={"status": status})
    case_event_record(vorgang=second, authority=authority, kind="status", payload={"status": "x"})
    events = case_events_for(vorgang=vorgang_by_number(number=first.number))
    assert [e.payload["status"] for e in events] == ["eingegangen", "in_bearbeitung"]
    assert case_status(vorgang=first).payload["status"] == "in_bearbeitung"
    assert AuditEntry.objects.filter(event="status_posted").count() == 3


def test_event_and_audit_roll_back_together(authority):
    vorgang = _vorgang(authority)
    with pytest.raises(RuntimeError), transaction.atomic():
        case_event_record(
            vorgang=vorgang, authority=authority, kind="bescheid", payload={}, file_content=b"%PDF-1.4\n%%EOF"
        )
        raise RuntimeError("later failure in the same request")
    assert not CaseEvent.objects.exists() and not AuditEntry.objects.filter(event="bescheid_posted").exists()


def test_vorgang_keeps_the_latest_valid_status(authority):
    vorgang = _vorgang(authority)
    assert vorgang.status == CaseStatus.EINGEGANGEN
    case_event_record(vorgang=vorgang, authority=authority, kind="status", payload={"status": "in_bearbeitung"})
    case_event_record(vorgang=vorgang, authority=authority, kind="nachforderung", payload={"text": "Bitte."})
    case_event_record(vorgang=vorgang, authority=authority, kind="status", payload={"status": "unbekannt"})
    vorgang.refresh_from_db()
    # A Nachforderung sets its own status (and stops the clock); an unknown status changes nothing.
    assert vorgang.status == CaseStatus.NACHFORDERUNG and vorgang.events.count() == 3
    assert vorgang.paused_since is not None
    case_event_record(vorgang=vorgang, authority=authority, kind="status", payload={"status": "in_bearbeitung"})
    vorgang.refresh_from_db()
    assert vorgang.status == CaseStatus.IN_BEARBEITUNG and vorgang.paused_since is None
    case_event_record(vorgang=vorgang, authority=authority, kind="bescheid", payload={}, file_content=b"%PDF-1.4\n")
    vorgang.refresh_from_db()
    assert vorgang.status == CaseStatus.BESCHIEDEN


def test_new_vorgang_gets_a_due_date_from_the_leistung(authority):
    from amtsweg.cases.deadline import working_days_add
    from amtsweg.catalog.models import Leistung

    leistung = Leistung.objects.order_by("pk").first()
    leistung.processing_days = 7
    vorgang = vorgang_create(authority=authority, channel=Vorgang.Channel.PORTAL, leistung=leistung)
    assert vorgang.due_date == working_days_add(timezone.localdate(vorgang.created), 7)
    # Without a Leistung: the default period.
    assert _vorgang(authority).due_date == working_days_add(timezone.localdate(vorgang.created), 20)


def test_new_vorgang_has_a_valid_number_of_its_year(authority):
    vorgang = vorgang_create(authority=authority, channel=Vorgang.Channel.PORTAL)
    assert numbers.number_is_valid(vorgang.number) and vorgang.number.startswith(f"AW-{vorgang.created:%Y}-")
    # Found as typed by a citizen: lower case, blanks, O for 0.
    head, _, tail = vorgang.number.lower().rpartition("-")
    typed = f"{head}- {tail.replace('0', 'o')}"
    assert vorgang_by_number(number=f" {typed} ") == vorgang
    assert vorgang_by_number(number="AW-2026-XXXXXXXX") is None and vorgang_by_number(number="x" * 41) is None


def _draws(monkeypatch, symbols: str) -> None:
    """Make the random source of the numbers deterministic (the allocation itself stays real)."""
    source = itertools.cycle(symbols)
    monkeypatch.setattr(numbers.secrets, "choice", lambda alphabet: next(source))


def test_a_colliding_number_is_drawn_again_inside_the_callers_transaction(authority, monkeypatch):
    _draws(monkeypatch, "1111111")
    taken = _vorgang(authority)
    _draws(monkeypatch, "1111111" + "2222222")  # the same number first, then a free one
    with transaction.atomic():
        fresh = _vorgang(authority)
        # The collision was rolled back to a savepoint: the caller's transaction goes on.
        assert Vorgang.objects.filter(pk=taken.pk).exists()
    assert fresh.number != taken.number and fresh.number.endswith("2222222" + numbers.check_symbol("2222222"))


def test_allocation_gives_up_after_repeated_collisions(authority, monkeypatch):
    _draws(monkeypatch, "3333333")
    _vorgang(authority)
    before = Vorgang.objects.count()
    with pytest.raises(NumberExhausted):
        _vorgang(authority)
    assert Vorgang.objects.count() == before and NUMBER_ATTEMPTS > 1


def test_admin_lists_vorgaenge_and_events_read_only(admin_client, authority):
    vorgang = _vorgang(authority)
    case_event_record(vorgang=vorgang, authority=authority, kind="status", payload={"status": "in_bearbeitung"})
    for name in ("vorgang", "caseevent"):
        page = admin_client.get(f"/admin/cases/{name}/?q={vorgang.number}")
        assert page.status_code == 200 and vorgang.number in page.content.decode()
        assert admin_client.get(f"/admin/cases/{name}/add/").status_code == 403
