"""The Bescheid: a per-Leistung text template (``BescheidVorlage``, with a built-in default) and its
rendering to PDF/A-3b with WeasyPrint, like the receipt. Self-contained HTML: nothing is fetched."""

from __future__ import annotations

import logging

from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import timezone

from amtsweg.cases.models import BescheidVorlage, Vorgang

logger = logging.getLogger(__name__)

PDF_VARIANT = "pdf/a-3b"

DEFAULT_TEXT = """Sehr geehrte Damen und Herren,

auf Ihren Antrag „{{ leistung }}“ vom {{ eingang }} (Vorgangsnummer {{ vorgangsnummer }}) ergeht folgender

Bescheid:

Ihrem Antrag wird stattgegeben.

Begründung:
Die Voraussetzungen liegen nach Prüfung der eingereichten Angaben und Unterlagen vor.

Rechtsbehelfsbelehrung:
Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch erhoben werden. Der
Widerspruch ist schriftlich oder zur Niederschrift bei der {{ behoerde }} einzulegen.

Mit freundlichen Grüßen
{{ behoerde }}"""

# Templates are written by administrators: a separate engine without template directories or extra
# libraries, so a template cannot include files or load tag libraries; the text is plain (no escaping,
# the PDF template escapes it once).
_ENGINE = Engine(dirs=[], app_dirs=False, libraries={}, autoescape=False)

STYLESHEET = """
@page {
  size: A4;
  margin: 25mm 20mm;
  @bottom-right { content: "Seite " counter(page) " von " counter(pages); font-size: 8pt; }
}
html { font: 10.5pt/1.45 "Liberation Sans", "DejaVu Sans", sans-serif; color: #111; }
.absender { font-size: 8pt; border-bottom: 0.5pt solid #444; margin-bottom: 8mm; }
h1 { font-size: 14pt; margin: 6mm 0 4mm; }
.meta { margin-bottom: 6mm; }
.text { white-space: pre-wrap; }
"""


def bescheid_template_text(*, vorgang: Vorgang) -> str:
    """The Leistung's template, or the default."""
    if vorgang.leistung_id is not None:
        vorlage = BescheidVorlage.objects.filter(leistung_id=vorgang.leistung_id).first()
        if vorlage is not None:
            return vorlage.text
    return DEFAULT_TEXT


def bescheid_text_default(*, vorgang: Vorgang) -> str:
    """The template filled in for this case: the text the case worker starts from."""
    context = {
        "vorgangsnummer": vorgang.number,
        "leistung": vorgang.leistung.name if vorgang.leistung is not None else "Antrag",
        "behoerde": vorgang.authority.name,
        "eingang": timezone.localtime(vorgang.created).strftime("%d.%m.%Y"),
        "datum": timezone.localdate().strftime("%d.%m.%Y"),
    }
    try:
        template = _ENGINE.from_string(bescheid_template_text(vorgang=vorgang))
        return template.render(Context(context, autoescape=False)).strip()
    except (TemplateSyntaxError, TemplateDoesNotExist):
        # A broken template must not block the decision: the default text, and a hint in the log.
        logger.warning("Bescheidvorlage of leistung %s is invalid; using the default", vorgang.leistung_id)
        return _ENGINE.from_string(DEFAULT_TEXT).render(Context(context, autoescape=False)).strip()


def bescheid_html(*, vorgang: Vorgang, text: str) -> str:
    authority = vorgang.authority
    return render_to_string(
        "cases/bescheid.html",
        {
            "vorgang": vorgang,
            "authority": authority,
            "authority_address": ", ".join(
                part for part in (authority.street, f"{authority.postal_code} {authority.city}".strip()) if part
            ),
            "date": timezone.localdate(),
            "text": text,
        },
    )


def bescheid_pdf(*, vorgang: Vorgang, text: str) -> bytes:
    """The Bescheid as PDF/A-3b."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=bescheid_html(vorgang=vorgang, text=text), url_fetcher=fetcher).write_pdf(
        stylesheets=[CSS(string=STYLESHEET, url_fetcher=fetcher)], pdf_variant=PDF_VARIANT
    )
