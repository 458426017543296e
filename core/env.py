"""Typed readers for settings that come from the environment.

Every reader fails loudly with the variable's name when a value is malformed, so that a typo in
production stops start-up instead of silently falling back to a default.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = _Required()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _read(name: str, default: object, parse: Callable[[str], T]) -> T:
    raw = os.environ.get(name)
    if raw is None:
        if isinstance(default, _Required):
            raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
        return default  # type: ignore[return-value]
    # `NAME=` in a .env or compose file is a forgotten value, not a choice: a required one must say so.
    if isinstance(default, _Required) and not raw.strip():
        raise ImproperlyConfigured(f"Environment variable {name} is required but set to an empty value.")
    try:
        return parse(raw.strip())
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"Environment variable {name} has a malformed value: {exc}") from exc


def env_str(name: str, default: str | _Required = REQUIRED) -> str:
    return _read(name, default, str)


def _parse_bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"expected one of true/false/1/0/yes/no/on/off, got {raw!r}")


def env_bool(name: str, default: bool | _Required = REQUIRED) -> bool:
    return _read(name, default, _parse_bool)


def env_int(
    name: str, default: int | _Required = REQUIRED, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"expected a whole number, got {raw!r}") from None
        if minimum is not None and value < minimum:
            raise ValueError(f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise ValueError(f"must be at most {maximum}, got {value}")
        return value

    return _read(name, default, parse)


def env_list(name: str, default: list[str] | _Required = REQUIRED) -> list[str]:
    return _read(name, default, lambda raw: [item.strip() for item in raw.split(",") if item.strip()])


def env_url(name: str, default: str | _Required = REQUIRED, *, schemes: tuple[str, ...] = ()) -> str:
    def parse(raw: str) -> str:
        parts = urlsplit(raw)
        if not parts.scheme or (not parts.netloc and parts.scheme not in {"file", "console", "locmem"}):
            raise ValueError(f"expected a URL such as scheme://host:port/path, got {raw!r}")
        if schemes and parts.scheme not in schemes:
            raise ValueError(f"scheme must be one of {', '.join(schemes)}, got {parts.scheme!r}")
        parts.port  # noqa: B018 - raises ValueError on a non-numeric port
        return raw

    return _read(name, default, parse)


def env_rate(name: str, default: str | _Required = REQUIRED) -> str:
    """A rate limit written ``requests/seconds``, e.g. ``600/60``."""

    def parse(raw: str) -> str:
        count, slash, seconds = raw.partition("/")
        if not slash or not count.isdigit() or not seconds.isdigit() or int(count) < 1 or int(seconds) < 1:
            raise ValueError(f"expected requests/seconds such as 600/60, got {raw!r}")
        return raw

    return _read(name, default, parse)
