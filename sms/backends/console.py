"""The development backend: the message goes to the log, and counts as delivered at once."""

from __future__ import annotations

import logging
import uuid

from sms.backends.base import SendResult, SmsBackend
from sms.models import SmsStatus

logger = logging.getLogger("sms.console")


class ConsoleBackend(SmsBackend):
    name = "console"

    def send(self, *, to: str, body: str, status_callback: str | None) -> SendResult:
        message_id = f"console-{uuid.uuid4().hex}"
        logger.info("SMS %s to %s:\n%s", message_id, to, body)
        return SendResult(provider_message_id=message_id, status=SmsStatus.DELIVERED)
