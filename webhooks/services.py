"""Writes about outgoing webhooks: endpoints, and the deliveries of events to them.

Flow: a response event is recorded in the outbox with the response. Its handler here creates one
delivery per subscribed endpoint (unique per endpoint and event, so handling the event twice is
harmless) with a frozen payload, and queues ``webhooks.deliver`` after commit. The task claims the
delivery with a conditional update, POSTs it signed, and records the outcome: success, or a retry at a
later ``next_attempt_at`` with exponential backoff, or failure after ``MAX_ATTEMPTS``. The periodic
``webhooks.sweep`` queues deliveries that are due (retries, lost queue messages) and takes back those
whose worker died mid-send.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import secrets
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from accounts.services import audit_record
from core import prepared
from core.models import OutboxEvent
from core.outbound import host_refusal, resolved_refusal
from feedback.models import Response
from webhooks.models import PING_TOPIC, DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.selectors import response_for_webhook

if TYPE_CHECKING:
    from tickets.models import Ticket
from webhooks.signing import sign

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"  # noqa: S105 -- a label that makes secrets recognisable, not a secret
USER_AGENT = "cxplatform-webhooks/1"
REQUEST_TIMEOUT_SECONDS = 10
# The wait after the 1st, 2nd, ... failed attempt; the attempt after the last one is the final one.
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A delivery still "sending" after this long lost its worker (the task's hard time limit is far lower).
STUCK_AFTER = timedelta(minutes=5)
# A pending, due delivery queued this long ago without being claimed lost its queue message.
REQUEUE_AFTER = timedelta(minutes=2)
SWEEP_BATCH = 200
ERROR_LIMIT = 500
BODY_EXCERPT_LIMIT = 200
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


# --- endpoints ---------------------------------------------------------------------------------------


def url_refusal(url: str) -> str | None:
    """Why ``url`` may not receive webhooks, or None. https anywhere; plain http only to this machine."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        return _("Enter a valid URL such as https://example.com/webhooks/cx.")
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return _("Enter a valid URL such as https://example.com/webhooks/cx.")
    refusal = host_refusal(parts.hostname)
    if refusal is not None:
        return refusal
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        return _("Use an https:// URL. Plain http is allowed only for localhost.")
    return None


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _clean(name: str, url: str, events: Iterable[str]) -> tuple[str, str, list[str]]:
    errors: dict[str, str] = {}
    name = name.strip()
    url = url.strip()
    if not name:
        errors["name"] = _("Give the webhook a name.")
    refusal = url_refusal(url)
    if refusal is not None:
        errors["url"] = refusal
    chosen = [value for value in WebhookEvent.values if value in set(events)]
    if not chosen or len(chosen) != len(set(events)):
        errors["events"] = _("Choose at least one event from the list.")
    if errors:
        raise ValidationError(errors)
    return name, url, chosen


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _audit_state(endpoint: WebhookEndpoint) -> dict[str, Any]:
    # Never the secret: the audit log is readable by more people than this page, and kept forever.
    return {"name": endpoint.name, "url": endpoint.url, "events": endpoint.events, "active": endpoint.active}


@transaction.atomic
def webhook_endpoint_create(
    *,
    organization: Organization,
    actor: Membership,
    name: str,
    url: str,
    events: Iterable[str],
    active: bool = True,
) -> WebhookEndpoint:
    name, url, chosen = _clean(name, url, events)
    endpoint = WebhookEndpoint.all_orgs.create(
        organization=organization,
        name=name,
        url=url,
        events=chosen,
        active=active,
        secret=_new_secret(),
        created_by=actor.user,
    )
    audit_record(
        organization=organization,
        actor=actor.user,
        action="webhook.created",
        target=endpoint,
        after=_audit_state(endpoint),
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, actor: Membership, name: str, url: str, events: Iterable[str], active: bool
) -> WebhookEndpoint:
    name, url, chosen = _clean(name, url, events)
    before = _audit_state(endpoint)
    endpoint.name, endpoint.url, endpoint.events, endpoint.active = name, url, chosen, active
    endpoint.save(update_fields=["name", "url", "events", "active"])
    audit_record(
        organization=endpoint.organization,
        actor=actor.user,
        action="webhook.updated",
        target=endpoint,
        before=before,
        after=_audit_state(endpoint),
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor: Membership) -> None:
    """Delete the endpoint and its delivery log; deliveries not yet sent are dropped."""
    audit_record(
        organization=endpoint.organization,
        actor=actor.user,
        action="webhook.deleted",
        target=endpoint,
        before=_audit_state(endpoint),
    )
    endpoint.delete()


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, actor: Membership) -> WebhookEndpoint:
    """Replace the signing secret at once: from now on every attempt is signed with the new one."""
    endpoint.secret = _new_secret()
    endpoint.secret_rotated_at = timezone.now()
    endpoint.save(update_fields=["secret", "secret_rotated_at"])
    audit_record(
        organization=endpoint.organization, actor=actor.user, action="webhook.secret_rotated", target=endpoint
    )
    return endpoint


# --- payloads ----------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def response_payload(response: Response) -> dict[str, Any]:
    """The response as webhooks send it: the API's response shape, without the hashed IP address."""
    return {
        "id": response.pk,
        "client_id": str(response.client_id) if response.client_id else None,
        "external_id": response.external_id,
        "survey": response.survey.public_id if response.survey is not None else None,
        "survey_version": response.survey_version.number if response.survey_version is not None else None,
        "channel": response.channel,
        "touchpoint": response.touchpoint_id,
        "language": response.language,
        "answers": response.answers,
        "scores": {"nps": response.nps, "csat": response.csat, "ces": response.ces},
        "comment": response.comment,
        "contact_id": response.contact_id,
        "hidden_fields": response.hidden_fields,
        "metadata": {key: value for key, value in response.meta.items() if key != "ip_hash"},
        "ending": response.ending,
        "started_at": _iso(response.started_at),
        "finished_at": _iso(response.finished_at),
        "received_at": _iso(response.received_at),
    }


def ticket_payload(ticket: Ticket) -> dict[str, Any]:
    """A ticket as webhooks send it: its state, owner, clocks and the feedback it is about."""
    from tickets.services.notifications import ticket_url

    return {
        "id": ticket.pk,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "team": ticket.team.name if ticket.team is not None else None,
        "assignee": ticket.assignee.user.email if ticket.assignee is not None else None,
        "response_id": ticket.response_id,
        "contact_id": ticket.contact_id,
        "root_cause": str(ticket.root_cause) if ticket.root_cause is not None else None,
        "outcome": ticket.outcome or None,
        "sla_policy": f"{ticket.sla_policy.key} v{ticket.sla_policy.version}" if ticket.sla_policy else None,
        "feedback_at": _iso(ticket.feedback_at),
        "first_response_due_at": _iso(ticket.first_response_due_at),
        "first_responded_at": _iso(ticket.first_responded_at),
        "resolution_due_at": _iso(ticket.resolution_due_at),
        "resolved_at": _iso(ticket.resolved_at),
        "recovered": ticket.recovered,
        "created_at": _iso(ticket.created_at),
        "url": ticket_url(ticket),
    }


def _event_payload(event: OutboxEvent) -> dict[str, Any] | None:
    """What an event's deliveries carry, frozen now; None when its subject is gone."""
    if event.topic.startswith("ticket."):
        from tickets.selectors import ticket_for_webhook

        ticket = ticket_for_webhook(
            organization_id=event.organization_id, ticket_id=event.payload.get("ticket_id")
        )
        if ticket is None:
            return None
        payload: dict[str, Any] = {"ticket": ticket_payload(ticket)}
        if event.topic == WebhookEvent.TICKET_STATUS_CHANGED:
            payload["change"] = {"from": event.payload.get("from"), "to": event.payload.get("to")}
        return payload
    response = response_for_webhook(
        organization_id=event.organization_id, response_id=event.payload.get("response_id")
    )
    return {"response": response_payload(response)} if response is not None else None


def sample_response_payload(*, now: datetime) -> dict[str, Any]:
    return {
        "id": 0,
        "client_id": "00000000-0000-4000-8000-000000000000",
        "external_id": None,
        "survey": "sample",
        "survey_version": 1,
        "channel": "web",
        "touchpoint": None,
        "language": "en",
        "answers": {"nps": 9, "why": "Quick delivery."},
        "scores": {"nps": 9, "csat": None, "ces": None},
        "comment": "Quick delivery.",
        "contact_id": None,
        "hidden_fields": {},
        "metadata": {},
        "ending": "thanks",
        "started_at": _iso(now),
        "finished_at": _iso(now),
        "received_at": _iso(now),
    }


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The request body: compact JSON, the same bytes for every attempt of a delivery."""
    envelope = {
        "id": delivery.pk,
        "type": delivery.topic,
        "created_at": _iso(delivery.created_at),
        "data": delivery.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


# --- creating deliveries -----------------------------------------------------------------------------


def _enqueue(delivery_ids: list[int]) -> None:
    """Queue delivery tasks. Never raises: what cannot be queued now is left to the sweeper."""
    from webhooks.tasks import deliver_task

    for delivery_id in delivery_ids:
        try:
            deliver_task.apply_async(args=[delivery_id], retry=False)
        except Exception:
            logger.warning("webhooks: could not queue delivery %s; the sweeper will", delivery_id)
            return


@transaction.atomic
def webhook_deliveries_for_event(event: OutboxEvent) -> list[WebhookDelivery]:
    """Outbox handler: one delivery per active endpoint subscribed to the event's topic. Idempotent."""
    endpoints = list(
        WebhookEndpoint.all_orgs.filter(
            organization_id=event.organization_id, active=True, events__contains=[event.topic]
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not endpoints:
        return []
    payload = _event_payload(event)
    if payload is None:
        return []
    now = timezone.now()
    # One INSERT for every endpoint, skipping deliveries that exist (the unique endpoint and event).
    created = prepared.insert(
        [
            WebhookDelivery(
                organization_id=event.organization_id,
                endpoint_id=endpoint_id,
                event_id=event.pk,
                topic=event.topic,
                payload=payload,
                created_at=now,
                next_attempt_at=now,
                enqueued_at=now,
            )
            for endpoint_id in endpoints
        ],
        ignore_conflicts=True,
        match_by="endpoint",
    )
    if created:
        ids = [delivery.pk for delivery in created]
        transaction.on_commit(lambda: _enqueue(ids), robust=True)
    return created


def handle_outbox_event(event: OutboxEvent) -> None:
    """The handler registered with the outbox for every webhook topic."""
    webhook_deliveries_for_event(event)


@transaction.atomic
def webhook_endpoint_ping(*, endpoint: WebhookEndpoint, actor: Membership) -> WebhookDelivery:
    """Send a test event with a sample response, whether or not the endpoint is active."""
    now = timezone.now()
    delivery = WebhookDelivery.all_orgs.create(
        organization=endpoint.organization,
        endpoint=endpoint,
        event_id=None,
        topic=PING_TOPIC,
        payload={"test": True, "response": sample_response_payload(now=now)},
        next_attempt_at=now,
        enqueued_at=now,
    )
    transaction.on_commit(lambda: _enqueue([delivery.pk]), robust=True)
    return delivery


@transaction.atomic
def webhook_delivery_retry(*, delivery: WebhookDelivery, actor: Membership) -> WebhookDelivery:
    """Try a failed delivery once more, now. If that attempt fails too, it is failed again."""
    now = timezone.now()
    updated = WebhookDelivery.all_orgs.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.PENDING, next_attempt_at=now, enqueued_at=now
    )
    if not updated:
        raise ValidationError(_("Only a failed delivery can be retried."))
    delivery.refresh_from_db()
    transaction.on_commit(lambda: _enqueue([delivery.pk]), robust=True)
    return delivery


# --- sending -----------------------------------------------------------------------------------------


def post_once(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST once, without following redirects. Returns (status code or None, error text or "").

    An address that resolves into a private network is refused before connecting (core/outbound.py).
    """
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None, _("Enter a valid URL such as https://example.com/webhooks/cx.")
    refusal = resolved_refusal(parts.hostname or "", port)
    if refusal is not None:
        return None, refusal
    try:
        with requests.post(
            url,
            data=body,
            headers=headers,
            timeout=REQUEST_TIMEOUT_SECONDS,
            allow_redirects=False,
            stream=True,
        ) as answer:
            if 200 <= answer.status_code < 300:
                return answer.status_code, ""
            excerpt = answer.raw.read(BODY_EXCERPT_LIMIT, decode_content=True) or b""
            text = excerpt.decode("utf-8", "replace").strip()
            error = f"HTTP {answer.status_code}" + (f": {text}" if text else "")
            if 300 <= answer.status_code < 400:
                error = _("HTTP %(code)s: redirects are not followed; use the final URL.") % {
                    "code": answer.status_code
                }
            return answer.status_code, error
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    claimed = WebhookDelivery.all_orgs.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    return WebhookDelivery.all_orgs.select_related("endpoint").get(pk=delivery_id)


def _finish(delivery: WebhookDelivery, **fields: Any) -> WebhookDelivery:
    # Only the attempt that holds the claim records its outcome; a sweep may have taken it back.
    WebhookDelivery.all_orgs.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_at=delivery.claimed_at
    ).update(**fields)
    delivery.refresh_from_db()
    return delivery


def _failure_fields(attempts: int, now: datetime, *, final: bool = False) -> dict[str, Any]:
    if final or attempts >= MAX_ATTEMPTS:
        return {"status": DeliveryStatus.FAILED, "claimed_at": None}
    wait = BACKOFF[min(attempts, len(BACKOFF)) - 1]
    return {
        "status": DeliveryStatus.PENDING,
        "next_attempt_at": now + wait,
        "enqueued_at": None,
        "claimed_at": None,
    }


def webhook_delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> WebhookDelivery | None:
    """Make one attempt at a due delivery. Returns None when another worker has it or it is not due.

    Not atomic on purpose: the claim commits before the request goes out, so a concurrent task or
    sweep sees "sending", and the request is never made inside an open transaction.
    """
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if not endpoint.active and delivery.topic != PING_TOPIC:
        return _finish(
            delivery,
            last_attempt_at=now,
            last_status_code=None,
            last_error=_("Not sent: the webhook is disabled."),
            response_time_ms=None,
            **_failure_fields(delivery.attempts, now, final=True),
        )
    refusal = url_refusal(endpoint.url)
    if refusal is not None:
        return _finish(
            delivery,
            last_attempt_at=now,
            last_status_code=None,
            last_error=refusal[:ERROR_LIMIT],
            response_time_ms=None,
            **_failure_fields(delivery.attempts, now, final=True),
        )
    body = delivery_body(delivery)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Cx-Event": delivery.topic,
        "X-Cx-Delivery": str(delivery.pk),
        "X-Cx-Timestamp": str(timestamp),
        "X-Cx-Signature": sign(endpoint.secret, delivery.pk, timestamp, body),
    }
    started = time.monotonic()
    status_code, error = post_once(endpoint.url, body, headers)
    elapsed_ms = int((time.monotonic() - started) * 1000)
    outcome: dict[str, Any] = {
        "last_attempt_at": now,
        "last_status_code": status_code,
        "last_error": error[:ERROR_LIMIT],
        "response_time_ms": elapsed_ms,
    }
    if not error:
        outcome.update(status=DeliveryStatus.SUCCEEDED, delivered_at=timezone.now(), claimed_at=None)
    else:
        outcome.update(_failure_fields(delivery.attempts, now))
    return _finish(delivery, **outcome)


def webhook_deliveries_sweep(*, now: datetime | None = None) -> list[int]:
    """Queue due deliveries and take back those whose worker died; returns the ids queued.

    Rows are locked with SKIP LOCKED and marked queued in one transaction, so two sweeps running at
    once never queue the same delivery; the task's own claim is the last guard against a double send.
    """
    now = now or timezone.now()
    with transaction.atomic():
        stuck = list(
            WebhookDelivery.all_orgs.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - STUCK_AFTER)
            .order_by("claimed_at")
            .values_list("pk", "attempts")[:SWEEP_BATCH]
        )
        lost_error = _("The attempt did not finish: its worker stopped.")
        for pk, attempts in stuck:
            WebhookDelivery.all_orgs.filter(pk=pk).update(
                last_error=lost_error, last_attempt_at=F("claimed_at"), **_failure_fields(attempts, now)
            )
        due = list(
            WebhookDelivery.all_orgs.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REQUEUE_AFTER))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        if due:
            WebhookDelivery.all_orgs.filter(pk__in=due).update(enqueued_at=now)
            transaction.on_commit(lambda: _enqueue(due), robust=True)
    return due
