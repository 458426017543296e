"""Twilio's Programmable Messaging REST API (``POST /2010-04-01/Accounts/{Sid}/Messages.json``).

Errors: Twilio answers ``{"code": 21211, "message": "...", "more_info": "...", "status": 400}``. A 4xx is
permanent for this message (invalid number 21211, unsubscribed recipient 21610, not a mobile number
21614, ...); 429, 5xx, timeouts and network failures are transient. A 2xx whose body cannot be read is
treated as permanent: the message may well have gone out, and retrying would send it twice.
"""

from __future__ import annotations

import logging
from typing import Any

import requests

from sms.backends.base import SendResult, SmsBackend, SmsError
from sms.models import SmsStatus

logger = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
CONNECT_TIMEOUT = 5.0
ERROR_MESSAGE_LIMIT = 300

# Twilio's message statuses mapped onto ours.
STATUS_MAP: dict[str, str] = {
    "accepted": SmsStatus.QUEUED,
    "scheduled": SmsStatus.QUEUED,
    "queued": SmsStatus.QUEUED,
    "sending": SmsStatus.QUEUED,
    "sent": SmsStatus.SENT,
    "delivered": SmsStatus.DELIVERED,
    "read": SmsStatus.DELIVERED,
    "undelivered": SmsStatus.UNDELIVERED,
    "failed": SmsStatus.FAILED,
    "canceled": SmsStatus.FAILED,
    "receiving": SmsStatus.RECEIVED,
    "received": SmsStatus.RECEIVED,
}


def map_status(twilio_status: str) -> str | None:
    return STATUS_MAP.get(twilio_status.strip().lower())


class TwilioBackend(SmsBackend):
    name = "twilio"

    @property
    def messages_url(self) -> str:
        return f"{self.config.base_url}/{API_VERSION}/Accounts/{self.config.account_sid}/Messages.json"

    def send(self, *, to: str, body: str, status_callback: str | None) -> SendResult:
        form: dict[str, str] = {"To": to, "Body": body}
        if self.config.messaging_service_sid:
            form["MessagingServiceSid"] = self.config.messaging_service_sid
        else:
            form["From"] = self.config.from_number
        if status_callback:
            form["StatusCallback"] = status_callback
        try:
            answer = requests.post(
                self.messages_url,
                data=form,
                auth=(self.config.account_sid, self.config.auth_token),
                timeout=(min(CONNECT_TIMEOUT, self.config.timeout), self.config.timeout),
                headers={"Accept": "application/json"},
                allow_redirects=False,
            )
        except requests.Timeout:
            raise SmsError(False, "timeout", "Twilio did not answer in time.") from None
        except requests.RequestException as exc:
            raise SmsError(False, "network", f"Twilio could not be reached: {type(exc).__name__}") from None
        payload = _json(answer)
        if answer.status_code in (200, 201):
            sid = payload.get("sid") if payload else None
            if not isinstance(sid, str) or not sid:
                raise SmsError(
                    True, "bad_response", "Twilio accepted the request but its answer is unreadable."
                )
            status = map_status(str(payload.get("status", ""))) if payload else None
            return SendResult(provider_message_id=sid[:64], status=status or SmsStatus.QUEUED)
        code, message = _error_of(answer.status_code, payload)
        permanent = 400 <= answer.status_code < 500 and answer.status_code != 429
        logger.info("Twilio refused a message: HTTP %s, code %s", answer.status_code, code)
        raise SmsError(permanent, code, message)


def _json(answer: requests.Response) -> dict[str, Any] | None:
    try:
        payload = answer.json()
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _error_of(http_status: int, payload: dict[str, Any] | None) -> tuple[str, str]:
    code = payload.get("code") if payload else None
    message = payload.get("message") if payload else None
    code_text = str(code) if isinstance(code, int | str) and str(code) else f"http_{http_status}"
    message_text = message if isinstance(message, str) and message else f"Twilio answered HTTP {http_status}."
    return code_text[:20], message_text[:ERROR_MESSAGE_LIMIT]
