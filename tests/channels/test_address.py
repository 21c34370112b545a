"""Which address a request comes from: X-Forwarded-For is read only behind a trusted proxy."""

import pytest

from assistant.channels.address import client_address, parse_networks

PROXIES = parse_networks("10.0.0.2, 172.16.0.0/12, not-an-ip")


@pytest.mark.parametrize(
    "peer, forwarded, expected",
    [
        ("203.0.113.7", None, "203.0.113.7"),
        # An untrusted peer's header is the client's own claim.
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),
        # Behind our proxy: the hop it added, not what the client wrote further left.
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        # Two proxies of ours (one by CIDR): skip both.
        ("10.0.0.2", "1.2.3.4, 198.51.100.1, 172.16.5.5", "198.51.100.1"),
        ("10.0.0.2", "172.16.5.5", "172.16.5.5"),
        ("10.0.0.2", "2001:db8::1", "2001:db8::1"),
        # Garbage in the header: fall back to the peer.
        ("10.0.0.2", "1.2.3.4, nonsense", "10.0.0.2"),
        ("10.0.0.2", " , ", "10.0.0.2"),
    ],
)
def test_client_address(peer, forwarded, expected):
    assert client_address(peer, forwarded, PROXIES) == expected


def test_no_trusted_proxies_by_default(monkeypatch):
    from assistant.settings import get_settings

    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    get_settings.cache_clear()
    assert client_address("127.0.0.1", "198.51.100.1") == "127.0.0.1"
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1")
    get_settings.cache_clear()
    assert client_address("127.0.0.1", "198.51.100.1") == "198.51.100.1"
    get_settings.cache_clear()
