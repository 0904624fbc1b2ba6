"""The address a request really comes from, behind reverse proxies we trust and no others.

REMOTE_ADDR is the client unless it is one of settings.TRUSTED_PROXIES (addresses or networks).
Then X-Forwarded-For is read from the right, the nearest hop first, skipping trusted proxies: the
first address not in the list is the client. Whatever a client writes further to the left of that
is its own claim and is ignored, so a forged header cannot choose the address that log-in
throttling counts against, and a few wrong guesses lock out a guesser, not the proxy's address.
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {entry!r} is neither an IP address nor a network such as 10.0.0.0/8."
            ) from None
    return tuple(networks)


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as a string, or None when the request carries no usable address."""
    remote = _parse(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return None
    networks = trusted_networks()
    if not _trusted(remote, networks):
        return str(remote)
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            # A proxy we trust wrote a hop that is no address: nothing left of it can be believed.
            return str(remote)
        if not _trusted(address, networks):
            return str(address)
    # Every hop is one of our proxies (or there was no header): the request began with them.
    return str(remote)
