"""Which Leistungen a citizen can apply for online at their place: a port the apps that offer online
services fill in.

The finder ranks and labels results by it ("online beantragen") but sits beside the assistant, not
above it, so it may not import it (docs/adr/0014-import-layers.md). The assistant registers a source
here in its ``ready()``; the finder asks ``leistungen_online_at`` (catalog is below both). A Leistung's
state-wide ``online_url`` counts everywhere without any source.

A source is a class with ``key``, ``label`` and ``offers(*, gemeinde) -> dict[int, str]``: Leistung id →
URL where the citizen of ``gemeinde`` starts the online application (only where the authority
responsible for them offers it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from amtsweg.common.registry import Registry

logger = logging.getLogger(__name__)


class OnlineOfferSource(Protocol):
    key: str
    label: str

    def offers(self, *, gemeinde) -> dict[int, str]: ...


class OnlineOfferSources(Registry[OnlineOfferSource]):
    required = ("label", "offers")
    unknown_message = "Keine Quelle für Online-Angebote mit dem Schlüssel {key!r} registriert."


online_offer_sources = OnlineOfferSources()


@dataclass(frozen=True)
class OnlineOffer:
    leistung_id: int
    url: str
    # True for an assistant of the responsible authority at the place, False for a state-wide service.
    local: bool


def leistungen_online_at(*, gemeinde, sources: OnlineOfferSources | None = None) -> dict[int, OnlineOffer]:
    """Leistung id → the online offer for a citizen of ``gemeinde`` (None: state-wide offers only).

    A failing source is logged and skipped: the finder then ranks without it rather than failing.
    """
    from .selectors import leistungen_online_statewide

    found = {lid: OnlineOffer(lid, url, local=False) for lid, url in leistungen_online_statewide().items()}
    if gemeinde is None:
        return found
    registry = online_offer_sources if sources is None else sources
    for key in registry:
        try:
            offers = registry.get(key).offers(gemeinde=gemeinde)
        except Exception:  # a source's bug must not take the finder down
            logger.exception("Online-Angebote der Quelle %s nicht lesbar", key)
            continue
        for lid, url in offers.items():
            found[lid] = OnlineOffer(lid, url, local=True)
    return found


def online_offers_reset(*, sources: OnlineOfferSources | None = None) -> None:
    """Drop the sources' caches (tests, after bulk changes): a source may have a ``reset()``."""
    registry = online_offer_sources if sources is None else sources
    for key in registry:
        reset = getattr(registry.get_class(key), "reset", None)
        if reset is not None:
            reset()
