"""The receipt (tagged PDF: PDF/A-3a and PDF/UA-1) and the confirmation e-mail of a submission.

Format: docs/forms/receipt.md. Everything is built from the submission's snapshot (answers, form
version, overlay as it was), so a receipt rendered again later shows the same content.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from amtsweg.forms.engine import ResolvedForm, form_from_document
from amtsweg.forms.fields import ADDRESS_PARTS, de_number, is_empty, parse_decimal
from amtsweg.forms.translations import SOURCE_LANGUAGE, document_title
from amtsweg.submissions.models import Submission

STYLESHEET = Path(__file__).with_name("receipt.css")
XML_ATTACHMENT_NAME = "antragsdaten.xml"
# PDF/A-3a is the PDF/A level that requires a tagged, Unicode document (WeasyPrint then writes the
# structure tree, MarkInfo, Lang and DisplayDocTitle). WeasyPrint takes one variant per document, so
# the PDF/UA-1 identification is added to the same XMP packet (``_with_pdfua_identification``):
# PDF/A-3 allows the embedded XML, PDF/UA-1 asks nothing beyond what the tagged variant writes.
PDF_VARIANT = "pdf/a-3a"
PDFUA_NS = b"http://www.aiim.org/pdfua/ns/id/"
# The technical annex is written for the authority and stays German whatever the citizen's language
# (docs/i18n.md); it is the receipt's only <section>, so its structure elements are the ones marked German.
ANNEX_LANGUAGE = "de"


def submission_form(*, submission: Submission, language: str = SOURCE_LANGUAGE) -> ResolvedForm:
    """The effective form the citizen saw: the version's document with the overlay as it was.

    ``language``: of the assistant's own texts (German by default: what the authority reads)."""
    snapshot = submission.overlay_snapshot or {}
    return form_from_document(
        document=submission.form_version.document,
        parameters=snapshot.get("parameters"),
        texts=snapshot.get("texts"),
        disabled_fields=snapshot.get("disabled_fields"),
        contact=snapshot.get("contact"),
        version=submission.form_version,
        language=language,
    )


def _option_label(field: dict, form: ResolvedForm, value: Any) -> str:
    options = field.get("options") or form.codelists.get(field.get("codelist") or "", [])
    return next((o.get("label") or o["value"] for o in options if o["value"] == value), str(value))


def _size_text(size: Any) -> str:
    if not isinstance(size, int):
        return ""
    if size < 1024:
        return f"{size} Bytes"
    if size < 1024 * 1024:
        return f"{de_number(round(size / 1024))} KB"
    return f"{de_number(round(Decimal(size) / (1024 * 1024), 1))} MB"


def answer_lines(*, field: dict, value: Any, form: ResolvedForm) -> list[str]:
    """An answer as display lines (e.g. a date as 31.12.2024, an address on two lines); words such as
    "Ja" in the active language, numbers and dates written the German way in every language."""
    kind = field["type"]
    if kind == "boolean":
        return [gettext("Ja") if value is True else gettext("Nein") if value is False else str(value)]
    if kind == "choice":
        return [_option_label(field, form, value)]
    if kind == "multichoice" and isinstance(value, list):
        return [_option_label(field, form, v) for v in value]
    if kind == "date" and isinstance(value, str):
        try:
            return [dt.date.fromisoformat(value).strftime("%d.%m.%Y")]
        except ValueError:
            return [value]
    if kind == "currency":
        number = parse_decimal(value)
        if number is not None:
            text = de_number(number.quantize(Decimal("0.01")))
            return [f"{text if ',' in text else text + ',00'} €"]
    if kind in {"decimal", "integer"}:
        return [de_number(value)]
    if kind == "iban" and isinstance(value, str):
        return [" ".join(value[i : i + 4] for i in range(0, len(value), 4))]
    if kind == "address" and isinstance(value, dict):
        street = " ".join(str(value.get(p) or "") for p in ADDRESS_PARTS[:2]).strip()
        place = " ".join(str(value.get(p) or "") for p in ADDRESS_PARTS[2:]).strip()
        return [line for line in (street, place) if line]
    if kind == "file" and isinstance(value, dict):
        size = _size_text(value.get("size"))
        return [f"{value.get('name') or gettext('Datei')}{f' ({size})' if size else ''}"]
    return [str(value)]


def _rows(fields: list[dict], values: dict, form: ResolvedForm) -> list[dict]:
    rows = []
    for field in fields:
        if field["type"] == "info" or is_empty(values.get(field["key"])):
            continue
        rows.append(
            {
                "label": field.get("label") or field["key"],
                "lines": answer_lines(field=field, value=values[field["key"]], form=form),
                "multiline": field["type"] == "textarea",
            }
        )
    return rows


def _nested_groups(group: dict, row: dict, form, *, outer: str) -> list[dict]:
    """The rows of the nested groups (ADR 0027) of one outer row, each titled with the outer row."""
    result = []
    for sub in group.get("subgroups") or []:
        label = sub["repeat"].get("item_label") or sub["title"]
        nested = row.get(sub["key"])
        for number, inner in enumerate(nested if isinstance(nested, list) else [], start=1):
            rows = _rows(sub["fields"], inner if isinstance(inner, dict) else {}, form)
            if rows:
                result.append({"title": f"{label} {number} ({outer})", "rows": rows})
    return result


def receipt_sections(*, submission: Submission, language: str = SOURCE_LANGUAGE) -> list[dict]:
    """Answers grouped by step and group, with labels; repeated groups as numbered items. ``language``: of
    the assistant's own texts (labels, titles, option labels)."""
    form = submission_form(submission=submission, language=language)
    answers = submission.answers or {}
    sections = []
    for step in form.steps:
        groups = []
        for group in step["groups"]:
            if group.get("repeat") is not None:
                label = group["repeat"].get("item_label") or group["title"]
                items = answers.get(group["key"])
                for number, row in enumerate(items if isinstance(items, list) else [], start=1):
                    row = row if isinstance(row, dict) else {}
                    rows = _rows(group["fields"], row, form)
                    if rows:
                        groups.append({"title": f"{label} {number}", "rows": rows})
                    groups += _nested_groups(group, row, form, outer=f"{label} {number}")
                continue
            rows = _rows(group["fields"], answers, form)
            if rows:
                groups.append({"title": group["title"], "rows": rows})
        if groups:
            sections.append({"title": step["title"], "groups": groups})
    return sections


def _attachment(attachment) -> Any:
    attachment.size_text = _size_text(attachment.size)
    return attachment


def receipt_context(*, submission: Submission) -> dict:
    """In the active language (``receipt_html`` activates the receipt's)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    form = submission_form(submission=submission, language=language)
    authority = submission.authority
    return {
        "submission": submission,
        "form_title": form.title,
        "submitted_at": timezone.localtime(submission.submitted_at),
        "sections": receipt_sections(submission=submission, language=language),
        "attachments": [_attachment(a) for a in submission.attachments.all()],
        "declaration": form.declaration,
        "contact": form.contact,
        "authority_address": ", ".join(
            part for part in (authority.street, f"{authority.postal_code} {authority.city}".strip()) if part
        ),
        "authority_email": authority.email,
        "authority_phone": authority.phone,
        "xml_name": XML_ATTACHMENT_NAME,
        "site_name": getattr(settings, "SITE_NAME", "Amtsweg"),
        "language_code": language,
        "annex_language": ANNEX_LANGUAGE,
    }


def receipt_language(*, submission: Submission) -> str:
    """The language of the citizen's part: the page language the application was submitted in."""
    return submission.language or settings.LANGUAGE_CODE


def receipt_html(*, submission: Submission) -> str:
    """The receipt in the citizen's language (the assistant's own texts too); the annex stays German."""
    with translation.override(receipt_language(submission=submission)):
        return render_to_string("submissions/receipt.html", receipt_context(submission=submission))


def receipt_download_name(*, submission: Submission) -> str:
    """The file name the citizen gets (download, e-mail attachment), in the receipt's language. ASCII on
    purpose (no umlaut): some mail programs mangle encoded attachment names. The stored file keeps the
    German name; the authority's copy in the hub is named by its adapter."""
    with translation.override(receipt_language(submission=submission)):
        return gettext("Eingangsbestaetigung-{number}.pdf").format(number=submission.vorgangsnummer)


def receipt_pdf(*, submission: Submission) -> bytes:
    """The receipt as PDF/A-3a (tagged, PDF/UA-1) with the data XML embedded (AFRelationship ``Data``)."""
    from weasyprint import CSS, HTML, Attachment
    from weasyprint.urls import URLFetcher

    # The document is self-contained: WeasyPrint must not fetch anything (no file://, no network).
    fetcher = URLFetcher(allowed_protocols={"data"})
    xml = Attachment(
        string=submission.data_xml.encode("utf-8"),
        url_fetcher=fetcher,
        name=XML_ATTACHMENT_NAME,
        description=f"Antragsdaten {submission.vorgangsnummer} (XML, urn:amtsweg:forms:data:1)",
        created=submission.submitted_at,
        modified=submission.submitted_at,
        relationship="Data",
    )
    document = HTML(string=receipt_html(submission=submission), url_fetcher=fetcher).render(
        stylesheets=[CSS(string=STYLESHEET.read_text(encoding="utf-8"), url_fetcher=fetcher)],
        pdf_variant=PDF_VARIANT,
    )
    _with_pdfua_identification(document.metadata)
    return document.write_pdf(
        pdf_variant=PDF_VARIANT, attachments=[xml], uncompressed_pdf=False, finisher=_mark_annex_language
    )


def _mark_annex_language(document, pdf) -> None:
    """Give the annex's structure elements their own language (``/Lang``, PDF/UA-1 7.2): WeasyPrint writes
    the document language only, not the ``lang`` of an element. One ``Sect`` element per page it spans."""
    import pydyf

    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Type") == "/StructElem" and obj.get("S") == "/Sect":
            obj["Lang"] = pydyf.String(ANNEX_LANGUAGE)


def _with_pdfua_identification(metadata) -> None:
    """Add ``pdfuaid:part="1"`` to the XMP description WeasyPrint writes for PDF/A (one packet, one
    description: where PDF/UA validators look for it)."""
    generate = metadata.generate_rdf_metadata

    def generate_with_pdfua(*args, **kwargs) -> bytes:
        rdf = generate(*args, **kwargs)
        marker = b"<rdf:Description "
        if marker not in rdf or PDFUA_NS in rdf:
            return rdf
        declaration = b'xmlns:pdfuaid="' + PDFUA_NS + b'" pdfuaid:part="1" '
        return rdf.replace(marker, marker + declaration, 1)

    metadata.generate_rdf_metadata = generate_with_pdfua


def confirmation_subject(*, submission: Submission) -> str:
    """In the active language (``confirmation_message`` activates the citizen's)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    title = document_title(document=submission.form_version.document, language=language) or submission.leistung_name
    return gettext("Ihr Antrag „{title}“ – Vorgangsnummer {number}").format(
        title=title, number=submission.vorgangsnummer
    )


def confirmation_context(*, submission: Submission) -> dict:
    """What the confirmation e-mail says: only what the platform itself knows, nothing the sender typed.

    Vorgangsnummer, Leistung, authority (with its public contact data), date and a link to the
    confirmation page – no answers, no attachments' names, no e-mail of the sender repeated.
    """
    form = submission_form(submission=submission)
    authority = submission.authority
    url = (submission.site_url or "").rstrip("/")
    return {
        "submission": submission,
        "form_title": document_title(
            document=submission.form_version.document, language=translation.get_language() or settings.LANGUAGE_CODE
        )
        or form.title,
        "submitted_at": timezone.localtime(submission.submitted_at),
        "authority_address": ", ".join(
            part for part in (authority.street, f"{authority.postal_code} {authority.city}".strip()) if part
        ),
        "authority_email": authority.email,
        "authority_phone": authority.phone,
        "confirmation_url": f"{url}{submission.get_absolute_url()}" if url else "",
        "receipt_attached": attach_receipt(),
        "site_name": getattr(settings, "SITE_NAME", "Amtsweg"),
    }


def attach_receipt() -> bool:
    """``AMTSWEG_CONFIRMATION_ATTACH_RECEIPT``: the operator's knowing choice to mail the full receipt."""
    return bool(getattr(settings, "AMTSWEG_CONFIRMATION_ATTACH_RECEIPT", False))


def confirmation_message(*, submission: Submission) -> EmailMultiAlternatives:
    """The confirmation e-mail (plain text + HTML) in the citizen's language; the receipt PDF only if the
    operator chose so."""
    with translation.override(submission.language or settings.LANGUAGE_CODE):
        context = confirmation_context(submission=submission)
        text = render_to_string("submissions/email/confirmation.txt", context)
        html = render_to_string("submissions/email/confirmation.html", context)
        subject = confirmation_subject(submission=submission)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[submission.email],
    )
    message.attach_alternative(html, "text/html")
    if context["receipt_attached"]:
        with submission.receipt_pdf.open("rb") as handle:
            message.attach(receipt_download_name(submission=submission), handle.read(), "application/pdf")
    return message
