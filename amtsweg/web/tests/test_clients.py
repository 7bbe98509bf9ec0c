"""client_ip: X-Forwarded-For only counts when the connection comes from a configured proxy."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from amtsweg.web.clients import client_ip, client_key
from amtsweg.web.throttling import AnonClientRateThrottle


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/api/v1/orte/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.AMTSWEG_TRUSTED_PROXIES = []
    assert client_ip(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_header_from_an_untrusted_peer_is_ignored(settings):
    settings.AMTSWEG_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_trusted_proxy_chain_is_read_from_the_right(settings):
    settings.AMTSWEG_TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.10"]
    # The client forged "1.2.3.4"; our proxies appended the real address 198.51.100.9 and 10.1.1.1.
    request = _request("192.0.2.10", "1.2.3.4, 198.51.100.9, 10.1.1.1")
    assert client_ip(request) == "198.51.100.9"


def test_garbage_in_the_chain_stops_at_the_last_vouched_address(settings):
    settings.AMTSWEG_TRUSTED_PROXIES = ["10.0.0.1"]
    assert client_ip(_request("10.0.0.1", "<script>, not-an-ip")) == "10.0.0.1"
    assert client_ip(_request("10.0.0.1", "")) == "10.0.0.1"


def test_ipv6_and_mapped_addresses(settings):
    settings.AMTSWEG_TRUSTED_PROXIES = ["::1"]
    assert client_ip(_request("::1", "[2001:db8::5]:443")) == "2001:db8::5"
    assert client_ip(_request("::ffff:198.51.100.2")) == "198.51.100.2"
    assert client_ip(_request("")) == ""


@pytest.mark.parametrize("forged", ["198.51.100.1", "198.51.100.2", "8.8.8.8, 9.9.9.9"])
def test_throttle_identity_does_not_follow_forged_headers(settings, forged):
    settings.AMTSWEG_TRUSTED_PROXIES = []
    throttle = AnonClientRateThrottle()
    assert throttle.get_ident(_request("203.0.113.7", forged)) == "203.0.113.7"


def test_client_key_is_stable_and_hides_the_address(settings):
    settings.AMTSWEG_TRUSTED_PROXIES = []
    key = client_key(_request("203.0.113.7"))
    assert key == client_key(_request("203.0.113.7", "1.1.1.1"))
    assert key != client_key(_request("203.0.113.8"))
    assert "203.0.113.7" not in key and len(key) == 32
