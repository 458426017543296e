"""Reads for tickets: the queue with its filters and sort, a ticket, its history, notifications."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Least
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Membership, Organization
from accounts.roles import Role
from accounts.selectors import access_scope_for
from feedback.models import Contact, Response
from tickets.models import (
    CannedResponse,
    Notification,
    Priority,
    RootCause,
    SavedView,
    SlaNotice,
    Ticket,
    TicketEvent,
    TicketMessage,
    TicketStatus,
)

SORTS = ("deadline", "created", "-created", "priority")
SLA_FILTERS = ("breached", "due_soon", "paused")
# "Due soon": a warning was raised, or the deadline is this close.
DUE_SOON = timedelta(hours=4)
_PRIORITY_ORDER = Case(
    *(When(priority=value, then=Value(rank)) for rank, value in enumerate(reversed(Priority.values))),
    default=Value(len(Priority.values)),
    output_field=IntegerField(),
)


@dataclass
class TicketFilters:
    status: list[str] = field(default_factory=list)
    assignee: str = ""  # "me" | "unassigned" | a membership id
    team: int | None = None
    priority: list[str] = field(default_factory=list)
    sla: str = ""  # "breached" | "due_soon" | "paused"
    q: str = ""
    sort: str = "deadline"


def with_deadline(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate ``deadline``: the earliest due time of a running clock (None when none runs)."""
    first = Case(
        When(first_responded_at__isnull=True, paused_at__isnull=True, then=F("first_response_due_at")),
        default=None,
        output_field=DateTimeField(),
    )
    resolution = Case(
        When(resolved_at__isnull=True, paused_at__isnull=True, then=F("resolution_due_at")),
        default=None,
        output_field=DateTimeField(),
    )
    return queryset.annotate(deadline=Least(first, resolution))


def _scoped(organization: Organization, membership: Membership) -> QuerySet[Ticket]:
    tickets = Ticket.all_orgs.filter(organization=organization)
    scope = access_scope_for(membership=membership)
    if not scope.unrestricted:
        tickets = tickets.filter(Q(team_id__in=scope.team_ids) | Q(assignee=membership))
    return tickets


def _sla_filter(tickets: QuerySet[Ticket], sla: str) -> QuerySet[Ticket]:
    now = timezone.now()
    if sla == "breached":
        breach = SlaNotice.all_orgs.filter(ticket=OuterRef("pk"), kind="breach")
        return tickets.filter(Q(deadline__lt=now) | (Exists(breach) & Q(resolved_at__isnull=True)))
    if sla == "due_soon":
        warned = SlaNotice.all_orgs.filter(ticket=OuterRef("pk"), kind__startswith="warning")
        return tickets.filter(Q(deadline__gte=now) & (Q(deadline__lte=now + DUE_SOON) | Exists(warned)))
    if sla == "paused":
        return tickets.filter(status=TicketStatus.PENDING)
    return tickets


def _text_filter(tickets: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    text = text.strip()
    if not text:
        return tickets
    match = (
        Q(subject__icontains=text)
        | Q(contact__name__icontains=text)
        | Q(contact__email__icontains=text)
        | Q(response__comment__icontains=text)
    )
    if text.lstrip("#").isdigit():
        match |= Q(pk=int(text.lstrip("#")))
    return tickets.filter(match)


def _assignee_filter(tickets: QuerySet[Ticket], assignee: str, membership: Membership) -> QuerySet[Ticket]:
    if assignee == "me":
        return tickets.filter(assignee=membership)
    if assignee == "unassigned":
        return tickets.filter(assignee__isnull=True)
    if assignee.isdigit():
        return tickets.filter(assignee_id=int(assignee))
    return tickets


def ticket_list(
    *, organization: Organization, membership: Membership, filters: TicketFilters
) -> QuerySet[Ticket]:
    """The member's queue (limited to their teams when access groups restrict them), filtered and sorted."""
    tickets = with_deadline(_scoped(organization, membership)).select_related(
        "contact", "team", "assignee__user", "response", "root_cause"
    )
    if filters.status:
        tickets = tickets.filter(status__in=filters.status)
    tickets = _assignee_filter(tickets, filters.assignee, membership)
    if filters.team is not None:
        tickets = tickets.filter(team_id=filters.team)
    if filters.priority:
        tickets = tickets.filter(priority__in=filters.priority)
    tickets = _text_filter(_sla_filter(tickets, filters.sla), filters.q)
    by_deadline = F("deadline").asc(nulls_last=True)
    if filters.sort == "created":
        return tickets.order_by("created_at", "pk")
    if filters.sort == "-created":
        return tickets.order_by("-created_at", "-pk")
    if filters.sort == "priority":
        return tickets.annotate(priority_rank=_PRIORITY_ORDER).order_by("priority_rank", by_deadline, "pk")
    return tickets.order_by(by_deadline, "created_at", "pk")


def ticket_get(*, organization: Organization, ticket_id: int, membership: Membership | None = None) -> Ticket:
    """The ticket, or 404 (also for another organisation's, or one outside the member's access scope)."""
    tickets = (
        _scoped(organization, membership)
        if membership is not None
        else Ticket.all_orgs.filter(organization=organization)
    )
    return get_object_or_404(
        with_deadline(tickets).select_related(
            "contact",
            "team",
            "assignee__user",
            "response__survey",
            "response__contact",
            "root_cause__parent",
            "sla_policy",
            "alert_rule",
            "routing_rule",
            "merged_into",
            "followup_survey",
            "followup_response",
        ),
        pk=ticket_id,
    )


def ticket_history(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    return (
        TicketEvent.all_orgs.filter(organization_id=ticket.organization_id, ticket=ticket)
        .select_related("actor")
        .order_by("created_at", "pk")
    )


def ticket_messages(*, ticket: Ticket) -> QuerySet[TicketMessage]:
    return (
        TicketMessage.all_orgs.filter(organization_id=ticket.organization_id, ticket=ticket)
        .select_related("author__user")
        .order_by("created_at", "pk")
    )


def ticket_responses(*, ticket: Ticket) -> QuerySet[Response]:
    return (
        Response.all_orgs.filter(organization_id=ticket.organization_id, ticket_links__ticket=ticket)
        .select_related("survey", "contact", "touchpoint")
        .order_by("received_at", "pk")
    )


@dataclass(frozen=True)
class ContactHistory:
    responses: list[Response]
    tickets: list[Ticket]


def contact_history(
    *, organization: Organization, contact: Contact | None, limit: int = 20
) -> ContactHistory:
    """The contact's latest responses and tickets (empty for an anonymous ticket)."""
    if contact is None:
        return ContactHistory(responses=[], tickets=[])
    responses = list(
        Response.all_orgs.filter(organization=organization, contact=contact)
        .select_related("survey")
        .order_by("-received_at", "-pk")[:limit]
    )
    tickets = list(
        Ticket.all_orgs.filter(organization=organization, contact=contact)
        .select_related("assignee__user")
        .order_by("-created_at", "-pk")[:limit]
    )
    return ContactHistory(responses=responses, tickets=tickets)


def notification_list(*, membership: Membership, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.all_orgs.filter(
        organization_id=membership.organization_id, recipient=membership
    ).select_related("ticket")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-pk")


def unread_count(*, membership: Membership) -> int:
    return Notification.all_orgs.filter(
        organization_id=membership.organization_id, recipient=membership, read_at__isnull=True
    ).count()


def saved_view_list(*, organization: Organization, membership: Membership) -> QuerySet[SavedView]:
    """The member's own views and the shared ones."""
    return (
        SavedView.all_orgs.filter(organization=organization)
        .filter(Q(owner=membership) | Q(shared=True))
        .select_related("owner__user")
        .order_by("name", "pk")
    )


def canned_list(*, organization: Organization, language: str = "") -> QuerySet[CannedResponse]:
    canned = CannedResponse.all_orgs.filter(organization=organization)
    if language:
        canned = canned.filter(Q(language=language) | Q(language=""))
    return canned.order_by("name", "pk")


def root_cause_list(*, organization: Organization) -> QuerySet[RootCause]:
    return (
        RootCause.all_orgs.filter(organization=organization)
        .select_related("parent")
        .order_by(F("parent__name").asc(nulls_first=True), "name")
    )


def root_cause_choices(*, organization: Organization) -> list[tuple[str, list[tuple[int, str]]]]:
    """Active root causes grouped by category, for a select: [(category, [(id, label), ...]), ...].

    A category without children is offered itself; one with children offers its children.
    """
    causes = list(RootCause.all_orgs.filter(organization=organization, active=True).order_by("name"))
    children: dict[int, list[RootCause]] = {}
    for cause in causes:
        if cause.parent_id is not None:
            children.setdefault(cause.parent_id, []).append(cause)
    groups: list[tuple[str, list[tuple[int, str]]]] = []
    for cause in causes:
        if cause.parent_id is not None:
            continue
        kids = children.get(cause.pk, [])
        groups.append((cause.name, [(kid.pk, kid.name) for kid in kids] or [(cause.pk, cause.name)]))
    return groups


def ticket_for_response(*, organization: Organization, response: Response) -> Ticket | None:
    """The ticket a response belongs to, if any (the response page's "ticket" link)."""
    return (
        Ticket.all_orgs.filter(organization=organization, ticket_responses__response=response)
        .select_related("assignee__user")
        .first()
    )


def escalation_managers(*, organization_id: int) -> list[Membership]:
    """Who hears of what nobody else owns: the CX managers, or the owners and admins when there are none."""
    members = Membership.all_orgs.filter(organization_id=organization_id).select_related("user")
    managers = list(members.filter(role=Role.CX_MANAGER).order_by("pk"))
    return managers or list(members.filter(role__in=[Role.OWNER, Role.ADMIN]).order_by("pk"))


def ticket_for_webhook(*, organization_id: int, ticket_id: Any) -> Ticket | None:
    """The ticket a webhook event is about, with what its payload needs; None once it is gone."""
    if not isinstance(ticket_id, int):
        return None
    return (
        Ticket.all_orgs.select_related("team", "assignee__user", "root_cause__parent", "sla_policy")
        .filter(organization_id=organization_id, pk=ticket_id)
        .first()
    )
