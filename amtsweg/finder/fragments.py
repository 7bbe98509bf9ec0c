"""The Stammtext sections and the legal basis of a Leistung, rendered once per process (ADR 0027).

They are most of the Leistung page's template work but change only when the catalogue does; kept under a
hash of exactly the values they are rendered from (``amtsweg.web.fragments``), so an edit shows at once.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from amtsweg.web.fragments import fragment_cached, fragment_key


def leistung_text_html(*, sections: list[tuple[str, str]], legal_items: list[dict[str, str]]) -> SafeString:
    """The sections and the legal basis of a Leistung as HTML (``finder/partials/leistung_text.html``)."""
    context = {"sections": sections, "legal_items": legal_items}
    return fragment_cached(
        key=fragment_key("leistung_text", sections, legal_items),
        render=lambda: render_to_string("finder/partials/leistung_text.html", context),
    )
