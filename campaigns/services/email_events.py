"""What the email provider tells us about invitations it handled (SendGrid's event webhook format).

Each event names its invitation by our custom argument ``cx_invitation`` (the invitation token the
sender put in ``X-SMTPAPI`` unique args). An event without a known invitation is ignored: the webhook is
shared by every organisation and the token is the only thing that says whose address it is.

- ``delivered`` / ``open`` / ``click`` → ``delivered_at`` / ``opened_at`` / ``clicked_at`` (first time only);
- ``bounce`` (hard) and ``dropped`` → ``bounced_at`` and the address suppressed (reason bounced). A
  ``bounce`` of type ``blocked`` is SendGrid's temporary refusal: recorded as ignored, not suppressed;
- ``spamreport`` → ``complained_at`` and the address suppressed (reason complained);
- ``unsubscribe`` / ``group_unsubscribe`` → ``unsubscribed_at`` and the contact unsubscribed from
  every channel (the address alone when the contact was erased).

Idempotent: each timestamp is set by a conditional update, and the suppression follows only the update
that set it, so the provider's retries (it retries on any non-2xx) change nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone

from campaigns.models import Invitation
from core.tenancy import organization_context

logger = logging.getLogger(__name__)

TOKEN_MAX = 24
STAMPS = {
    "delivered": "delivered_at",
    "open": "opened_at",
    "click": "clicked_at",
    "bounce": "bounced_at",
    "dropped": "bounced_at",
    "spamreport": "complained_at",
    "unsubscribe": "unsubscribed_at",
    "group_unsubscribe": "unsubscribed_at",
}


@dataclass(frozen=True)
class EventResult:
    event: str
    result: str  # applied | duplicate | ignored | unknown_invitation | invalid

    def as_dict(self) -> dict[str, str]:
        return {"event": self.event, "result": self.result}


def _when(value: Any, now: datetime) -> datetime:
    """The event's time (Unix seconds), never in the future; ``now`` when missing or unreadable."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return now
    try:
        stamp = datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return now
    return min(stamp, now)


def _apply(invitation: Invitation, event: dict[str, Any], kind: str, now: datetime) -> str:
    from contacts.services import contact_unsubscribe, suppression_add

    column = STAMPS[kind]
    if kind == "bounce" and str(event.get("type", "")).lower() == "blocked":
        return "ignored"
    changed = Invitation.all_orgs.filter(pk=invitation.pk, **{f"{column}__isnull": True}).update(
        **{column: _when(event.get("timestamp"), now)}
    )
    if not changed:
        return "duplicate"
    organization_id = invitation.organization_id
    address = invitation.address
    if kind in ("bounce", "dropped") and address:
        detail = str(event.get("reason") or event.get("status") or kind)[:300]
        suppression_add(
            organization_id=organization_id, channel="email", address=address, reason="bounced", detail=detail
        )
    elif kind == "spamreport" and address:
        suppression_add(
            organization_id=organization_id,
            channel="email",
            address=address,
            reason="complained",
            detail="spamreport",
        )
    elif kind in ("unsubscribe", "group_unsubscribe"):
        if invitation.contact_id is not None:
            contact_unsubscribe(
                organization_id=organization_id, contact_id=invitation.contact_id, source="email_provider"
            )
        elif address:
            suppression_add(
                organization_id=organization_id,
                channel="email",
                address=address,
                reason="unsubscribed",
                detail="email_provider",
            )
    return "applied"


def _handle(event: Any, now: datetime) -> EventResult:
    if not isinstance(event, dict):
        return EventResult("", "invalid")
    kind = event.get("event")
    if not isinstance(kind, str) or not kind:
        return EventResult("", "invalid")
    kind = kind[:40]
    if kind not in STAMPS:
        return EventResult(kind, "ignored")
    token = event.get("cx_invitation")
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
        return EventResult(kind, "unknown_invitation")
    invitation = (
        Invitation.all_orgs.select_related("organization").filter(token=token, channel="email").first()
    )
    if invitation is None:
        return EventResult(kind, "unknown_invitation")
    with organization_context(invitation.organization), transaction.atomic():
        return EventResult(kind, _apply(invitation, event, kind, now))


def email_events_apply(*, events: list[Any], now: datetime | None = None) -> list[EventResult]:
    """Apply a batch of provider events, each on its own (one unreadable event does not stop the
    others); the results are in the order of the events."""
    now = now or timezone.now()
    results: list[EventResult] = []
    for event in events:
        try:
            results.append(_handle(event, now))
        except DatabaseError:
            # A database outage reaches the view, which answers 503 so that the provider retries.
            raise
        except Exception:
            logger.exception("email event could not be applied")
            results.append(
                EventResult(str(event.get("event", ""))[:40] if isinstance(event, dict) else "", "invalid")
            )
    return results
