"""Twilio's request signature (``X-Twilio-Signature``).

base64(HMAC-SHA1(auth token, the full URL Twilio requested + every POST parameter's name and value,
sorted by name)), as Twilio's own RequestValidator computes it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence


def twilio_signature(auth_token: str, url: str, params: Mapping[str, Sequence[str]]) -> str:
    payload = url
    for name in sorted(set(params)):
        for value in sorted(set(params[name])):
            payload += name + value
    digest = hmac.new(auth_token.encode(), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_valid(
    auth_token: str, urls: Iterable[str], params: Mapping[str, Sequence[str]], signature: str
) -> bool:
    """True when ``signature`` matches any of the URLs this request may have been sent to."""
    if not auth_token or not signature:
        return False
    given = signature.strip().encode()
    return any(hmac.compare_digest(twilio_signature(auth_token, url, params).encode(), given) for url in urls)
