"""The catalogue's port for online offers: state-wide services, registered sources, a failing source."""

import pytest

from amtsweg.catalog.models import Leistung
from amtsweg.catalog.online import OnlineOfferSources, leistungen_online_at, online_offers_reset
from amtsweg.catalog.selectors import leistungen_online_statewide_reset
from amtsweg.directory.models import Territory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gemeinde(db):
    return Territory.objects.filter(kind=Territory.Kind.GEMEINDE, valid_until__isnull=True).order_by("ags").first()


@pytest.fixture
def leistungen(catalog):
    leistungen_online_statewide_reset()
    yield list(Leistung.objects.filter(published=True).order_by("id")[:3])
    leistungen_online_statewide_reset()


def _sources(first_id, calls):
    sources = OnlineOfferSources()

    @sources.register
    class Local:
        key = "lokal"
        label = "Lokaler Antrag"

        def offers(self, *, gemeinde):
            calls.append(gemeinde.ags)
            return {first_id: f"/antrag/test/{gemeinde.ags}/"}

        @staticmethod
        def reset():
            calls.append("reset")

    @sources.register
    class Broken:
        key = "kaputt"
        label = "Fehlerhafte Quelle"

        def offers(self, *, gemeinde):
            raise RuntimeError("Quelle nicht erreichbar")

    return sources


def test_statewide_and_local_offers_are_merged_and_a_failing_source_is_skipped(leistungen, gemeinde, caplog):
    first, second, _third = leistungen
    Leistung.objects.filter(pk=second.pk).update(online_url="https://dienst.example/antrag")
    leistungen_online_statewide_reset()
    calls = []
    offers = leistungen_online_at(gemeinde=gemeinde, sources=_sources(first.pk, calls))
    assert offers[first.pk].url == f"/antrag/test/{gemeinde.ags}/"
    assert offers[first.pk].local is True
    assert offers[second.pk].url == "https://dienst.example/antrag"
    assert offers[second.pk].local is False
    assert calls == [gemeinde.ags]
    assert "kaputt" in caplog.text


def test_without_a_place_only_statewide_offers_count(leistungen):
    first, second, _third = leistungen
    Leistung.objects.filter(pk=second.pk).update(online_url="https://dienst.example/antrag")
    leistungen_online_statewide_reset()
    offers = leistungen_online_at(gemeinde=None, sources=_sources(first.pk, []))
    assert set(offers) >= {second.pk}
    assert first.pk not in offers or offers[first.pk].local is False


def test_reset_reaches_the_sources():
    calls = []
    online_offers_reset(sources=_sources(1, calls))
    assert calls == ["reset"]
