from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import AuditEvent
from feedback.models import Response
from tickets.models import RoutingRule, Ticket, TicketResponse
from tickets.services.opening import ticket_open_for_response
from tickets.services.routing import (
    routing_rule_create,
    routing_rule_delete,
    routing_rule_move,
    routing_rule_update,
)


def _concurrently(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call in its own thread and database connection, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # reported by the assertion below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def _open(response_id: int) -> Callable[[], tuple[int, bool]]:
    def call() -> tuple[int, bool]:
        response = Response.all_orgs.get(pk=response_id)
        ticket, created = ticket_open_for_response(response=response)
        return ticket.pk, created

    return call


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_concurrent_opens_for_different_contacts_alternate_assignees(
    attempt, make_response, team, route_all, agents
):
    route_all(team)
    first, second = make_response(), make_response()

    results = _concurrently(_open(first.pk), _open(second.pk))

    assert [created for _pk, created in results] == [True, True]
    assignees = sorted(Ticket.all_orgs.values_list("assignee_id", flat=True))
    assert assignees == [agents[0].pk, agents[1].pk]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_concurrent_least_loaded_opens_spread_the_load(attempt, make_response, make_team, route_all, agents):
    route_all(make_team(agents[:2], name="Least", assignment="least_loaded"))
    first, second = make_response(), make_response()

    _concurrently(_open(first.pk), _open(second.pk))

    assert sorted(Ticket.all_orgs.values_list("assignee_id", flat=True)) == [agents[0].pk, agents[1].pk]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_concurrent_opens_for_the_same_contact_give_one_ticket(attempt, make_response, team, route_all):
    route_all(team)
    first = make_response()
    second = make_response(contact=first.contact)

    results = _concurrently(_open(first.pk), _open(second.pk))

    ticket = Ticket.all_orgs.get()
    assert sorted(results) == [(ticket.pk, False), (ticket.pk, True)]
    assert sorted(TicketResponse.all_orgs.filter(ticket=ticket).values_list("response_id", flat=True)) == [
        first.pk,
        second.pk,
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_opens_for_the_same_response_give_one_ticket(make_response, team, route_all):
    route_all(team)
    response = make_response()

    results = _concurrently(_open(response.pk), _open(response.pk))

    ticket = Ticket.all_orgs.get()
    assert sorted(results) == [(ticket.pk, False), (ticket.pk, True)]


@pytest.mark.django_db
def test_first_matching_rule_by_position_wins(organization, manager, make_team, agents, make_response):
    care = make_team(agents[:1], name="Care")
    billing = make_team(agents[1:2], name="Billing")
    routing_rule_create(
        organization=organization,
        actor=manager,
        name="Refunds",
        conditions={"match": "all", "conditions": [{"field": "text", "op": "keywords", "value": ["refund"]}]},
        team=billing,
        priority="urgent",
    )
    routing_rule_create(
        organization=organization,
        actor=manager,
        name="Everything",
        conditions={"match": "all", "conditions": []},
        team=care,
    )

    refund, _ = ticket_open_for_response(response=make_response(comment="I want a REFUND now"))
    other, _ = ticket_open_for_response(response=make_response())

    assert (refund.team_id, refund.priority, refund.routing_rule.name) == (billing.pk, "urgent", "Refunds")
    assert (other.team_id, other.priority, other.routing_rule.name) == (care.pk, "normal", "Everything")


@pytest.mark.django_db
def test_rules_are_validated_moved_updated_and_audited(organization, manager, make_team, agents):
    care = make_team(agents[:1], name="Care")
    with pytest.raises(ValidationError) as caught:
        routing_rule_create(
            organization=organization,
            actor=manager,
            name=" ",
            conditions={"match": "all", "conditions": [{"field": "nope", "op": "eq", "value": 1}]},
            team=None,
            priority="asap",
        )
    first = routing_rule_create(
        organization=organization,
        actor=manager,
        name="A",
        conditions={"match": "all", "conditions": []},
        team=care,
    )
    second = routing_rule_create(
        organization=organization,
        actor=manager,
        name="B",
        conditions={"match": "all", "conditions": []},
        team=care,
    )

    routing_rule_move(rule=second, actor=manager, direction="up")
    routing_rule_update(
        rule=first,
        actor=manager,
        name="A2",
        conditions={"match": "any", "conditions": []},
        team=care,
        active=False,
    )
    routing_rule_delete(rule=second, actor=manager)

    assert sorted(caught.value.message_dict) == ["conditions", "name", "priority", "team"]
    assert list(RoutingRule.all_orgs.values_list("name", "position", "active")) == [("A2", 1, False)]
    assert list(AuditEvent.all_orgs.order_by("pk").values_list("action", flat=True)) == [
        "routing_rule.created",
        "routing_rule.created",
        "routing_rule.moved",
        "routing_rule.updated",
        "routing_rule.deleted",
    ]
