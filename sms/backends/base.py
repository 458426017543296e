"""The provider interface: every SMS backend sends one message and says what became of it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from sms.config import SmsConfig

# Provider error codes that mean "this person asked not to get texts": the number is suppressed (stop).
STOP_ERROR_CODES = frozenset({"21610"})


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    # An ``sms.models.SmsStatus`` value.
    status: str


class SmsError(Exception):
    """Sending failed. ``permanent``: retrying the same message cannot succeed (bad number, recipient
    opted out, rejected content); otherwise the provider was unreachable, busy or rate limiting."""

    def __init__(self, permanent: bool, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.permanent = permanent
        self.code = str(code)
        self.message = message

    @property
    def recipient_opted_out(self) -> bool:
        return self.code in STOP_ERROR_CODES


class SmsBackend(ABC):
    name: ClassVar[str]

    def __init__(self, config: SmsConfig) -> None:
        self.config = config

    @property
    def sender(self) -> str:
        return self.config.sender

    @abstractmethod
    def send(self, *, to: str, body: str, status_callback: str | None) -> SendResult:
        """Hand one message to the provider; raise SmsError when it is not accepted."""
