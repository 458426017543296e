"""Moving tickets through their statuses, assigning, merging and bulk changes, with an audit event each time.

Opening a ticket from feedback is ``tickets.services.opening``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization, Team
from tickets.models import (
    OPEN_STATUSES,
    Outcome,
    Priority,
    RootCause,
    Ticket,
    TicketMessage,
    TicketResponse,
    TicketStatus,
)
from tickets.services.common import (
    lock_ticket,
    may_work,
    member_label,
    notify_assigned,
    sla_clocks,
    touch,
    user_of,
)
from tickets.services.events import ticket_event_record

if TYPE_CHECKING:
    from surveys.models import Survey

__all__ = [
    "BulkResult",
    "ticket_assign",
    "ticket_bulk",
    "ticket_change_status",
    "ticket_claim",
    "ticket_event_record",
    "ticket_merge",
    "ticket_set_priority",
    "ticket_set_team",
]

CLOSING = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
TRANSITIONS: dict[str, frozenset[str]] = {
    TicketStatus.NEW: frozenset(
        {TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED}
    ),
    TicketStatus.OPEN: frozenset({TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED}),
    TicketStatus.PENDING: frozenset({TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED}),
    TicketStatus.RESOLVED: frozenset({TicketStatus.CLOSED, TicketStatus.OPEN}),
    TicketStatus.CLOSED: frozenset({TicketStatus.OPEN}),
}


def _root_cause_of(ticket: Ticket, root_cause: RootCause | None) -> RootCause | None:
    if root_cause is None:
        return None
    if root_cause.organization_id != ticket.organization_id:
        raise ValidationError({"root_cause": _("Choose a root cause from the list.")})
    if not root_cause.active and root_cause.pk != ticket.root_cause_id:
        raise ValidationError({"root_cause": _("This root cause is no longer in use; choose another.")})
    return root_cause


def _check_status_change(
    ticket: Ticket,
    *,
    status: str,
    cause: RootCause | None,
    outcome: str,
    send_followup: bool,
    followup_survey: Survey | None,
) -> None:
    before = ticket.status
    if status not in TicketStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    if status == before:
        raise ValidationError(
            {"status": _("The ticket is already %(status)s.") % {"status": ticket.get_status_display()}}
        )
    if status not in TRANSITIONS[before]:
        raise ValidationError(
            {
                "status": _("A %(before)s ticket cannot be set to %(after)s.")
                % {"before": TicketStatus(before).label, "after": TicketStatus(status).label}
            }
        )
    errors: dict[str, str] = {}
    if status in CLOSING and cause is None:
        errors["root_cause"] = _("Choose the root cause before closing the ticket.")
    if outcome and outcome not in Outcome.values:
        errors["outcome"] = _("Choose an outcome from the list.")
    elif status == TicketStatus.RESOLVED and not (outcome or ticket.outcome):
        errors["outcome"] = _("Choose the outcome before resolving the ticket.")
    if send_followup and status in CLOSING and followup_survey is None:
        errors["followup_survey"] = _("Choose the follow-up survey to send.")
    if errors:
        raise ValidationError(errors)


def _move_clocks(ticket: Ticket, before: str, status: str, now: Any) -> list[str]:
    """Pause, resume, stop or restart the SLA clocks for a status change; the extra fields to save."""
    clocks = sla_clocks()
    fields: list[str] = []
    if status == TicketStatus.PENDING:
        clocks.sla_pause(ticket=ticket, now=now)
    elif status == TicketStatus.OPEN and before == TicketStatus.PENDING:
        clocks.sla_resume(ticket=ticket, now=now)
    elif status in CLOSING and before in OPEN_STATUSES:
        clocks.sla_resolved(ticket=ticket, at=now)
    elif status == TicketStatus.OPEN:  # reopened
        clocks.sla_reopened(ticket=ticket, now=now)
        ticket.closed_at = None
        fields.append("closed_at")
    if status == TicketStatus.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    return fields


@transaction.atomic
def ticket_change_status(
    *,
    ticket: Ticket,
    actor: Membership,
    status: str,
    root_cause: RootCause | None = None,
    outcome: str = "",
    outcome_note: str = "",
    send_followup: bool = False,
    followup_survey: Survey | None = None,
) -> Ticket:
    """Move the ticket to ``status``; closing and resolving need a root cause (resolving an outcome too)."""
    ticket = lock_ticket(ticket)
    before = ticket.status
    cause = _root_cause_of(ticket, root_cause) or ticket.root_cause
    _check_status_change(
        ticket,
        status=status,
        cause=cause,
        outcome=outcome,
        send_followup=send_followup,
        followup_survey=followup_survey,
    )
    fields = ["status"]
    ticket.status = status
    if cause is not None and cause.pk != ticket.root_cause_id:
        ticket.root_cause = cause
        fields.append("root_cause")
    if outcome:
        ticket.outcome = outcome
        fields.append("outcome")
    if outcome_note.strip():
        ticket.outcome_note = outcome_note.strip()
        fields.append("outcome_note")
    reopened = before in CLOSING and status == TicketStatus.OPEN
    fields += _move_clocks(ticket, before, status, timezone.now())
    try:
        with transaction.atomic():
            touch(ticket, *fields)
    except IntegrityError:
        raise ValidationError(
            {"status": _("This contact already has another open ticket: merge this one into it instead.")}
        ) from None
    ticket_event_record(
        ticket=ticket,
        actor=actor.user,
        kind="reopened" if reopened else "status_changed",
        data={
            "from": before,
            "to": status,
            "root_cause": str(ticket.root_cause) if "root_cause" in fields and ticket.root_cause else None,
            "outcome": outcome or None,
        },
    )
    if send_followup and followup_survey is not None and status in CLOSING:
        from tickets.services.followup import ticket_followup_send

        ticket_followup_send(ticket=ticket, survey=followup_survey, actor=actor)
    return ticket


# --- priority, assignment, team ----------------------------------------------------------------------


@transaction.atomic
def ticket_set_priority(*, ticket: Ticket, actor: Membership, priority: str) -> Ticket:
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Choose a priority from the list.")})
    ticket = lock_ticket(ticket)
    before = ticket.priority
    if before == priority:
        return ticket
    ticket.priority = priority
    touch(ticket, "priority")
    ticket_event_record(
        ticket=ticket, actor=actor.user, kind="priority_changed", data={"from": before, "to": priority}
    )
    return ticket


def _check_assignee(ticket: Ticket, assignee: Membership | None) -> None:
    if assignee is None:
        return
    if assignee.organization_id != ticket.organization_id:
        raise ValidationError({"assignee": _("Choose a member of this organisation.")})
    if not may_work(assignee):
        raise ValidationError(
            {"assignee": _("%(name)s may not work tickets.") % {"name": assignee.user.display_name}}
        )


@transaction.atomic
def ticket_assign(*, ticket: Ticket, actor: Membership | None, assignee: Membership | None) -> Ticket:
    _check_assignee(ticket, assignee)
    ticket = lock_ticket(ticket)
    before = ticket.assignee
    if (before.pk if before else None) == (assignee.pk if assignee else None):
        return ticket
    ticket.assignee = assignee
    touch(ticket, "assignee")
    ticket_event_record(
        ticket=ticket,
        actor=user_of(actor),
        kind="assigned" if assignee is not None else "unassigned",
        data={"from": member_label(before), "to": member_label(assignee)},
    )
    notify_assigned(ticket, actor)
    return ticket


@transaction.atomic
def ticket_claim(*, ticket: Ticket, actor: Membership) -> Ticket:
    if not may_work(actor):
        raise ValidationError(_("Your role may not work tickets."))
    ticket = lock_ticket(ticket)
    if ticket.assignee_id == actor.pk:
        return ticket
    if ticket.assignee_id is not None:
        raise ValidationError(
            _("This ticket is already assigned to %(name)s.") % {"name": member_label(ticket.assignee)}
        )
    ticket.assignee = actor
    touch(ticket, "assignee")
    ticket_event_record(ticket=ticket, actor=actor.user, kind="claimed", data={"to": member_label(actor)})
    return ticket


@transaction.atomic
def ticket_set_team(*, ticket: Ticket, actor: Membership, team: Team | None) -> Ticket:
    """Move the ticket to another team; its SLA policy is applied again for that team."""
    if team is not None and team.organization_id != ticket.organization_id:
        raise ValidationError({"team": _("Choose a team from the list.")})
    ticket = lock_ticket(ticket)
    before = ticket.team
    if (before.pk if before else None) == (team.pk if team else None):
        return ticket
    ticket.team = team
    touch(ticket, "team")
    if ticket.is_open:
        sla_clocks().sla_apply(ticket=ticket)
    ticket_event_record(
        ticket=ticket,
        actor=actor.user,
        kind="team_changed",
        data={"from": before.name if before else None, "to": team.name if team else None},
    )
    return ticket


# --- bulk and merge ----------------------------------------------------------------------------------


@dataclass
class BulkResult:
    changed: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


BULK_ACTIONS = ("claim", "assign", "team", "priority", "status")


def _bulk_one(ticket: Ticket, actor: Membership, action: str, value: str) -> None:
    organization_id = ticket.organization_id
    if action == "claim":
        ticket_claim(ticket=ticket, actor=actor)
    elif action == "assign":
        assignee = None
        if value:
            assignee = Membership.all_orgs.filter(organization_id=organization_id, pk=_int(value)).first()
            if assignee is None:
                raise ValidationError(_("Choose a member of this organisation."))
        ticket_assign(ticket=ticket, actor=actor, assignee=assignee)
    elif action == "team":
        team = (
            Team.all_orgs.filter(organization_id=organization_id, pk=_int(value)).first() if value else None
        )
        if value and team is None:
            raise ValidationError(_("Choose a team from the list."))
        ticket_set_team(ticket=ticket, actor=actor, team=team)
    elif action == "priority":
        ticket_set_priority(ticket=ticket, actor=actor, priority=value)
    else:
        ticket_change_status(ticket=ticket, actor=actor, status=value)


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _reason(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@transaction.atomic
def ticket_bulk(
    *, organization: Organization, actor: Membership, ticket_ids: list[int], action: str, value: str = ""
) -> BulkResult:
    """Apply one action to many tickets; each failure is skipped with its reason, the rest go through."""
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": _("Choose an action from the list.")})
    result = BulkResult()
    tickets = {
        ticket.pk: ticket
        for ticket in Ticket.all_orgs.filter(organization=organization, pk__in=ticket_ids).order_by("pk")
    }
    for ticket_id in dict.fromkeys(ticket_ids):
        ticket = tickets.get(ticket_id)
        if ticket is None:
            result.skipped.append((ticket_id, _("Not found.")))
            continue
        try:
            with transaction.atomic():
                _bulk_one(ticket, actor, action, value)
        except ValidationError as exc:
            result.skipped.append((ticket_id, _reason(exc)))
            continue
        result.changed += 1
    return result


@transaction.atomic
def ticket_merge(*, source: Ticket, target: Ticket, actor: Membership) -> Ticket:
    """Move the source's conversation and feedback into the target and close the source."""
    if source.organization_id != target.organization_id or source.pk == target.pk:
        raise ValidationError({"target": _("Choose another ticket of this organisation.")})
    first, second = sorted([source, target], key=lambda item: item.pk)
    lock_ticket(first)
    lock_ticket(second)
    if source.merged_into_id is not None:
        raise ValidationError({"target": _("This ticket was already merged.")})
    if target.merged_into_id is not None:
        raise ValidationError({"target": _("That ticket was merged into another one; merge into that one.")})
    if not target.is_open and source.is_open:
        raise ValidationError({"target": _("Merge into a ticket that is still open, or reopen it first.")})
    moved_messages = TicketMessage.all_orgs.filter(ticket=source).update(ticket=target)
    moved_responses = TicketResponse.all_orgs.filter(ticket=source).update(ticket=target)
    now = timezone.now()
    before = source.status
    fields = ["merged_into"]
    source.merged_into = target
    if source.is_open:
        sla_clocks().sla_resolved(ticket=source, at=now)
        source.status = TicketStatus.CLOSED
        source.closed_at = now
        fields += ["status", "closed_at"]
    touch(source, *fields)
    if target.contact_id is None and source.contact_id is not None:
        target.contact_id = source.contact_id
        try:
            with transaction.atomic():
                touch(target, "contact")
        except IntegrityError:
            target.contact_id = None
    ticket_event_record(
        ticket=source,
        actor=actor.user,
        kind="merged_into",
        data={"target": target.pk, "from": before, "messages": moved_messages, "responses": moved_responses},
    )
    ticket_event_record(
        ticket=target,
        actor=actor.user,
        kind="merged_from",
        data={"source": source.pk, "messages": moved_messages, "responses": moved_responses},
    )
    return target
