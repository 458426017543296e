"""Opening tickets from feedback: one per response, one open per contact, routed, assigned and clocked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Membership
from feedback.models import Response
from tickets.models import OPEN_STATUSES, Priority, Ticket, TicketResponse
from tickets.selectors import escalation_managers
from tickets.services.common import member_label, new_token, notify_assigned, sla_clocks, touch, user_of
from tickets.services.events import ticket_event_record
from tickets.services.notifications import notify
from tickets.services.routing import assignee_pick, ticket_route

if TYPE_CHECKING:
    from feedback.models import AlertRule

SUBJECT_LIMIT = 200


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
            touch(existing)
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
    sla_clocks().sla_apply(ticket=ticket, now=now)
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
            "assignee": member_label(ticket.assignee),
            "priority": ticket.priority,
        },
    )
    notify_assigned(ticket, actor)
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
