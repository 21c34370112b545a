"""Which network address a web request comes from, for the per-address verification limit.

The socket's peer is the answer, unless the peer is one of ``TRUSTED_PROXIES``: only then is
``X-Forwarded-For`` read, from the right (the hop our proxy added) to the first address that
is not itself a trusted proxy. Anything further left was written by the client and can be
forged, so it is never used when a nearer hop is known.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Tuple, Union

from assistant.settings import get_settings

# The metadata key under which the portal hands the citizen's address to Rasa, and the
# REST channel hands the address it trusts to the actions.
METADATA_KEY = "client_address"

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


@lru_cache(maxsize=16)
def parse_networks(spec: str) -> Tuple[Network, ...]:
    """'10.0.0.1, 192.168.0.0/16' → networks; unparseable entries are ignored."""
    networks = []
    for part in (spec or "").split(","):
        try:
            networks.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError:
            continue
    return tuple(networks)


def _address(text: str | None):
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def is_trusted(peer: str | None, networks: Tuple[Network, ...]) -> bool:
    address = _address(peer)
    return address is not None and any(address in network for network in networks)


def client_address(
    peer: str | None, forwarded_for: str | None, networks: Tuple[Network, ...] | None = None
) -> str:
    """The client's address: ``peer``, or from ``forwarded_for`` when ``peer`` is trusted."""
    if networks is None:
        networks = parse_networks(get_settings().trusted_proxies)
    peer = (peer or "").strip()
    if not forwarded_for or not is_trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if _address(hop) is None:
            return peer  # a malformed hop: nothing left of it can be believed
        if not is_trusted(hop, networks):
            return hop
    return hops[0] if hops else peer
