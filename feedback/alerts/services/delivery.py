"""Sending alert deliveries: claim, send, record; retries with backoff; the sweep; manual retry.

The same design as ``webhooks.services``: the task claims the delivery with a conditional update
(pending → sending) that commits before anything goes out, sends outside any transaction, and records
the outcome only while it still holds the claim. A failure is retried after 30 s, 2 min, 10 min, 1 h and
6 h, then the delivery is failed. The periodic sweep queues due deliveries (retries, the end of quiet
hours, lost queue messages) and takes back those whose worker died mid-send.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Membership
from core.tenancy import organization_context
from feedback.alerts.actions import HELD_IN_QUIET_HOURS, Action, action_for
from feedback.alerts.models import AlertChannel, AlertDelivery, AlertDeliveryStatus
from feedback.alerts.services.engine import enqueue_after_commit, quiet_hours_end, zone
from feedback.alerts.services.messages import (
    ALERT_EVENT,
    AlertSummary,
    alert_email,
    json_body,
    slack_payload,
    summarize,
    teams_payload,
    webhook_body,
)
from feedback.selectors import response_visible_to

logger = logging.getLogger(__name__)

# A delivery still "sending" after this long lost its worker (the task's hard limit is 60 s).
STUCK_AFTER = timedelta(minutes=2)
# A pending, due delivery queued this long ago without being claimed lost its queue message.
REQUEUE_AFTER = timedelta(minutes=2)
SWEEP_BATCH = 200
ERROR_LIMIT = 500
USER_AGENT = "cxplatform-alerts/1"


def _backoff() -> tuple[timedelta, ...]:
    from webhooks.services import BACKOFF

    return BACKOFF


def max_attempts() -> int:
    return len(_backoff()) + 1


def _failure_fields(attempts: int, now: datetime, *, final: bool = False) -> dict[str, Any]:
    backoff = _backoff()
    if final or attempts >= len(backoff) + 1:
        return {"status": AlertDeliveryStatus.FAILED, "claimed_at": None}
    return {
        "status": AlertDeliveryStatus.PENDING,
        "next_attempt_at": now + backoff[min(attempts, len(backoff)) - 1],
        "enqueued_at": None,
        "claimed_at": None,
    }


class _Outcome:
    """What one send did: an error text ("" on success), the HTTP status, a new log target."""

    def __init__(self, error: str = "", status_code: int | None = None, target: str | None = None) -> None:
        self.error, self.status_code, self.target = error, status_code, target


# --- senders -----------------------------------------------------------------------------------------


def _send_email(delivery: AlertDelivery, action: Action, now: datetime) -> _Outcome:
    recipients = action.get("recipients", [])
    member_ids = [r["member"] for r in recipients if "member" in r and r["frequency"] == "immediate"]
    members = Membership.all_orgs.select_related("user").filter(
        organization_id=delivery.organization_id, pk__in=member_ids
    )
    # Each member in their own language; other addresses in the organisation's.
    # Access groups are checked again at send time: they may have changed since the alert fired.
    batches: list[tuple[str, str]] = [
        (m.user.language, m.user.email)
        for m in members
        if response_visible_to(membership=m, response=delivery.response)
    ]
    batches += [(delivery.organization.default_language, r["email"]) for r in recipients if "email" in r]
    if not batches:
        return _Outcome(target="")
    messages = []
    for language, address in batches:
        with translation.override(language):
            messages.append(alert_email(summarize(delivery.rule, delivery.response), [address]))
    try:
        with get_connection() as connection:
            connection.send_messages(messages)
    except Exception as exc:  # SMTP and socket errors alike: retried with backoff
        return _Outcome(error=f"{type(exc).__name__}: {exc}")
    return _Outcome(target=", ".join(address for _lang, address in batches)[:ERROR_LIMIT])


def _post_json(url: str, body: bytes, extra: dict[str, str] | None = None) -> _Outcome:
    from webhooks.services import post_once, url_refusal

    refusal = url_refusal(url)
    if refusal is not None:
        return _Outcome(error=refusal)
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, **(extra or {})}
    status_code, error = post_once(url, body, headers)
    return _Outcome(error=error, status_code=status_code)


def _summary(delivery: AlertDelivery) -> AlertSummary:
    with translation.override(delivery.organization.default_language):
        return summarize(delivery.rule, delivery.response)


def _chat_body(delivery: AlertDelivery, render: Any) -> bytes:
    # The message's own labels ("Channel", "Open the response") in the organisation's language too.
    with translation.override(delivery.organization.default_language):
        return json_body(render(_summary(delivery)))


def _send_webhook(delivery: AlertDelivery, action: Action, now: datetime) -> _Outcome:
    from webhooks.signing import sign

    body = webhook_body(delivery, _summary(delivery))
    timestamp = int(now.timestamp())
    headers = {
        "X-Cx-Event": ALERT_EVENT,
        "X-Cx-Delivery": str(delivery.pk),
        "X-Cx-Timestamp": str(timestamp),
        "X-Cx-Signature": sign(action.get("secret", ""), delivery.pk, timestamp, body),
    }
    return _post_json(action.get("url", ""), body, headers)


def _send_slack(delivery: AlertDelivery, action: Action, now: datetime) -> _Outcome:
    return _post_json(action.get("url", ""), _chat_body(delivery, slack_payload))


def _send_teams(delivery: AlertDelivery, action: Action, now: datetime) -> _Outcome:
    return _post_json(action.get("url", ""), _chat_body(delivery, teams_payload))


def _open_ticket(delivery: AlertDelivery, action: Action, now: datetime) -> _Outcome:
    from tickets.services.opening import ticket_open_for_response

    try:
        ticket, _created = ticket_open_for_response(
            response=delivery.response, alert_rule=delivery.rule, priority=action.get("priority")
        )
    except ValidationError as exc:
        return _Outcome(error=" ".join(exc.messages))
    return _Outcome(target=_("Ticket #%(number)s") % {"number": ticket.pk})


SENDERS: dict[str, Callable[[AlertDelivery, Action, datetime], _Outcome]] = {
    AlertChannel.EMAIL: _send_email,
    AlertChannel.WEBHOOK: _send_webhook,
    AlertChannel.SLACK: _send_slack,
    AlertChannel.TEAMS: _send_teams,
    AlertChannel.TICKET: _open_ticket,
}


# --- attempts ----------------------------------------------------------------------------------------


def _claim(delivery_id: int, now: datetime) -> AlertDelivery | None:
    claimed = AlertDelivery.all_orgs.filter(
        pk=delivery_id, status=AlertDeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(status=AlertDeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    return AlertDelivery.all_orgs.select_related(
        "organization", "rule", "response", "response__organization", "response__contact", "response__survey"
    ).get(pk=delivery_id)


def _finish(delivery: AlertDelivery, **fields: Any) -> AlertDelivery:
    # Only the attempt that holds the claim records its outcome; a sweep may have taken it back.
    AlertDelivery.all_orgs.filter(
        pk=delivery.pk, status=AlertDeliveryStatus.SENDING, claimed_at=delivery.claimed_at
    ).update(**fields)
    delivery.refresh_from_db()
    return delivery


def alert_delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> AlertDelivery | None:
    """Make one attempt at a due delivery. Returns None when another worker has it or it is not due.

    Not atomic on purpose: the claim commits before anything is sent, so a concurrent task or sweep
    sees "sending", and no request or SMTP session runs inside an open transaction.
    """
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    with organization_context(delivery.organization):
        if delivery.channel in HELD_IN_QUIET_HOURS:
            held_until = quiet_hours_end(delivery.rule, now, zone(delivery.organization.timezone))
            if held_until is not None:
                # Not an attempt: give the claim back and wait for the end of quiet hours.
                return _finish(
                    delivery,
                    status=AlertDeliveryStatus.PENDING,
                    held=True,
                    next_attempt_at=held_until,
                    enqueued_at=None,
                    claimed_at=None,
                    attempts=F("attempts") - 1,
                )
        action = action_for(delivery.rule.actions, delivery.channel)
        if action is None:
            return _finish(
                delivery,
                status=AlertDeliveryStatus.SKIPPED,
                held=False,
                claimed_at=None,
                last_attempt_at=now,
                last_error=_("Not sent: the rule no longer has this action."),
            )
        try:
            outcome = SENDERS[delivery.channel](delivery, action, now)
        except Exception as exc:
            logger.exception("alerts: delivery %s failed unexpectedly", delivery.pk)
            outcome = _Outcome(error=f"{type(exc).__name__}: {exc}")
    fields: dict[str, Any] = {
        "held": False,
        "last_attempt_at": now,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error[:ERROR_LIMIT],
    }
    if outcome.target:
        fields["target"] = outcome.target[:ERROR_LIMIT]
    if not outcome.error:
        fields.update(status=AlertDeliveryStatus.SENT, sent_at=timezone.now(), claimed_at=None)
    else:
        fields.update(_failure_fields(delivery.attempts, now))
    return _finish(delivery, **fields)


def alert_deliveries_sweep(*, now: datetime | None = None) -> list[int]:
    """Queue due deliveries and take back those whose worker died; returns the ids queued.

    Rows are locked with SKIP LOCKED and marked queued in one transaction, so two sweeps running at
    once never queue the same delivery; the task's own claim is the last guard against a double send.
    """
    now = now or timezone.now()
    with transaction.atomic():
        stuck = list(
            AlertDelivery.all_orgs.select_for_update(skip_locked=True)
            .filter(status=AlertDeliveryStatus.SENDING, claimed_at__lt=now - STUCK_AFTER)
            .order_by("claimed_at")
            .values_list("pk", "attempts")[:SWEEP_BATCH]
        )
        lost_error = _("The attempt did not finish: its worker stopped.")
        for pk, attempts in stuck:
            # Sent again at once: the worker most likely died before it could send.
            fields = _failure_fields(attempts, now)
            if fields["status"] == AlertDeliveryStatus.PENDING:
                fields["next_attempt_at"] = now
            AlertDelivery.all_orgs.filter(pk=pk, status=AlertDeliveryStatus.SENDING).update(
                last_error=lost_error, last_attempt_at=F("claimed_at"), **fields
            )
        due = list(
            AlertDelivery.all_orgs.select_for_update(skip_locked=True)
            .filter(status=AlertDeliveryStatus.PENDING, next_attempt_at__lte=now)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REQUEUE_AFTER))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        if due:
            AlertDelivery.all_orgs.filter(pk__in=due).update(enqueued_at=now)
            enqueue_after_commit(due)
    return due


@transaction.atomic
def alert_delivery_retry(*, delivery: AlertDelivery, actor: Membership) -> AlertDelivery:
    """Try a failed delivery once more, now. If that attempt fails too, it is failed again."""
    now = timezone.now()
    updated = AlertDelivery.all_orgs.filter(
        pk=delivery.pk, organization_id=actor.organization_id, status=AlertDeliveryStatus.FAILED
    ).update(status=AlertDeliveryStatus.PENDING, next_attempt_at=now, enqueued_at=now, held=False)
    if not updated:
        raise ValidationError(_("Only a failed delivery can be retried."))
    delivery.refresh_from_db()
    enqueue_after_commit([delivery.pk])
    return delivery
