"""Helpers for the SLA tests: tickets, teams with queues and calendars (imported, not a conftest)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from accounts.models import Membership, Organization, Team
from tests import factories
from tickets.models import BusinessCalendar, SlaPolicy, TeamQueue, Ticket
from tickets.sla.clocks import sla_apply


def make_ticket(
    organization: Organization, *, feedback_at: datetime, apply: bool = True, **fields: Any
) -> Ticket:
    ticket: Ticket = Ticket.all_orgs.create(
        organization=organization,
        subject=fields.pop("subject", "Late delivery"),
        reply_token=secrets.token_hex(16),
        feedback_at=feedback_at,
        created_at=feedback_at,
        **fields,
    )
    if apply:
        sla_apply(ticket=ticket, now=feedback_at)
    return ticket


def make_team(organization: Organization, **fields: Any) -> Team:
    team: Team = factories.TeamFactory(organization=organization, **fields)  # type: ignore[assignment]
    return team


def make_policy(organization: Organization, key: str = "support", **fields: Any) -> SlaPolicy:
    defaults: dict[str, Any] = {
        "name": "Support",
        "first_response_hours": 48,
        "resolution_hours": 120,
        "warn_at": [75],
        "escalate_to_manager_after_hours": 4,
    }
    defaults.update(fields)
    policy: SlaPolicy = SlaPolicy.all_orgs.create(organization=organization, key=key, **defaults)
    return policy


def make_queue(
    organization: Organization,
    team: Team,
    *,
    calendar: BusinessCalendar | None = None,
    policy_key: str = "",
    escalation_manager: Membership | None = None,
) -> TeamQueue:
    queue: TeamQueue = TeamQueue.all_orgs.create(
        organization=organization,
        team=team,
        calendar=calendar,
        sla_policy_key=policy_key,
        escalation_manager=escalation_manager,
    )
    return queue


def make_calendar(
    organization: Organization, *, name: str = "Berlin office", tz: str = "Europe/Berlin"
) -> BusinessCalendar:
    calendar: BusinessCalendar = BusinessCalendar.all_orgs.create(
        organization=organization, name=name, timezone=tz
    )
    return calendar
