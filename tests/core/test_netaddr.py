"""Client addresses behind a known number of proxies, and the keyed hash that replaces them."""

import hashlib
import hmac

import pytest
from django.test import RequestFactory, override_settings

from core.netaddr import client_ip, ip_hash

REMOTE = "10.0.0.5"  # the proxy nearest to us, as the socket sees it


def _request(forwarded_for: str | None = None, remote: str = REMOTE):
    extra = {"REMOTE_ADDR": remote}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        (None, REMOTE),
        ("203.0.113.7", REMOTE),
        ("198.51.100.1, 203.0.113.7", REMOTE),
    ],
)
@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_trusted_proxies_the_header_is_ignored(forwarded_for, expected):
    assert client_ip(_request(forwarded_for)) == expected


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        # One proxy appends the address it saw: the rightmost entry.
        ("203.0.113.7", "203.0.113.7"),
        # The client sent its own header claiming to be 1.2.3.4; the proxy appended the real address.
        ("1.2.3.4, 203.0.113.7", "203.0.113.7"),
        ("1.2.3.4,5.6.7.8 ,  203.0.113.7", "203.0.113.7"),
        ("2001:DB8::1", "2001:db8::1"),
        # Nothing usable: the socket address.
        (None, REMOTE),
        ("", REMOTE),
        (" , ", REMOTE),
        ("1.2.3.4, not-an-address", REMOTE),
        ("1.2.3.4, 203.0.113.7:4711", REMOTE),
        ("1.2.3.4, 999.1.1.1", REMOTE),
    ],
)
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_one_trusted_proxy_takes_the_rightmost_entry(forwarded_for, expected):
    assert client_ip(_request(forwarded_for)) == expected


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        # A load balancer appends the client; nginx behind it appends the load balancer.
        ("203.0.113.7, 10.0.0.2", "203.0.113.7"),
        ("1.2.3.4, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        ("9.9.9.9, 8.8.8.8, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        # Fewer entries than proxies: the chain is not what we were told; do not trust any of it.
        ("203.0.113.7", REMOTE),
        ("garbage, 10.0.0.2", REMOTE),
    ],
)
@override_settings(TRUSTED_PROXY_COUNT=2)
def test_two_trusted_proxies_take_the_second_entry_from_the_right(forwarded_for, expected):
    assert client_ip(_request(forwarded_for)) == expected


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_missing_socket_address_has_a_placeholder():
    assert client_ip(_request("not-an-address", remote="")) == "0.0.0.0"  # noqa: S104 - an address, not a bind


@override_settings(IP_HASH_KEY="first-key")
def test_ip_hash_is_a_stable_keyed_hash():
    expected = hmac.new(b"first-key", b"203.0.113.7", hashlib.sha256).hexdigest()[:32]

    assert ip_hash("203.0.113.7") == expected
    assert ip_hash("203.0.113.7") == ip_hash("203.0.113.7")
    assert len(expected) == 32


@override_settings(IP_HASH_KEY="first-key")
def test_ip_hash_separates_addresses_and_never_contains_them():
    first = ip_hash("203.0.113.7")
    second = ip_hash("203.0.113.8")

    assert first != second
    assert "203.0.113.7" not in first
    # Only hex digits: no dotted or colon-separated address can hide in it.
    assert set(first + ip_hash("2001:db8::1")) <= set("0123456789abcdef")


def test_ip_hash_depends_on_the_key():
    with override_settings(IP_HASH_KEY="first-key"):
        first = ip_hash("203.0.113.7")
    with override_settings(IP_HASH_KEY="second-key"):
        second = ip_hash("203.0.113.7")

    assert first != second
    assert first != hashlib.sha256(b"203.0.113.7").hexdigest()[:32]


@override_settings(IP_HASH_KEY="", SECRET_KEY="the-secret-key-of-this-installation-0123456789")
def test_ip_hash_falls_back_to_the_secret_key():
    expected = hmac.new(
        b"the-secret-key-of-this-installation-0123456789", b"203.0.113.7", hashlib.sha256
    ).hexdigest()[:32]

    assert ip_hash("203.0.113.7") == expected
