"""The Sachbearbeitung inbox: only the authority's staff, list with filters/search/sort/pagination,
case view with the answers as the receipt renders them, actions through cases services (audited)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from amtsweg.audit.models import AuditEntry
from amtsweg.cases.models import CaseEvent, CaseStatus, Vorgang
from amtsweg.cases.services import vorgang_create
from amtsweg.submissions.services import receipt_store


@pytest.fixture
def sb_a(case_a, make_staff):
    return make_staff("sb.a", authority=case_a.authority)


@pytest.fixture
def sb_b(case_b, make_staff):
    return make_staff("sb.b", authority=case_b.authority)


def test_anonymous_and_staff_without_authority_get_nothing(client, case_a, django_user_model):
    response = client.get("/sachbearbeitung/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    nobody = django_user_model.objects.create_user(username="ohne", password="x" * 16, is_staff=True)
    client.force_login(nobody)
    assert client.get("/sachbearbeitung/").status_code == 404
    assert client.get(f"/sachbearbeitung/vorgaenge/{case_a.vorgangsnummer}/").status_code == 404
    citizen = django_user_model.objects.create_user(username="buerger", password="x" * 16)
    client.force_login(citizen)
    assert client.get("/sachbearbeitung/").status_code == 302


def test_list_shows_only_the_own_authority(client, sb_a, case_a, case_b):
    client.force_login(sb_a)
    response = client.get("/sachbearbeitung/")
    html = response.content.decode()
    assert response.status_code == 200
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}
    assert case_a.vorgangsnummer in html and case_b.vorgangsnummer not in html
    assert "Hundesteuer" in html or case_a.leistung.name in html
    # B's case, its files and every action answer 404 for A's staff.
    number = case_b.vorgangsnummer
    for suffix in ("", "bescheid/", "eingangsbestaetigung.pdf", "anlagen/1/"):
        assert client.get(f"/sachbearbeitung/vorgaenge/{number}/{suffix}").status_code == 404, suffix
    for action in ("uebernehmen", "zuweisen", "nachforderung", "fortsetzen", "bescheid", "abschliessen"):
        assert client.post(f"/sachbearbeitung/vorgaenge/{number}/{action}/").status_code == 404, action
    vorgang_b = Vorgang.objects.get(pk=case_b.vorgang_id)
    assert vorgang_b.assignee is None and vorgang_b.status == CaseStatus.EINGEGANGEN
    assert not CaseEvent.objects.filter(vorgang=vorgang_b).exists()


def test_filters_search_sort_and_empty_state(client, sb_a, case_a, submit):
    authority = case_a.authority
    old = vorgang_create(authority=authority, channel=Vorgang.Channel.API, created=timezone.now() - timedelta(days=60))
    client.force_login(sb_a)
    html = client.get("/sachbearbeitung/", {"q": case_a.vorgangsnummer.lower()}).content.decode()
    assert case_a.vorgangsnummer in html and old.number not in html
    html = client.get("/sachbearbeitung/", {"q": "hunde"}).content.decode()
    assert case_a.vorgangsnummer in html and old.number not in html
    html = client.get("/sachbearbeitung/", {"ueberfaellig": "on"}).content.decode()
    assert old.number in html and case_a.vorgangsnummer not in html
    html = client.get("/sachbearbeitung/", {"leistung": case_a.leistung_id}).content.decode()
    assert case_a.vorgangsnummer in html and old.number not in html
    since = (timezone.localdate() - timedelta(days=1)).isoformat()
    html = client.get("/sachbearbeitung/", {"von": since}).content.decode()
    assert case_a.vorgangsnummer in html and old.number not in html
    html = client.get("/sachbearbeitung/", {"sort": "alt"}).content.decode()
    assert html.index(old.number) < html.index(case_a.vorgangsnummer)
    html = client.get("/sachbearbeitung/", {"bearbeitung": "ich"}).content.decode()
    assert "Keine Vorgänge passen zu Ihrer Auswahl" in html


def test_pagination_and_bounded_queries(client, sb_a, case_a):
    for _ in range(30):
        vorgang_create(authority=case_a.authority, channel=Vorgang.Channel.API, leistung=case_a.leistung)
    client.force_login(sb_a)
    client.get("/sachbearbeitung/")  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as first_page:
        html = client.get("/sachbearbeitung/").content.decode()
    assert "Seite 1 von 2" in html
    for _ in range(60):
        vorgang_create(authority=case_a.authority, channel=Vorgang.Channel.API, leistung=case_a.leistung)
    with CaptureQueriesContext(connection) as later_page:
        html = client.get("/sachbearbeitung/", {"seite": 3}).content.decode()
    assert "Seite 3 von 4" in html
    # The same number of queries whatever the number of cases and rows: no per-row lookups.
    assert len(later_page.captured_queries) == len(first_page.captured_queries) <= 12


def test_case_view_shows_answers_receipt_and_attachments(client, sb_a, case_a):
    receipt_store(submission=case_a)
    client.force_login(sb_a)
    html = client.get(f"/sachbearbeitung/vorgaenge/{case_a.vorgangsnummer}/").content.decode()
    assert "Mustermann" in html and "Bello" in html and "01.05.1980" in html  # rendered like the receipt
    assert "DE89 3704 0044 0532 0130 00" in html
    response = client.get(f"/sachbearbeitung/vorgaenge/{case_a.vorgangsnummer}/eingangsbestaetigung.pdf")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")


def test_claim_assign_nachforderung_bescheid_close_all_audited(client, sb_a, case_a, make_staff):
    colleague = make_staff("sb.a2", authority=case_a.authority)
    number = case_a.vorgangsnummer
    base = f"/sachbearbeitung/vorgaenge/{number}/"
    client.force_login(sb_a)

    assert client.post(base + "uebernehmen/").status_code == 302
    assert Vorgang.objects.get(number=number).assignee_id == sb_a.pk
    client.post(base + "zuweisen/", {"assignee": colleague.pk})
    assert Vorgang.objects.get(number=number).assignee_id == colleague.pk
    outsider = make_staff("sb.fremd", authority=_other_authority(case_a))
    client.post(base + "zuweisen/", {"assignee": outsider.pk})  # not a colleague: refused
    assert Vorgang.objects.get(number=number).assignee_id == colleague.pk

    # A Nachforderung with a past date is refused with a German message; a valid one stops the clock.
    bad = client.post(base + "nachforderung/", {"text": "Bitte", "due_date": "2000-01-01"})
    assert bad.status_code == 400 and "Datum in der Zukunft" in bad.content.decode()
    due = (timezone.localdate() + timedelta(days=14)).isoformat()
    text = "Bitte senden Sie den Impfpass."
    client.post(base + "nachforderung/", {"text": text, "documents": "Impfpass", "due_date": due})
    vorgang = Vorgang.objects.get(number=number)
    assert vorgang.status == CaseStatus.NACHFORDERUNG and vorgang.paused_since == timezone.localdate()
    event = CaseEvent.objects.get(vorgang=vorgang, kind="nachforderung")
    assert event.payload == {"text": text, "due_date": due, "documents_requested": ["Impfpass"]}
    assert "ruht" in client.get(base).content.decode()

    client.post(base + "fortsetzen/")
    vorgang.refresh_from_db()
    assert vorgang.status == CaseStatus.IN_BEARBEITUNG and vorgang.paused_since is None

    form = client.get(base + "bescheid/").content.decode()
    assert number in form and "Rechtsbehelfsbelehrung" in form
    client.post(base + "bescheid/", {"text": f"Bescheid zu {number}: Ihrem Antrag wird stattgegeben."})
    bescheid = CaseEvent.objects.get(vorgang=vorgang, kind="bescheid")
    pdf = client.get(f"{base}dateien/{bescheid.pk}/")
    content = b"".join(pdf.streaming_content)
    assert pdf.status_code == 200 and content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    assert number in reader.pages[0].extract_text()
    assert reader.xmp_metadata is not None and "pdfaid" in reader.xmp_metadata.rdf_root.toxml()  # PDF/A claim
    assert Vorgang.objects.get(number=number).status == CaseStatus.BESCHIEDEN
    # Decided: no second Bescheid, no Nachforderung.
    client.post(base + "bescheid/", {"text": "noch einer"})
    assert CaseEvent.objects.filter(vorgang=vorgang, kind="bescheid").count() == 1

    client.post(base + "abschliessen/")
    assert Vorgang.objects.get(number=number).status == CaseStatus.ABGESCHLOSSEN

    actor = f"user:{sb_a.pk}"
    events = list(AuditEntry.objects.filter(actor=actor).order_by("seq").values_list("event", flat=True))
    assert events == [
        "case_assigned",
        "case_assigned",
        "nachforderung_posted",
        "status_posted",
        "bescheid_posted",
        "status_posted",
    ]
    # No personal data in the trail: the Nachforderung's text is not logged.
    assert not AuditEntry.objects.filter(detail__icontains="Impfpass").exists()


def _other_authority(case):
    from amtsweg.directory.models import Authority

    return Authority.objects.exclude(pk=case.authority_id).order_by("pk").first()
