"""amtsweg.web.limits: fixed-window counters in the shared cache, keys without personal data."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import RequestFactory

from amtsweg.web import limits
from amtsweg.web.clients import client_ip

# The counters live in the shared cache, which is a database table (docs/adr/0010-shared-cache.md).
pytestmark = pytest.mark.django_db


def test_counts_per_key_up_to_the_limit(settings):
    settings.AMTSWEG_LIMIT_MAILS_PER_ADDRESS = 2
    check = (limits.MAILS_PER_ADDRESS, limits.address_key("A@Example.org "))
    assert limits.limits_take(check) is None
    assert limits.limits_take((limits.MAILS_PER_ADDRESS, "a@example.org")) is None  # same address
    assert limits.limits_take(check) is limits.MAILS_PER_ADDRESS
    assert limits.limits_take((limits.MAILS_PER_ADDRESS, "b@example.org")) is None


def test_counting_stops_at_the_first_limit_exceeded(settings):
    settings.AMTSWEG_LIMIT_MAILS_PER_CLIENT = 1
    settings.AMTSWEG_LIMIT_MAILS_GLOBAL = 2
    client = (limits.MAILS_PER_CLIENT, "192.0.2.1")
    total = (limits.MAILS_GLOBAL, limits.GLOBAL_KEY)
    assert limits.limits_take(client, total) is None
    for _ in range(5):  # refused by the client limit: the global count is not used up
        assert limits.limits_take(client, total) is limits.MAILS_PER_CLIENT
    assert limits.limits_take((limits.MAILS_PER_CLIENT, "192.0.2.2"), total) is None
    assert limits.limits_take((limits.MAILS_PER_CLIENT, "192.0.2.3"), total) is limits.MAILS_GLOBAL


def test_cache_holds_no_address_in_clear():
    import time

    now = time.time()
    limits.limits_take((limits.MAILS_PER_ADDRESS, "geheim@example.org"), (limits.MAILS_PER_CLIENT, "192.0.2.77"))
    cache = caches["default"]
    for limit, key in ((limits.MAILS_PER_ADDRESS, "geheim@example.org"), (limits.MAILS_PER_CLIENT, "192.0.2.77")):
        cache_key = limits._cache_key(limit, key, now)
        assert cache.get(cache_key) == 1
        assert "geheim" not in cache_key and "192.0.2" not in cache_key


def test_empty_key_is_not_counted(settings):
    settings.AMTSWEG_LIMIT_MAILS_PER_SESSION = 1
    for _ in range(3):
        assert limits.limits_take((limits.MAILS_PER_SESSION, "")) is None


def test_client_ip_is_the_remote_address():
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="198.51.100.4")) == "198.51.100.4"
