"""Routing rules (which team gets a ticket) and assignment inside the team.

Assignment is serialised per team by locking the team's ``TeamQueue`` row (``SELECT ... FOR UPDATE``)
in the transaction that creates the ticket: a concurrent ticket for the same team waits for the lock
and then sees the committed ``last_assigned`` (round-robin) or the committed ticket (least-loaded).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization, Team
from accounts.services import audit_record
from feedback.models import Response
from tickets.models import AssignmentMode, Priority, RoutingRule, TeamQueue, Ticket, TicketStatus
from tickets.services.common import WORKER_ROLES

PRIORITY_RANK = {value: rank for rank, value in enumerate(Priority.values)}
# Tickets whose clock is running count towards an agent's load; pending ones do not.
LOADED_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN)


# --- rules -------------------------------------------------------------------------------------------


def _audit_state(rule: RoutingRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "active": rule.active,
        "position": rule.position,
        "conditions": rule.conditions,
        "team": rule.team_id,
        "priority": rule.priority,
    }


def _clean_rule(
    *, organization: Organization, name: str, conditions: object, team: Team | None, priority: str
) -> tuple[str, dict[str, Any]]:
    from feedback.alerts.conditions import validate_conditions

    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = _("Give the rule a name.")
    if team is None or team.organization_id != organization.pk:
        errors["team"] = _("Choose a team.")
    if priority and priority not in Priority.values:
        errors["priority"] = _("Choose a priority from the list.")
    clean: dict[str, Any] = {}
    try:
        clean = validate_conditions(conditions)
    except ValidationError as exc:
        errors["conditions"] = " ".join(exc.messages)
    if errors:
        raise ValidationError(errors)
    return name, clean


@transaction.atomic
def routing_rule_create(
    *,
    organization: Organization,
    actor: Membership,
    name: str,
    conditions: object,
    team: Team | None,
    priority: str = "",
    active: bool = True,
) -> RoutingRule:
    name, clean = _clean_rule(
        organization=organization, name=name, conditions=conditions, team=team, priority=priority
    )
    last = RoutingRule.all_orgs.filter(organization=organization).aggregate(last=Max("position"))["last"]
    rule = RoutingRule.all_orgs.create(
        organization=organization,
        name=name,
        conditions=clean,
        team=team,
        priority=priority,
        active=active,
        position=(last + 1) if last is not None else 0,
    )
    audit_record(
        organization=organization,
        actor=actor.user,
        action="routing_rule.created",
        target=rule,
        after=_audit_state(rule),
    )
    return rule


@transaction.atomic
def routing_rule_update(
    *,
    rule: RoutingRule,
    actor: Membership,
    name: str,
    conditions: object,
    team: Team | None,
    priority: str = "",
    active: bool = True,
) -> RoutingRule:
    name, clean = _clean_rule(
        organization=rule.organization, name=name, conditions=conditions, team=team, priority=priority
    )
    before = _audit_state(rule)
    rule.name, rule.conditions, rule.team, rule.priority, rule.active = name, clean, team, priority, active  # type: ignore[assignment]
    rule.save(update_fields=["name", "conditions", "team", "priority", "active"])
    audit_record(
        organization=rule.organization,
        actor=actor.user,
        action="routing_rule.updated",
        target=rule,
        before=before,
        after=_audit_state(rule),
    )
    return rule


@transaction.atomic
def routing_rule_delete(*, rule: RoutingRule, actor: Membership) -> None:
    audit_record(
        organization=rule.organization,
        actor=actor.user,
        action="routing_rule.deleted",
        target=rule,
        before=_audit_state(rule),
    )
    rule.delete()


@transaction.atomic
def routing_rule_move(*, rule: RoutingRule, actor: Membership, direction: str) -> RoutingRule:
    """Swap the rule with its neighbour above ("up") or below ("down"); positions are renumbered 0..n."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Move a rule up or down."))
    rules = list(
        RoutingRule.all_orgs.select_for_update()
        .filter(organization_id=rule.organization_id)
        .order_by("position", "pk")
    )
    index = next(i for i, item in enumerate(rules) if item.pk == rule.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
    for position, item in enumerate(rules):
        if item.position != position:
            item.position = position
            RoutingRule.all_orgs.filter(pk=item.pk).update(position=position)
    moved = rules[other] if 0 <= other < len(rules) else rules[index]
    audit_record(
        organization=rule.organization,
        actor=actor.user,
        action="routing_rule.moved",
        target=moved,
        after={"position": moved.position},
    )
    return moved


# --- routing a ticket --------------------------------------------------------------------------------


def more_urgent(first: str, second: str) -> str:
    return first if PRIORITY_RANK.get(first, -1) >= PRIORITY_RANK.get(second, -1) else second


def ticket_route(*, ticket: Ticket, response: Response | None) -> RoutingRule | None:
    """The first active rule (by position) whose conditions hold on ``response``.

    Sets the ticket's team, routing rule and priority (the more urgent of the ticket's and the rule's)
    on the instance; the caller saves.
    """
    if response is None:
        return None
    from feedback.alerts.conditions import evaluate, facts_for

    rules = list(
        RoutingRule.all_orgs.filter(organization_id=ticket.organization_id, active=True)
        .select_related("team")
        .order_by("position", "pk")
    )
    if not rules:
        return None
    facts = facts_for(response)
    for rule in rules:
        matched, _trace = evaluate(rule.conditions, facts)
        if matched:
            ticket.team = rule.team
            ticket.routing_rule = rule
            if rule.priority:
                ticket.priority = more_urgent(ticket.priority, rule.priority)
            return rule
    return None


def team_workers(*, team: Team) -> list[Membership]:
    """The team's members who may work tickets and are not away, by membership id."""
    return list(
        Membership.all_orgs.filter(
            organization_id=team.organization_id,
            team_memberships__team=team,
            role__in=WORKER_ROLES,
            is_away=False,
        )
        .select_related("user")
        .order_by("pk")
        .distinct()
    )


def team_queue_lock(*, team: Team) -> TeamQueue:
    """The team's queue row, locked until the transaction ends (created with defaults on first use)."""
    TeamQueue.all_orgs.get_or_create(organization_id=team.organization_id, team=team)
    return TeamQueue.all_orgs.select_for_update().get(organization_id=team.organization_id, team=team)


@transaction.atomic
def assignee_pick(*, team: Team) -> Membership | None:
    """Who gets the team's next ticket: round-robin or least-loaded among available workers; manual → None.

    Holds the lock on the team's queue row until the caller's transaction ends, so the ticket being
    assigned must be saved in that same transaction.
    """
    queue = team_queue_lock(team=team)
    if queue.assignment == AssignmentMode.MANUAL:
        return None
    workers = team_workers(team=team)
    if not workers:
        return None
    if queue.assignment == AssignmentMode.LEAST_LOADED:
        loads = dict(
            Membership.all_orgs.filter(pk__in=[worker.pk for worker in workers])
            .annotate(
                load=Count(
                    "assigned_tickets",
                    filter=Q(assigned_tickets__status__in=LOADED_STATUSES),
                )
            )
            .values_list("pk", "load")
        )
        chosen = min(workers, key=lambda worker: (loads.get(worker.pk, 0), worker.pk))
    else:
        last = queue.last_assigned_id or 0
        chosen = next((worker for worker in workers if worker.pk > last), workers[0])
    queue.last_assigned = chosen
    queue.save(update_fields=["last_assigned"])
    return chosen
