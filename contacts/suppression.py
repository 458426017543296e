"""Suppression keys: addresses are compared (and stored) only as keyed hashes of their normal form.

An email is compared trimmed and lower-cased; a phone number as ``+`` and its digits (``00`` read as
``+``), so that ``+49 170 123-4567`` and ``0049 1701234567`` are the same number. The key is an
HMAC-SHA256 whose key is derived from SECRET_KEY, so the suppression table keeps no readable address.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.utils.crypto import salted_hmac

from contacts.models import SuppressionChannel

SALT = "contacts.suppression"
PHONE_MIN_DIGITS = 7
PHONE_MAX_DIGITS = 15
_NOT_DIGITS = re.compile(r"\D+")
MASK = "•••"


def normalise_phone(phone: str) -> str:
    """``+`` and the digits of a phone number ("" when there are none)."""
    text = phone.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    digits = _NOT_DIGITS.sub("", text)
    return f"+{digits}" if digits else ""


def phone_is_valid(phone: str) -> bool:
    digits = normalise_phone(phone)[1:]
    return PHONE_MIN_DIGITS <= len(digits) <= PHONE_MAX_DIGITS


def normalise_address(channel: str, address: str) -> str:
    if channel == SuppressionChannel.SMS:
        return normalise_phone(address)
    return address.strip().lower()


def _key() -> bytes:
    # The same derivation as Django's salted_hmac: stable as long as SECRET_KEY is.
    return salted_hmac(SALT, "address-key", secret=settings.SECRET_KEY, algorithm="sha256").digest()


def address_key(channel: str, address: str) -> str:
    normal = normalise_address(channel, address)
    return hmac.new(_key(), normal.encode(), hashlib.sha256).hexdigest()


def mask(channel: str, address: str) -> str:
    """A hint a person can recognise without the list revealing the address: ``j•••@example.com``."""
    normal = normalise_address(channel, address)
    if channel == SuppressionChannel.SMS:
        if len(normal) <= 5:
            return MASK
        return f"{normal[:3]}{MASK}••{normal[-2:]}"
    local, at, domain = normal.partition("@")
    if not at:
        return f"{normal[:1]}{MASK}"
    return f"{local[:1]}{MASK}@{domain}"
