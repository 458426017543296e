"""The periodic SLA scan: raise each due warning, breach and escalation exactly once.

Tickets are found through the partial index on ``sla_next_check_at`` and locked in batches with
``FOR UPDATE SKIP LOCKED``, so two scanners never work the same ticket at once; the unique
``SlaNotice`` row per (ticket, clock, kind) is the second guard: a notice is announced (event and
notifications) only by the transaction that inserted it. Announcements are written in the same
transaction as the notice, and notification emails leave after commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from core.tenancy import organization_context
from tickets.models import SlaClock, SlaNotice, Ticket
from tickets.selectors import escalation_managers
from tickets.sla.calendar import zone_or_none
from tickets.sla.clocks import BREACH, ESCALATION, Moment, pending_moments, sla_reschedule, team_queue_for

logger = logging.getLogger(__name__)

# One scan call works at most this many batches, so a ticket that cannot be rescheduled cannot spin it.
MAX_BATCHES = 50


def sla_scan(*, now: datetime | None = None, batch: int = 200) -> int:
    """Raise what is due at ``now``; returns the number of notices announced."""
    now = now if now is not None else timezone.now()
    announced = 0
    failed: set[int] = set()
    for _round in range(MAX_BATCHES):
        with transaction.atomic():
            tickets = list(
                Ticket.all_orgs.select_for_update(skip_locked=True, of=("self",))
                .filter(sla_next_check_at__lte=now)
                .exclude(pk__in=failed)
                .select_related("organization", "sla_policy", "team", "assignee")
                .order_by("sla_next_check_at")[:batch]
            )
            for ticket in tickets:
                try:
                    with transaction.atomic():
                        announced += _scan_ticket(ticket, now)
                except Exception:
                    logger.exception("sla scan: ticket %s failed", ticket.pk)
                    failed.add(ticket.pk)
        if len(tickets) < batch:
            break
    return announced


def _scan_ticket(ticket: Ticket, now: datetime) -> int:
    with organization_context(ticket.organization):
        if not ticket.is_open:
            ticket.sla_next_check_at = None
            ticket.save(update_fields=["sla_next_check_at"])
            return 0
        due = [moment for moment in pending_moments(ticket) if moment.at <= now]
        breached_now = {moment.clock for moment in due if moment.kind == BREACH}
        announced = 0
        for moment in due:
            _notice, created = SlaNotice.all_orgs.get_or_create(
                organization_id=ticket.organization_id,
                ticket=ticket,
                clock=moment.clock,
                kind=moment.kind,
                defaults={"due_at": moment.due_at, "raised_at": now},
            )
            if not created:
                continue
            if moment.kind.startswith("warning_") and moment.clock in breached_now:
                # Found late (the ticket arrived already overdue): the breach says it all.
                continue
            _announce(ticket, moment)
            announced += 1
        sla_reschedule(ticket=ticket)
        return announced


def _recipients(ticket: Ticket, moment: Moment) -> list[Membership]:
    lead: Membership | None = ticket.team.lead if ticket.team is not None else None
    assignee: Membership | None = ticket.assignee
    if moment.kind == ESCALATION:
        queue = team_queue_for(ticket.organization_id, ticket.team_id)
        if queue is not None and queue.escalation_manager is not None:
            return [queue.escalation_manager]
        return escalation_managers(organization_id=ticket.organization_id)
    if moment.kind == BREACH:
        people = [m for m in (assignee, lead) if m is not None]
        return people or escalation_managers(organization_id=ticket.organization_id)
    if assignee is not None:
        return [assignee]
    # A warning on a ticket nobody owns goes to whoever would hear of its breach.
    return [lead] if lead is not None else escalation_managers(organization_id=ticket.organization_id)


def _text(ticket: Ticket, moment: Moment) -> tuple[str, Callable[[], str]]:
    """The notification's kind and a function that words it in the active language (each recipient's)."""
    organization = ticket.organization
    tz = zone_or_none(organization.timezone) or zone_or_none("UTC")
    kind = {ESCALATION: "sla_escalation", BREACH: "sla_breach"}.get(moment.kind, "sla_warning")

    def render() -> str:
        clock = dict(SlaClock.choices)[moment.clock]
        due = formats.date_format(moment.due_at.astimezone(tz), "DATETIME_FORMAT")
        values = {"number": ticket.pk, "subject": ticket.subject, "clock": str(clock), "due": due}
        if moment.kind == ESCALATION:
            return (
                _(
                    "Escalated: ticket #%(number)s “%(subject)s” missed its %(clock)s deadline (%(due)s) "
                    "and is still open."
                )
                % values
            )
        if moment.kind == BREACH:
            return (
                _("SLA breached: ticket #%(number)s “%(subject)s” missed its %(clock)s deadline (%(due)s).")
                % values
            )
        percent = moment.kind.removeprefix("warning_")
        return _(
            "SLA warning: ticket #%(number)s “%(subject)s” has used %(percent)s %% of its %(clock)s time; "
            "due %(due)s."
        ) % {**values, "percent": percent}

    return kind, render


def _announce(ticket: Ticket, moment: Moment) -> None:
    from tickets.services.events import ticket_event_record
    from tickets.services.notifications import notify

    kind, text = _text(ticket, moment)
    recipients = _recipients(ticket, moment)
    notify(recipients=recipients, kind=kind, text=text, ticket=ticket, email_pref="email_sla")
    level = {BREACH: 1, ESCALATION: 2}.get(moment.kind, 0)
    ticket_event_record(
        ticket=ticket,
        actor=None,
        kind=kind,
        data={
            "clock": moment.clock,
            "notice": moment.kind,
            "due_at": moment.due_at.isoformat(),
            "level": level,
            "notified": sorted({member.pk for member in recipients}),
        },
        label="SLA",
    )
