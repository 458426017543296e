"""Client addresses: read behind a known number of proxies, stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client address, taking TRUSTED_PROXY_COUNT hops from the right of X-Forwarded-For.

    Entries left of the trusted hops are written by the client and ignored, so a forged header cannot
    pick the address that rate limits are counted against.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104 - a placeholder, not a bind
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    hops = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(hops) < trusted:
        return remote
    candidate = hops[-trusted]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def ip_hash(address: str) -> str:
    """A keyed hash of an address (never reversible without the key), for abuse control and audit."""
    key = (settings.IP_HASH_KEY or settings.SECRET_KEY).encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]
