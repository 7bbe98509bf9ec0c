"""Who is the client? The one address every limit (API throttling, login lockout, upload and mail
quotas) counts against.

``X-Forwarded-For`` is trusted only when the connection comes from a configured proxy
(``settings.AMTSWEG_TRUSTED_PROXIES``, IPs or CIDR networks; empty by default). Then the header is
read from the right: the first address that is not itself a trusted proxy is the client. Anything a
client writes into the header left of that is ignored, so a random ``X-Forwarded-For`` per request
never yields a fresh identity.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(raw: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in raw if item.strip())


def trusted_proxies() -> tuple[Network, ...]:
    raw = getattr(settings, "AMTSWEG_TRUSTED_PROXIES", ()) or ()
    if isinstance(raw, str):
        raw = raw.split(",")
    return _networks(tuple(raw))


def _parse(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "192.0.2.1:1234"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # An IPv4 client seen through a dual-stack socket counts as the IPv4 address.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address as a normalised string ("" if the connection has none)."""
    remote = _parse(request.META.get("REMOTE_ADDR", "") or "")
    if remote is None:
        return ""
    networks = trusted_proxies()
    if not networks or not _trusted(remote, networks):
        return str(remote)
    client = remote
    for hop in reversed((request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")):
        address = _parse(hop)
        if address is None:
            break  # garbage in the chain: stop at the last address a trusted proxy vouched for
        client = address
        if not _trusted(address, networks):
            break
    return str(client)


def client_key(request: HttpRequest) -> str:
    """A stable, non-reversible key for the client (for counters and for storing on rows):
    no address is kept in plain text."""
    # The salt keeps the old module name: stored client keys and running quotas must stay comparable.
    return salted_hmac("amtsweg.core.clients", client_ip(request)).hexdigest()[:32]
