"""The follow digest (scheduler job → worker → one mail per follower), result documents and the command."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from pypdf import PdfWriter

from amtsweg.ops.scheduler import JOBS
from amtsweg.projekte.beteiligung import abo_set, kommentar_moderate, kommentar_submit
from amtsweg.projekte.models import Leistungspaket
from amtsweg.projekte.phases import Phase, Status
from amtsweg.projekte.services import dokument_upload, phase_set, projekt_create, werkstatt_create

pytestmark = pytest.mark.django_db


def test_digest_reports_phase_changes_and_released_comments_once(member, kommunen, leistungen, koordination, worker):
    user = member("freiberg")
    projekt = projekt_create(paket=Leistungspaket.objects.get(number="12"), lb="30", title="Digest-Projekt")
    abo_set(user=user, projekt=projekt, follow=True)
    abo_set(user=user, leistung=leistungen["hundesteuer"], follow=True)
    phase_set(projekt=projekt, phase=Phase.LA, status=Status.IN_BEARBEITUNG, user=koordination)
    comment = kommentar_submit(
        user=user, authority=kommunen["freiberg"], leistung=leistungen["hundesteuer"], text="Wir sind dabei."
    )
    kommentar_moderate(user=koordination, kommentar=comment, freigeben=True)
    assert JOBS["beteiligung_digest"]().startswith("1 Zusammenfassung")
    worker()
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Projekt „Digest-Projekt“" in body and "Phase LA: in Bearbeitung" in body
    assert f"Kommentar von {kommunen['freiberg'].name}: Wir sind dabei." in body
    JOBS["beteiligung_digest"]()
    worker()
    assert len(mail.outbox) == 1  # nothing new, no second mail


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_result_documents_must_be_clean_pdfs():
    projekt = projekt_create(paket=Leistungspaket.objects.get(number="12"), lb="31", title="Werkstatt-Projekt")
    werkstatt = werkstatt_create(projekt=projekt, number=1, date=dt.date(2027, 1, 15), place="Dresden")
    doc = dokument_upload(werkstatt=werkstatt, art="steckbrief", name="../Steckbrief.pdf", data=_pdf())
    assert doc.name == "Steckbrief.pdf"
    with pytest.raises(ValidationError, match="als PDF"):
        dokument_upload(werkstatt=werkstatt, art="fachkonzept", name="x.pdf", data=b"<html><script>1</script>")
    with pytest.raises(ValidationError, match="bereits angelegt"):
        werkstatt_create(projekt=projekt, number=1, date=dt.date(2027, 2, 1))


def test_command_writes_csv_and_pdf(tmp_path):
    out = tmp_path / "tabelle.csv"
    call_command("phasentabelle", "--stichtag", "14.10.2022", "--format", "csv", "--output", str(out))
    assert len(out.read_text(encoding="utf-8-sig").strip().splitlines()) == 52
    pdf = tmp_path / "tabelle.pdf"
    call_command("phasentabelle", "--stichtag", "2022-10-14", "--format", "pdf", "--output", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF-")
