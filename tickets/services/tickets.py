"""Opening, routing, assigning and moving tickets through their statuses, with an audit event each time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization, Team
from feedback.models import Response
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
from tickets.selectors import escalation_managers
from tickets.services.common import may_work, new_token, user_of
from tickets.services.events import ticket_event_record
from tickets.services.notifications import notify
from tickets.services.routing import assignee_pick, ticket_route

if TYPE_CHECKING:
    from feedback.models import AlertRule
    from surveys.models import Survey

__all__ = [
    "BulkResult",
    "ticket_assign",
    "ticket_bulk",
    "ticket_change_status",
    "ticket_claim",
    "ticket_event_record",
    "ticket_merge",
    "ticket_open_for_response",
    "ticket_set_priority",
    "ticket_set_team",
]

SUBJECT_LIMIT = 200
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


def _clocks() -> Any:
    from tickets.sla import clocks

    return clocks


def _lock(ticket: Ticket) -> Ticket:
    """Lock the ticket's row for this transaction and reload it, so concurrent changes queue up."""
    Ticket.all_orgs.select_for_update().filter(pk=ticket.pk).values_list("pk", flat=True).first()
    ticket.refresh_from_db()
    return ticket


def _touch(ticket: Ticket, *fields: str) -> None:
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=[*fields, "updated_at"])


def _label(membership: Membership | None) -> str | None:
    return membership.user.display_name if membership is not None else None


def default_subject(response: Response) -> str:
    """A subject in the organisation's language: whoever opens the ticket (a worker, an agent)."""
    with translation.override(response.organization.default_language):
        return _default_subject(response)


def _default_subject(response: Response) -> str:
    contact = response.contact
    who = (contact.name or contact.email) if contact is not None else ""
    who = who or _("an anonymous customer")
    survey = response.survey.name if response.survey is not None else ""
    if response.nps is not None:
        text = _("NPS %(score)s from %(who)s") % {"score": response.nps, "who": who}
    elif response.csat is not None:
        text = _("CSAT %(score)s from %(who)s") % {"score": response.csat, "who": who}
    else:
        text = _("Feedback from %(who)s") % {"who": who}
    if survey:
        text = f"{text} · {survey}"
    return text[:SUBJECT_LIMIT]


# --- opening -----------------------------------------------------------------------------------------


def _notify_assigned(ticket: Ticket, actor: Membership | None) -> None:
    if ticket.assignee is not None and (actor is None or ticket.assignee_id != actor.pk):
        notify(
            recipients=[ticket.assignee],
            kind="assigned",
            text=lambda: _("Ticket #%(number)s was assigned to you: %(subject)s")
            % {"number": ticket.pk, "subject": ticket.subject},
            ticket=ticket,
        )


def _open_once(
    *,
    response: Response,
    actor: Membership | None,
    alert_rule: AlertRule | None,
    priority: str,
    subject: str,
) -> tuple[Ticket, bool]:
    organization_id = response.organization_id
    user = user_of(actor)
    link = (
        TicketResponse.all_orgs.select_related("ticket")
        .filter(organization_id=organization_id, response=response)
        .first()
    )
    if link is not None:
        return link.ticket, False
    now = timezone.now()
    if response.contact_id is not None:
        existing = Ticket.all_orgs.filter(
            organization_id=organization_id, contact_id=response.contact_id, status__in=OPEN_STATUSES
        ).first()
        if existing is not None:
            TicketResponse.all_orgs.create(
                organization_id=organization_id, ticket=existing, response=response, added_at=now
            )
            ticket_event_record(
                ticket=existing,
                actor=user,
                kind="response_appended",
                data={"response": response.pk, "alert_rule": alert_rule.pk if alert_rule else None},
            )
            _touch(existing)
            return existing, False
    ticket = Ticket(
        organization_id=organization_id,
        subject=(subject.strip() or default_subject(response))[:SUBJECT_LIMIT],
        priority=priority,
        response=response,
        contact_id=response.contact_id,
        alert_rule=alert_rule,
        opened_by=user,
        reply_token=new_token(),
        feedback_at=response.received_at,
        created_at=now,
        updated_at=now,
    )
    ticket.save()
    TicketResponse.all_orgs.create(
        organization_id=organization_id, ticket=ticket, response=response, added_at=now
    )
    rule = ticket_route(ticket=ticket, response=response)
    if ticket.team is not None:
        ticket.assignee = assignee_pick(team=ticket.team)
    ticket.save(update_fields=["team", "routing_rule", "priority", "assignee"])
    _clocks().sla_apply(ticket=ticket, now=now)
    ticket_event_record(
        ticket=ticket,
        actor=user,
        kind="created",
        data={
            "response": response.pk,
            "alert_rule": alert_rule.pk if alert_rule else None,
            "alert_rule_name": alert_rule.name if alert_rule else None,
            "routing_rule": rule.pk if rule else None,
            "routing_rule_name": rule.name if rule else None,
            "team": ticket.team.name if ticket.team else None,
            "assignee": _label(ticket.assignee),
            "priority": ticket.priority,
        },
    )
    _notify_assigned(ticket, actor)
    if ticket.assignee is None and ticket.team is not None and ticket.team.lead is not None:
        team_name = ticket.team.name
        notify(
            recipients=[ticket.team.lead],
            kind="unassigned",
            text=lambda: _("New unassigned ticket #%(number)s in %(team)s: %(subject)s")
            % {"number": ticket.pk, "team": team_name, "subject": ticket.subject},
            ticket=ticket,
        )
    elif ticket.team is None and actor is None:
        # No routing rule matched: without this nobody would hear of the ticket before its breach.
        notify(
            recipients=escalation_managers(organization_id=ticket.organization_id),
            kind="unassigned",
            text=lambda: _("New ticket #%(number)s matched no routing rule: %(subject)s")
            % {"number": ticket.pk, "subject": ticket.subject},
            ticket=ticket,
        )
    return ticket, True


@transaction.atomic
def ticket_open_for_response(
    *,
    response: Response,
    actor: Membership | None = None,
    alert_rule: AlertRule | None = None,
    priority: str | None = None,
    subject: str = "",
) -> tuple[Ticket, bool]:
    """The ticket for ``response``: its existing one, the contact's open one (appended), or a new one.

    Idempotent, and safe against a concurrent open for the same response or contact: the loser of the
    race hits a unique constraint, rolls back to its savepoint and finds the winner's ticket.
    """
    chosen = priority or Priority.NORMAL
    if chosen not in Priority.values:
        raise ValidationError({"priority": _("Choose a priority from the list.")})
    if actor is not None and actor.organization_id != response.organization_id:
        raise ValidationError(_("This response belongs to another organisation."))
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _open_once(
                    response=response, actor=actor, alert_rule=alert_rule, priority=chosen, subject=subject
                )
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


# --- status ------------------------------------------------------------------------------------------


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
    clocks = _clocks()
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
    ticket = _lock(ticket)
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
            _touch(ticket, *fields)
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
    ticket = _lock(ticket)
    before = ticket.priority
    if before == priority:
        return ticket
    ticket.priority = priority
    _touch(ticket, "priority")
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
    ticket = _lock(ticket)
    before = ticket.assignee
    if (before.pk if before else None) == (assignee.pk if assignee else None):
        return ticket
    ticket.assignee = assignee
    _touch(ticket, "assignee")
    ticket_event_record(
        ticket=ticket,
        actor=user_of(actor),
        kind="assigned" if assignee is not None else "unassigned",
        data={"from": _label(before), "to": _label(assignee)},
    )
    _notify_assigned(ticket, actor)
    return ticket


@transaction.atomic
def ticket_claim(*, ticket: Ticket, actor: Membership) -> Ticket:
    if not may_work(actor):
        raise ValidationError(_("Your role may not work tickets."))
    ticket = _lock(ticket)
    if ticket.assignee_id == actor.pk:
        return ticket
    if ticket.assignee_id is not None:
        raise ValidationError(
            _("This ticket is already assigned to %(name)s.") % {"name": _label(ticket.assignee)}
        )
    ticket.assignee = actor
    _touch(ticket, "assignee")
    ticket_event_record(ticket=ticket, actor=actor.user, kind="claimed", data={"to": _label(actor)})
    return ticket


@transaction.atomic
def ticket_set_team(*, ticket: Ticket, actor: Membership, team: Team | None) -> Ticket:
    """Move the ticket to another team; its SLA policy is applied again for that team."""
    if team is not None and team.organization_id != ticket.organization_id:
        raise ValidationError({"team": _("Choose a team from the list.")})
    ticket = _lock(ticket)
    before = ticket.team
    if (before.pk if before else None) == (team.pk if team else None):
        return ticket
    ticket.team = team
    _touch(ticket, "team")
    if ticket.is_open:
        _clocks().sla_apply(ticket=ticket)
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
    _lock(first)
    _lock(second)
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
        _clocks().sla_resolved(ticket=source, at=now)
        source.status = TicketStatus.CLOSED
        source.closed_at = now
        fields += ["status", "closed_at"]
    _touch(source, *fields)
    if target.contact_id is None and source.contact_id is not None:
        target.contact_id = source.contact_id
        try:
            with transaction.atomic():
                _touch(target, "contact")
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
