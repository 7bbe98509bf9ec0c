"""Parts of the Leistung page that depend only on the catalogue text, rendered once per process.

The Stammtext sections and the legal basis are most of the page's template work but change only when
the catalogue does. They are kept per process under a hash of exactly the values they are rendered
from, so an edit (by the admin, an import or a bulk update) gives a new key at once: nothing stale is
ever served, and no invalidation is needed. The size bound keeps memory flat.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

_CACHE: OrderedDict[str, str] = OrderedDict()
_MAX = 512
_lock = threading.Lock()


def leistung_text_html(*, sections: list[tuple[str, str]], legal_items: list[dict[str, str]]) -> SafeString:
    """The sections and the legal basis of a Leistung as HTML (``finder/partials/leistung_text.html``)."""
    key = hashlib.blake2b(repr((sections, legal_items)).encode(), digest_size=16).hexdigest()
    with _lock:
        html = _CACHE.get(key)
        if html is not None:
            _CACHE.move_to_end(key)
            return mark_safe(html)  # noqa: S308 (rendered by the template engine, which escaped it)
    html = render_to_string("finder/partials/leistung_text.html", {"sections": sections, "legal_items": legal_items})
    with _lock:
        _CACHE[key] = html
        if len(_CACHE) > _MAX:
            _CACHE.popitem(last=False)
    return mark_safe(html)  # noqa: S308 (as above)
