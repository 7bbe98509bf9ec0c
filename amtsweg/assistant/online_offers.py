"""The assistant's online offers for the catalogue's port (``amtsweg.catalog.online``): which Leistungen a
citizen of a Gemeinde can apply for here, so the finder can rank them first and say "online beantragen".

Registered in ``AssistantConfig.ready()``.
"""

from __future__ import annotations

import time

from django.db.models import Q
from django.urls import reverse

from amtsweg.assistant.models import Activation
from amtsweg.assistant.selectors import assistant_for
from amtsweg.catalog.models import Leistung
from amtsweg.catalog.online import online_offer_sources
from amtsweg.forms.models import FormVersion

# Per Gemeinde, like the assistant's other read caches: an activation shows up within seconds.
OFFERS_TTL_SECONDS = 10.0
_OFFERS: dict[int, tuple[float, dict[int, str]]] = {}


def _candidate_leistungen(*, gemeinde) -> list[Leistung]:
    """Leistungen with a live, published assistant of an authority that serves ``gemeinde``."""
    activations = Activation.objects.filter(
        live=True,
        authority__active=True,
        authority__serves=gemeinde,
        definition__versions__status=FormVersion.Status.PUBLISHED,
    ).values_list("definition__leistung_id", "definition__leika_key")
    ids, keys = set(), set()
    for leistung_id, leika_key in activations:
        if leistung_id:
            ids.add(leistung_id)
        if leika_key:
            keys.add(leika_key)
    if not ids and not keys:
        return []
    # A definition serves every catalogue row of its LeiKa key (see selectors.assistant_for_authority).
    linked = set(Leistung.objects.filter(id__in=ids).exclude(leika_key="").values_list("leika_key", flat=True))
    return list(Leistung.objects.filter(Q(id__in=ids) | Q(leika_key__in=keys | linked), published=True))


def offers_at(*, gemeinde) -> dict[int, str]:
    """Leistung id → start URL of the assistant the responsible authority offers ``gemeinde``'s citizens."""
    now = time.monotonic()
    cached = _OFFERS.get(gemeinde.pk)
    if cached is not None and now - cached[0] < OFFERS_TTL_SECONDS:
        return cached[1]
    offers = {}
    for leistung in _candidate_leistungen(gemeinde=gemeinde):
        # Serving the Gemeinde is not enough: the authority must be the responsible one for it.
        found = assistant_for(leistung=leistung, gemeinde=gemeinde)
        if found is not None:
            offers[leistung.pk] = reverse("assistant:start", kwargs={"key": found[0].key, "ags": gemeinde.ags})
    if len(_OFFERS) > 1024:
        _OFFERS.clear()
    _OFFERS[gemeinde.pk] = (now, offers)
    return offers


def offers_reset() -> None:
    _OFFERS.clear()


@online_offer_sources.register
class AssistantOnlineOffers:
    key = "assistant"
    label = "Antragsassistent"

    def offers(self, *, gemeinde) -> dict[int, str]:
        return offers_at(gemeinde=gemeinde)

    @staticmethod
    def reset() -> None:
        offers_reset()
