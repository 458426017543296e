"""SMS_URL parsed into a typed configuration.

- ``console://`` logs each message and records it as delivered (development default);
- ``twilio://<AccountSid>:<AuthToken>@api.twilio.com?from=%2B15005550006`` sends through Twilio's REST
  API over HTTPS (``messaging_service=MG…`` instead of ``from``; ``timeout=<seconds>``, default 10);
- ``twilio+http://<AccountSid>:<AuthToken>@127.0.0.1:<port>?from=…`` the same over plain HTTP, for a
  local server that speaks Twilio's API (tests).

A malformed value raises ``ImproperlyConfigured`` naming SMS_URL (without the auth token) at first use,
and ``manage.py check`` reports it at start-up (``sms.E001``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CONSOLE = "console"
TWILIO = "twilio"

_ACCOUNT_SID = re.compile(r"^AC[0-9a-zA-Z]{32}$")
_MESSAGING_SERVICE_SID = re.compile(r"^MG[0-9a-zA-Z]{32}$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
_OPTIONS = {"from", "messaging_service", "timeout"}
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class SmsConfig:
    backend: str
    account_sid: str = ""
    auth_token: str = ""
    # Scheme, host and port of the API, without a trailing slash: ``https://api.twilio.com``.
    base_url: str = ""
    from_number: str = ""
    messaging_service_sid: str = ""
    timeout: float = DEFAULT_TIMEOUT

    @property
    def sender(self) -> str:
        """What the log shows as the sender of an outgoing message."""
        return self.from_number or self.messaging_service_sid


def _fail(problem: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"SMS_URL is malformed: {problem}")


def parse_sms_url(url: str) -> SmsConfig:
    """The configuration ``url`` describes, or ImproperlyConfigured saying what is wrong with it."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise _fail(f"cannot be read as a URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme == CONSOLE:
        if parts.netloc or parts.path not in ("", "/") or parts.query:
            raise _fail("console:// takes no host, path or options")
        return SmsConfig(backend=CONSOLE)
    if scheme not in ("twilio", "twilio+http", "twilio+https"):
        raise _fail(f"unknown scheme {parts.scheme!r}; use console:// or twilio://")
    account_sid = unquote(parts.username or "")
    auth_token = unquote(parts.password or "")
    host = parts.hostname or ""
    if not _ACCOUNT_SID.match(account_sid):
        raise _fail("the user part must be the Twilio Account SID (AC followed by 32 characters)")
    if not auth_token:
        raise _fail("the password part must be the Twilio auth token")
    if not host:
        raise _fail("a host is required, e.g. api.twilio.com")
    if parts.path not in ("", "/"):
        raise _fail("takes no path")
    from_number, messaging_service, timeout = _options(parts.query)
    http_scheme = "http" if scheme == "twilio+http" else "https"
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    return SmsConfig(
        backend=TWILIO,
        account_sid=account_sid,
        auth_token=auth_token,
        base_url=f"{http_scheme}://{netloc}",
        from_number=from_number,
        messaging_service_sid=messaging_service,
        timeout=timeout,
    )


def _options(query: str) -> tuple[str, str, float]:
    """``from``, ``messaging_service`` and ``timeout`` of a twilio:// URL, validated."""
    options = parse_qs(query, keep_blank_values=True, strict_parsing=False)
    unknown = set(options) - _OPTIONS
    if unknown:
        raise _fail(f"unknown options {sorted(unknown)}; known: {sorted(_OPTIONS)}")
    if any(len(values) > 1 for values in options.values()):
        raise _fail("each option may be given once")
    from_number = options.get("from", [""])[0].strip()
    messaging_service = options.get("messaging_service", [""])[0].strip()
    if bool(from_number) == bool(messaging_service):
        raise _fail("give exactly one of from=<E.164 number or sender id> and messaging_service=<MG…>")
    if from_number and not (_E164.match(from_number) or _ALPHANUMERIC_SENDER.match(from_number)):
        raise _fail("from= must be an E.164 number (%2B and digits) or an alphanumeric sender id")
    if messaging_service and not _MESSAGING_SERVICE_SID.match(messaging_service):
        raise _fail("messaging_service= must be a Messaging Service SID (MG followed by 32 characters)")
    try:
        timeout = float(options.get("timeout", [str(DEFAULT_TIMEOUT)])[0])
    except ValueError:
        raise _fail("timeout= must be a number of seconds") from None
    if not 0.5 <= timeout <= 120:
        raise _fail("timeout= must be between 0.5 and 120 seconds")
    return from_number, messaging_service, timeout


@lru_cache(maxsize=4)
def _parse_cached(url: str) -> SmsConfig:
    return parse_sms_url(url)


def sms_config() -> SmsConfig:
    """The configuration of the current SMS_URL (re-read when a test changes the setting)."""
    return _parse_cached(str(getattr(settings, "SMS_URL", "console://")))
