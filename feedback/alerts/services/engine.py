"""Evaluating alert rules on a finished response: the trace, cooldowns, and the deliveries to make.

Flow: ``response.finished`` is recorded in the outbox with the response; its handler here evaluates
every active rule (by position) once per response. Each rule is evaluated in its own transaction with
its row locked, so two workers handling the same event, or two responses racing for the same cooldown,
are serialised per rule. The unique constraints on matches and deliveries make running twice harmless.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from core import prepared
from core.models import OutboxEvent
from feedback.alerts.actions import HELD_IN_QUIET_HOURS, Action
from feedback.alerts.models import (
    AlertChannel,
    AlertDelivery,
    AlertDeliveryStatus,
    AlertDigestEntry,
    AlertMatch,
    AlertRule,
    CooldownScope,
    DigestFrequency,
    MatchOutcome,
)
from feedback.models import Response
from feedback.selectors import response_visible_to

if TYPE_CHECKING:
    from feedback.alerts.conditions import ResponseFacts

logger = logging.getLogger(__name__)

TARGET_LIMIT = 500
DAILY_DIGEST_AT = time(8, 0)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def quiet_hours_end(rule: AlertRule, now: datetime, tz: ZoneInfo) -> datetime | None:
    """When the rule's quiet hours end, if ``now`` is inside them (in ``tz``); None otherwise."""
    start, end = rule.quiet_hours_start, rule.quiet_hours_end
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(tz)
    current = local.time().replace(tzinfo=None)
    today = local.date()
    if start < end:  # e.g. 12:00–14:00 on the same day
        inside, end_day = start <= current < end, today
    elif current >= start:  # e.g. 22:00–07:00, before midnight
        inside, end_day = True, today + timedelta(days=1)
    else:  # after midnight
        inside, end_day = current < end, today
    if not inside:
        return None
    return datetime.combine(end_day, end, tz).astimezone(UTC)


def digest_due_at(frequency: str, now: datetime, tz: ZoneInfo) -> datetime:
    """The next hour boundary (hourly) or the next 08:00 (daily) in the recipient's time zone."""
    local = now.astimezone(tz)
    if frequency == DigestFrequency.HOURLY:
        hour = local.replace(minute=0, second=0, microsecond=0)
        return hour.astimezone(UTC) + timedelta(hours=1)
    due = datetime.combine(local.date(), DAILY_DIGEST_AT, tz)
    if due <= local:
        due = datetime.combine(local.date() + timedelta(days=1), DAILY_DIGEST_AT, tz)
    return due.astimezone(UTC)


def _cooldown_key(rule: AlertRule, response: Response) -> str:
    if rule.cooldown_minutes == 0:
        return ""
    if rule.cooldown_scope == CooldownScope.RULE:
        return "rule"
    # Per contact: anonymous feedback cannot be told apart, so each anonymous response may fire.
    return str(response.contact_id) if response.contact_id is not None else ""


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _enqueue(delivery_ids: list[int]) -> None:
    """Queue delivery tasks. Never raises: what cannot be queued now is left to the sweeper."""
    from feedback.alerts.tasks import deliver_task

    for delivery_id in delivery_ids:
        try:
            deliver_task.apply_async(args=[delivery_id], retry=False)
        except Exception:
            logger.warning("alerts: could not queue delivery %s; the sweeper will", delivery_id)
            return


def enqueue_after_commit(delivery_ids: list[int]) -> None:
    if delivery_ids:
        transaction.on_commit(lambda: _enqueue(delivery_ids), robust=True)


def _email_plan(
    action: Action, rule: AlertRule, response: Response, now: datetime
) -> tuple[str, list[tuple[Membership, str]]]:
    """The immediate addresses (for the log) and the (member, frequency) pairs of digest recipients."""
    recipients = action.get("recipients", [])
    member_ids = [r["member"] for r in recipients if "member" in r]
    members = {
        m.pk: m
        for m in Membership.all_orgs.select_related("user").filter(
            organization_id=rule.organization_id, pk__in=member_ids
        )
    }
    immediate: list[str] = []
    digests: list[tuple[Membership, str]] = []
    for recipient in recipients:
        if "email" in recipient:
            immediate.append(recipient["email"])
            continue
        member = members.get(recipient.get("member", 0))
        if member is None:  # removed from the organisation since the rule was saved
            continue
        if not response_visible_to(membership=member, response=response):
            continue  # an access group keeps this response from them
        if recipient["frequency"] == DigestFrequency.IMMEDIATE:
            immediate.append(member.user.email)
        else:
            digests.append((member, recipient["frequency"]))
    return ", ".join(immediate)[:TARGET_LIMIT], digests


def _create_deliveries(rule: AlertRule, response: Response, now: datetime) -> list[int]:
    """One delivery per action (unique per rule, response and channel); returns the ids to queue now."""
    org_zone = zone(rule.organization.timezone)
    held_until = quiet_hours_end(rule, now, org_zone)
    rows: list[AlertDelivery] = []
    for action in rule.actions if isinstance(rule.actions, list) else []:
        channel = action.get("type")
        if channel not in AlertChannel.values:
            continue
        status, target, note = AlertDeliveryStatus.PENDING, "", ""
        if channel == AlertChannel.EMAIL:
            target, digests = _email_plan(action, rule, response, now)
            for member, frequency in digests:
                AlertDigestEntry.all_orgs.get_or_create(
                    organization_id=rule.organization_id,
                    rule=rule,
                    response=response,
                    recipient=member,
                    defaults={
                        "frequency": frequency,
                        "due_at": digest_due_at(frequency, now, zone(member.user.timezone)),
                        "created_at": now,
                    },
                )
            if not target:
                status = AlertDeliveryStatus.SKIPPED
                note = (
                    _("Every recipient gets this alert in a digest.") if digests else _("No recipients left.")
                )
        elif channel in (AlertChannel.WEBHOOK, AlertChannel.SLACK, AlertChannel.TEAMS):
            target = _host(str(action.get("url", "")))
        held = (
            held_until is not None
            and channel in HELD_IN_QUIET_HOURS
            and status == AlertDeliveryStatus.PENDING
        )
        rows.append(
            AlertDelivery(
                organization_id=rule.organization_id,
                rule=rule,
                response=response,
                channel=channel,
                status=status,
                target=target,
                last_error=note,
                created_at=now,
                held=held,
                next_attempt_at=held_until if held and held_until is not None else now,
                enqueued_at=None if held else now,
            )
        )
    return [
        delivery.pk
        # One INSERT, skipping (rule, response, channel) rows that exist: the first action per channel wins.
        for delivery in prepared.insert(rows, ignore_conflicts=True, match_by="channel")
        if delivery.status == AlertDeliveryStatus.PENDING and not delivery.held
    ]


@transaction.atomic
def _evaluate_rule(
    *, rule_id: int, response: Response, facts: ResponseFacts, now: datetime
) -> AlertMatch | None:
    from feedback.alerts.conditions import evaluate

    # The lock serialises evaluations of this rule: the cooldown check and the match insert are atomic.
    rule = (
        AlertRule.all_orgs.select_for_update(of=("self",))
        .select_related("organization")
        .filter(pk=rule_id, organization_id=response.organization_id, active=True)
        .first()
    )
    if rule is None:
        return None
    existing = AlertMatch.all_orgs.filter(
        organization_id=response.organization_id, rule=rule, response=response
    ).first()
    if existing is not None:
        return existing
    try:
        matched, trace = evaluate(rule.conditions, facts)
        trace_lines = [dict(line) for line in trace]
    except (ValidationError, KeyError, TypeError, ValueError):
        logger.exception("alerts: rule %s has conditions that cannot be evaluated", rule.pk)
        matched = False
        trace_lines = [{"label": _("The rule's conditions could not be read."), "result": False, "depth": 0}]
    outcome = MatchOutcome.NOT_MATCHED
    key = ""
    if matched:
        outcome = MatchOutcome.FIRED
        key = _cooldown_key(rule, response)
        if key:
            cooling = AlertMatch.all_orgs.filter(
                rule=rule,
                cooldown_key=key,
                outcome=MatchOutcome.FIRED,
                evaluated_at__gt=now - timedelta(minutes=rule.cooldown_minutes),
            ).exists()
            if cooling:
                outcome = MatchOutcome.COOLDOWN
    # No match exists (read above under the rule's lock, which every evaluation of the rule takes):
    # a plain INSERT, not get_or_create's SELECT and savepoint. The unique constraint still stands.
    match = AlertMatch.all_orgs.create(
        organization_id=response.organization_id,
        rule=rule,
        response=response,
        outcome=outcome,
        trace=trace_lines,
        cooldown_key=key,
        evaluated_at=now,
    )
    if match.outcome == MatchOutcome.FIRED:
        enqueue_after_commit(_create_deliveries(rule, response, now))
    return match


def _active_rule_ids(organization_id: int) -> list[int]:
    return list(
        AlertRule.all_orgs.filter(organization_id=organization_id, active=True)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )


def alert_rules_evaluate(
    *, response: Response, now: datetime | None = None, rule_ids: list[int] | None = None
) -> list[AlertMatch]:
    """Evaluate every active rule of the organisation on a finished response. Idempotent.

    ``rule_ids``: the active rules, when the caller has just read them."""
    if response.finished_at is None:
        return []
    now = now or timezone.now()
    if rule_ids is None:
        rule_ids = _active_rule_ids(response.organization_id)
    if not rule_ids:
        return []
    from feedback.alerts.conditions import facts_for

    facts = facts_for(response)
    matches = []
    for rule_id in rule_ids:
        match = _evaluate_rule(rule_id=rule_id, response=response, facts=facts, now=now)
        if match is not None:
            matches.append(match)
    return matches


def handle_response_finished(event: OutboxEvent) -> None:
    """The outbox handler for ``response.finished``. The rules first: an organisation without active
    rules costs one query, not the response's as well."""
    rule_ids = _active_rule_ids(event.organization_id)
    if not rule_ids:
        return
    response = (
        Response.all_orgs.select_related("organization", "contact", "survey", "touchpoint")
        .filter(organization_id=event.organization_id, pk=event.payload.get("response_id"))
        .first()
    )
    if response is None:
        return
    alert_rules_evaluate(response=response, rule_ids=rule_ids)
