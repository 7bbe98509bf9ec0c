from __future__ import annotations

from .defaults import DEFAULT_PAGES
from .models import Page


def pages_ensure_defaults() -> int:
    """Create the legal pages with default texts where they do not exist yet; never overwrite edits."""
    created = 0
    for slug, content in DEFAULT_PAGES.items():
        _, was_created = Page.objects.get_or_create(slug=slug, defaults=content)
        created += was_created
    return created
