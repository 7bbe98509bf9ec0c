from __future__ import annotations

from dataclasses import dataclass

from .defaults import DEFAULT_PAGES
from .models import Page


@dataclass(frozen=True)
class Block:
    heading: bool
    text: str


@dataclass(frozen=True)
class PageContent:
    slug: str
    title: str
    blocks: list[Block]


def _is_heading(paragraph: str) -> bool:
    # A short one-line paragraph without closing punctuation reads as a section heading;
    # rendering it as <h2> gives screen-reader users the page structure.
    return "\n" not in paragraph and len(paragraph) <= 80 and paragraph[-1] not in ".:;!?)"


def page_content(*, slug: str) -> PageContent | None:
    """The operator's text, else the default, split into paragraphs (blank-line separated)."""
    page = Page.objects.filter(slug=slug).first()
    if page is not None:
        title, body = page.title, page.body
    elif slug in DEFAULT_PAGES:
        title, body = DEFAULT_PAGES[slug]["title"], DEFAULT_PAGES[slug]["body"]
    else:
        return None
    paragraphs = [p.strip() for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    blocks = [Block(heading=_is_heading(p), text=p) for p in paragraphs]
    return PageContent(slug=slug, title=title, blocks=blocks)
