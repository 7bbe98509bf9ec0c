"""The anonymous API throttle's batched counting (ADR 0022), on the real database cache.

Two web processes are played by two separate per-process states of the throttle module over one
shared cache table; the real two-process check with gunicorn is test_shared_throttle.py.
"""

from __future__ import annotations

import secrets

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from amtsweg.web import throttling
from amtsweg.web.throttling import AnonClientRateThrottle, _batch

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _throttle(rate: str, clock: Clock, scope: str) -> AnonClientRateThrottle:
    throttle = AnonClientRateThrottle()
    throttle.scope = scope
    throttle.rate = rate
    throttle.num_requests, throttle.duration = throttle.parse_rate(rate)
    throttle.timer = clock
    return throttle


def _request(address: str = "203.0.113.7"):
    return RequestFactory().get("/api/v1/orte/", REMOTE_ADDR=address)


@pytest.fixture
def scope():
    """A scope of its own per test, so counters of other tests (and processes) never meet."""
    return f"test-{secrets.token_hex(4)}"


@pytest.fixture
def processes(monkeypatch):
    """Two per-process states; ``use(i)`` makes the throttle module behave as process i."""
    states = [{}, {}]

    def use(index: int) -> None:
        monkeypatch.setattr(throttling, "_state", states[index])

    use(0)
    return use


def test_one_process_allows_exactly_the_limit(settings, scope, processes):
    settings.AMTSWEG_TRUSTED_PROXIES = []
    clock = Clock(3600 * 1000 + 10)  # 10 s into an hour window
    allowed = [_throttle("100/hour", clock, scope).allow_request(_request(), None) for _ in range(130)]
    assert allowed == [True] * 100 + [False] * 30


def test_two_processes_together_never_exceed_the_limit(settings, scope, processes):
    settings.AMTSWEG_TRUSTED_PROXIES = []
    clock = Clock(3600 * 1000 + 10)
    limit = 200
    assert _batch(limit) == 4
    allowed = 0
    for i in range(limit + 50):
        processes(i % 2)
        allowed += _throttle(f"{limit}/hour", clock, scope).allow_request(_request(), None)
    # Reserved but unused requests of the other process are already counted: at most a batch less.
    assert limit - _batch(limit) <= allowed <= limit
    for index in (0, 1):
        processes(index)
        assert not _throttle(f"{limit}/hour", clock, scope).allow_request(_request(), None)
    # Another client is not affected.
    assert _throttle(f"{limit}/hour", clock, scope).allow_request(_request("198.51.100.4"), None)


def test_far_from_the_limit_most_requests_cost_no_write(settings, scope, processes):
    settings.AMTSWEG_TRUSTED_PROXIES = []
    clock = Clock(60 * 1000 + 1)
    throttle_rate = "600/min"  # the default: batches of 12
    with CaptureQueriesContext(connection) as queries:
        for _ in range(24):
            assert _throttle(throttle_rate, clock, scope).allow_request(_request(), None)
    writes = [q for q in queries.captured_queries if q["sql"].startswith(("INSERT", "UPDATE"))]
    assert len(writes) == 2, [w["sql"][:90] for w in writes]  # one reservation of 12 requests each
    assert caches["default"].get(f"throttle:{scope}:203.0.113.7:1000") == 24


def test_refused_requests_are_not_counted_and_a_reset_counter_is_noticed(settings, scope, processes):
    settings.AMTSWEG_TRUSTED_PROXIES = []
    clock = Clock(3600 * 1000 + 10)
    key = f"throttle:{scope}:203.0.113.7:1000"
    for _ in range(10):
        assert _throttle("10/hour", clock, scope).allow_request(_request(), None)
    for _ in range(5):
        assert not _throttle("10/hour", clock, scope).allow_request(_request(), None)
    assert caches["default"].get(key) == 10
    caches["default"].delete(key)  # e.g. an operator clears the cache: the process does not keep refusing
    assert _throttle("10/hour", clock, scope).allow_request(_request(), None)


def test_previous_window_counts_in_proportion_and_retry_after_is_given(settings, scope, processes):
    settings.AMTSWEG_TRUSTED_PROXIES = []
    clock = Clock(3600 * 1000 + 3000)
    for _ in range(10):
        assert _throttle("10/hour", clock, scope).allow_request(_request(), None)
    # A quarter into the next window three quarters of the previous one still count: 7.5 of 10 used.
    clock.now = 3600 * 1001 + 900
    allowed = [_throttle("10/hour", clock, scope).allow_request(_request(), None) for _ in range(5)]
    assert allowed == [True, True, False, False, False]
    throttle = _throttle("10/hour", clock, scope)
    assert not throttle.allow_request(_request(), None)
    assert 0 < throttle.wait() <= 2700
