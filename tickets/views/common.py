"""What the ticket pages share: the choices they offer and how a clock reads ("due in 3 h")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import Membership, Team
from accounts.roles import PERMISSIONS, Perm
from surveys.models import Survey, SurveyStatus
from tickets.models import OPEN_STATUSES, Ticket


def working_members() -> QuerySet[Membership]:
    """Members who may work tickets (assignees), in the organisation in context."""
    return (
        Membership.objects.filter(role__in=[str(r) for r in PERMISSIONS[Perm.TICKETS_WORK]])
        .select_related("user")
        .order_by("user__name", "user__email")
    )


def team_choices() -> QuerySet[Team]:
    return Team.objects.order_by("name")


def followup_surveys() -> QuerySet[Survey]:
    return Survey.objects.filter(status=SurveyStatus.LIVE).order_by("name")


def duration_text(seconds: float) -> str:
    """A short, rounded duration: "25 min", "3 h", "2 d 4 h"."""
    minutes = max(int(abs(seconds)) // 60, 0)
    if minutes < 60:
        return _("%(n)d min") % {"n": max(minutes, 1)}
    hours = minutes // 60
    if hours < 48:
        return _("%(n)d h") % {"n": hours}
    return _("%(days)d d %(hours)d h") % {"days": hours // 24, "hours": hours % 24}


@dataclass(frozen=True)
class ClockText:
    """How one clock reads in a list: ``state`` is "running", "overdue", "paused", "met" or "none"."""

    state: str
    text: str
    due_at: dt.datetime | None = None


def relative_due(due_at: dt.datetime, now: dt.datetime) -> ClockText:
    delta = (due_at - now).total_seconds()
    if delta < 0:
        return ClockText("overdue", _("overdue by %(time)s") % {"time": duration_text(delta)}, due_at)
    return ClockText("running", _("due in %(time)s") % {"time": duration_text(delta)}, due_at)


def queue_clock(ticket: Ticket, now: dt.datetime) -> ClockText:
    """The ticket's nearest deadline, from its stored fields (no query): the queue's "Due" column."""
    if ticket.status not in OPEN_STATUSES:
        return ClockText("met", _("done"))
    if ticket.paused_at is not None:
        return ClockText("paused", _("paused"))
    running = [
        due
        for due, stopped in (
            (ticket.first_response_due_at, ticket.first_responded_at),
            (ticket.resolution_due_at, ticket.resolved_at),
        )
        if due is not None and stopped is None
    ]
    if not running:
        return ClockText("none", _("no deadline"))
    return relative_due(min(running), now)
