"""The receipt PDF is tagged for accessibility (PDF/UA-1) while staying PDF/A (PDF/A-3a, with the data XML),
and its citizen part has no technical jargon: codes and checksums sit in a labelled annex for the authority."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from amtsweg.submissions.receipt import XML_ATTACHMENT_NAME, receipt_pdf
from amtsweg.submissions.services import AttachmentUpload

from .conftest import PDF_BYTES

pytestmark = pytest.mark.django_db

ANNEX = "Technischer Anhang für die Behörde"


def _dangerous_dog(answers: dict) -> dict:
    answers["hund"][0]["hund_gefaehrlich"] = True
    answers["hund"][0]["hund_gutachten"] = {"name": "wesenstest.pdf", "size": len(PDF_BYTES), "ref": "x1"}
    return answers


@pytest.fixture
def receipt(submit, answers):
    upload = SimpleUploadedFile("wesenstest.pdf", PDF_BYTES, content_type="application/pdf")
    submission = submit(
        answers=_dangerous_dog(answers),
        attachments=[AttachmentUpload.from_upload(field_path="hund[0].hund_gutachten", upload=upload)],
    )
    return submission, receipt_pdf(submission=submission)


def _structure_types(node, found: set[str], depth: int = 0) -> None:
    if depth > 60:
        return
    node = node.get_object()
    if isinstance(node, dict) or hasattr(node, "keys"):
        if "/S" in node:
            found.add(str(node["/S"]))
        kids = node.get("/K")
        if kids is not None:
            kids = kids.get_object()
            for kid in kids if isinstance(kids, list) else [kids]:
                if hasattr(kid, "get_object") and not isinstance(kid.get_object(), int):
                    _structure_types(kid, found, depth + 1)


def test_receipt_is_tagged_pdfua_and_pdfa(receipt):
    submission, pdf = receipt
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    # Tagged PDF: structure tree, marked content, document language, title shown instead of the file name.
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]) == "de"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    types: set[str] = set()
    _structure_types(root["/StructTreeRoot"], types)
    assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/P", "/L"} <= types, types
    # PDF/A-3 level A and PDF/UA-1 in the one XMP packet, and the title from the document.
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r'pdfaid:part="3"', xmp) and re.search(r'pdfaid:conformance="A"', xmp)
    assert 'pdfuaid:part="1"' in xmp
    assert f"Eingangsbestätigung {submission.vorgangsnummer}" in reader.metadata.title
    # PDF/A-3 keeps the machine-readable data as an associated file.
    assert XML_ATTACHMENT_NAME in reader.attachments


def test_receipt_citizen_part_without_jargon(receipt, tmp_path):
    submission, pdf = receipt
    path = tmp_path / "quittung.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True)
    text = text.stdout
    assert ANNEX in text
    citizen, annex = text.split(ANNEX, 1)
    for jargon in ("SHA-512", "SHA-256", "AGS", "LeiKa", submission.gemeinde_ags, "application/pdf"):
        assert jargon not in citizen, jargon
    # The citizen part names the file plainly; the annex has what the authority checks.
    assert "wesenstest.pdf" in citizen
    attachment = submission.attachments.get()
    assert attachment.sha512[:32] in annex.replace("\n", "")
    assert submission.gemeinde_ags in annex and submission.leika_key in annex
    assert "SHA-512" in annex and "AGS" in annex


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def _annex_languages(reader: PdfReader) -> list[str]:
    """``/Lang`` of every ``Sect`` structure element (the annex, one per page it spans)."""
    languages: list[str] = []

    def visit(node, depth: int = 0) -> None:
        node = node.get_object()
        if depth > 60 or not hasattr(node, "keys"):
            return
        if node.get("/S") == "/Sect":
            languages.append(str(node.get("/Lang")))
        kids = node.get("/K")
        if kids is not None:
            kids = kids.get_object()
            for kid in kids if isinstance(kids, list) else [kids]:
                if hasattr(kid, "get_object") and not isinstance(kid.get_object(), int):
                    visit(kid, depth + 1)

    visit(reader.trailer["/Root"]["/StructTreeRoot"])
    return languages


def test_receipt_in_the_citizens_language_with_a_german_annex(submit, answers):
    """An application submitted in English gets an English receipt (headings, words, title, /Lang); the
    technical annex stays German for the authority and is marked so (PDF/UA language of a structure element)."""
    submission = submit(answers=answers, language="en")
    pdf = receipt_pdf(submission=submission)
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert str(root["/Lang"]) == "en"
    assert reader.metadata.title.startswith(f"Confirmation of receipt {submission.vorgangsnummer}")
    text = _pdf_text(pdf)
    citizen, annex = text.split(ANNEX, 1)
    for heading in ("Confirmation of receipt", "Reference number", "Attachments", "Notes", "Responsible authority"):
        assert heading in citizen, heading
    assert "Yes" in citizen or "No" in citizen  # a yes/no answer in words of the receipt's language
    for german in ("Eingangsbestätigung", "Vorgangsnummer", "Anlagen", "Hinweise", "Zuständige Stelle"):
        assert german not in citizen, german
    for german in ("Vorgangsnummer", "Formularversion", "Amtlicher Gemeindeschlüssel", "Prüfsummen"):
        assert german in annex, german
    assert _annex_languages(reader) and set(_annex_languages(reader)) == {"de"}
    assert "/StructTreeRoot" in root and 'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data().decode()


def test_receipt_in_german_unchanged(receipt):
    submission, pdf = receipt
    reader = PdfReader(io.BytesIO(pdf))
    assert str(reader.trailer["/Root"]["/Lang"]) == "de"
    text = _pdf_text(pdf)
    citizen = text.split(ANNEX, 1)[0]
    for heading in ("Eingangsbestätigung", "Vorgangsnummer", "Anlagen", "Hinweise", "Zuständige Stelle"):
        assert heading in citizen, heading
    assert "Confirmation" not in text
    assert set(_annex_languages(reader)) == {"de"}


def test_receipt_uses_the_assistants_english_texts(submit, answers):
    """Step titles and labels of the citizen's part come from the assistant's translations block."""
    from amtsweg.forms.definition import definition_parse
    from amtsweg.forms.services import definition_load
    from amtsweg.web.tests.english import english_placeholders

    from .conftest import DEFINITION

    document = english_placeholders(definition_parse(text=DEFINITION.read_text(encoding="utf-8")))
    version = definition_load(document=document, publish=True)
    submission = submit(version=version, answers=answers, language="en")
    text = " ".join(_pdf_text(receipt_pdf(submission=submission)).split())
    citizen = text.split(ANNEX, 1)[0]
    first_step = document["steps"][0]
    english_title = document["translations"]["en"]["elements"][first_step["key"]]["title"]
    for english in (english_title, document["translations"]["en"]["title"]):
        assert re.search(rf"{re.escape(english)}(?!\d)", citizen), english  # "text 5", not "text 50"
    assert first_step["title"] not in citizen
