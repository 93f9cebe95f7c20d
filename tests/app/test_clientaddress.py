"""The client address: X-Forwarded-For believed only from trusted proxies, IPv6 per /64."""

from __future__ import annotations

import pytest

from app.clientaddress import ClientAddresses
from infra.settings import EdgeSettings, proxy_networks

BEHIND_PROXIES = ClientAddresses(proxy_networks("10.0.0.0/8, 2001:db8:ffff::1"))


def test_without_trusted_proxies_the_peer_is_the_client_whatever_it_claims() -> None:
    assert ClientAddresses().client_of("203.0.113.5", ["198.51.100.1"]) == "203.0.113.5"


def test_behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() -> None:
    # The client wrote the leftmost hop itself: a spoof, never believed.
    hops = ["1.2.3.4, 198.51.100.7", "10.1.1.1"]
    assert BEHIND_PROXIES.client_of("10.0.0.2", hops) == "198.51.100.7"
    assert BEHIND_PROXIES.client_of("10.0.0.2", []) == "10.0.0.2"
    # A peer that is no trusted proxy is the client, whatever its header says.
    assert BEHIND_PROXIES.client_of("198.51.100.9", ["203.0.113.1"]) == "198.51.100.9"
    # A hop that is no address ends the walk at the proxy that wrote it.
    assert BEHIND_PROXIES.client_of("10.0.0.2", ["198.51.100.7", "garbage"]) == "10.0.0.2"
    assert BEHIND_PROXIES.client_of("2001:db8:ffff::1", ["198.51.100.7"]) == "198.51.100.7"


def test_ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() -> None:
    addresses = ClientAddresses()
    first = addresses.client_of("2001:db8:1:2:aaaa::1", [])
    assert first == addresses.client_of("2001:db8:1:2:ffff:ffff:ffff:ffff", []) == "2001:db8:1:2::/64"
    assert addresses.client_of("2001:db8:1:3::1", []) != first
    assert addresses.client_of("::ffff:198.51.100.7", []) == "198.51.100.7"
    assert addresses.client_of("testclient", []) == addresses.client_of(None, []) == "unknown"


def test_a_bad_trusted_proxy_setting_refuses_to_start() -> None:
    with pytest.raises(ValueError, match="trusted_proxies"):
        EdgeSettings(trusted_proxies="10.0.0.0/8, not-a-network")
    assert EdgeSettings().trusted_proxy_networks == ()
