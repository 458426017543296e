"""Signatures of outgoing webhooks.

Every delivery carries::

    X-Cx-Delivery:   <delivery id>
    X-Cx-Timestamp:  <unix seconds when this attempt was sent>
    X-Cx-Signature:  v1=<hex HMAC-SHA256>

The HMAC key is the endpoint's signing secret (the whole string, ``whsec_...``, as UTF-8) and the
signed message is ``"<delivery id>.<timestamp>." + <raw request body bytes>``. Binding the id and the
timestamp stops a captured request from being replayed later or under another delivery id. The header
may carry several comma-separated ``v1=`` values; a receiver accepts the request if any one matches.

A receiver in Python (Flask shown; any framework that gives the raw body works)::

    import hashlib, hmac, time

    SECRET = b"whsec_..."  # from the webhook's settings page

    def verified(delivery_id: str, timestamp: str, body: bytes, header: str) -> bool:
        if abs(time.time() - int(timestamp)) > 300:
            return False  # too old: possibly a replay
        message = f"{delivery_id}.{timestamp}.".encode() + body
        expected = "v1=" + hmac.new(SECRET, message, hashlib.sha256).hexdigest()
        return any(hmac.compare_digest(expected, part.strip()) for part in header.split(","))

    @app.post("/cx-webhook")
    def cx_webhook():
        if not verified(request.headers["X-Cx-Delivery"], request.headers["X-Cx-Timestamp"],
                        request.get_data(), request.headers["X-Cx-Signature"]):
            abort(400)
        ...  # deduplicate on X-Cx-Delivery, then answer 2xx quickly

``docs/webhooks.md`` documents the same for integrators, with a Node example.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_VERSION = "v1"
# A signature older (or newer) than this is refused by ``verify``: it limits replays.
DEFAULT_TOLERANCE_SECONDS = 300


def _digest(secret: str, delivery_id: int | str, timestamp: int | str, body: bytes) -> str:
    message = f"{delivery_id}.{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, delivery_id: int | str, timestamp: int | str, body: bytes) -> str:
    """The ``X-Cx-Signature`` header value for one attempt: ``v1=<hex>``."""
    return f"{SIGNATURE_VERSION}={_digest(secret, delivery_id, timestamp, body)}"


def verify(
    secret: str,
    delivery_id: int | str,
    timestamp: int | str,
    body: bytes,
    signature: str,
    *,
    tolerance: int | None = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether ``signature`` (an ``X-Cx-Signature`` value) signs this delivery, in constant time.

    ``tolerance`` bounds the age of the timestamp in seconds (None skips that check).
    """
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if tolerance is not None and abs(current - sent_at) > tolerance:
        return False
    expected = sign(secret, delivery_id, sent_at, body)
    matched = False
    for candidate in signature.split(","):
        # No early exit: every candidate is compared, so timing reveals nothing about which matched.
        matched |= hmac.compare_digest(expected.encode(), candidate.strip().encode())
    return matched
