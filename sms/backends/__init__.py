"""SMS providers behind one interface; ``get_backend()`` returns the one SMS_URL names."""

from __future__ import annotations

from sms.backends.base import SendResult, SmsBackend, SmsError
from sms.config import CONSOLE, SmsConfig, sms_config

__all__ = ["SendResult", "SmsBackend", "SmsError", "get_backend"]


def get_backend(config: SmsConfig | None = None) -> SmsBackend:
    config = config or sms_config()
    if config.backend == CONSOLE:
        from sms.backends.console import ConsoleBackend

        return ConsoleBackend(config)
    from sms.backends.twilio import TwilioBackend

    return TwilioBackend(config)
