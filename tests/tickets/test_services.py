from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tickets.models import Outcome, RootCause, Ticket, TicketEvent, TicketResponse, TicketStatus
from tickets.services.opening import ticket_open_for_response
from tickets.services.tickets import (
    ticket_assign,
    ticket_bulk,
    ticket_change_status,
    ticket_claim,
    ticket_merge,
    ticket_set_priority,
    ticket_set_team,
)

pytestmark = pytest.mark.django_db


def _kinds(ticket: Ticket) -> list[str]:
    return list(TicketEvent.all_orgs.filter(ticket=ticket).order_by("pk").values_list("kind", flat=True))


def test_open_creates_routes_assigns_and_applies_the_sla(make_response, team, route_all, agents):
    route_all(team, priority="high")
    response = make_response(nps=2)

    ticket, created = ticket_open_for_response(response=response)

    ticket.refresh_from_db()
    assert (created, ticket.status, ticket.team_id, ticket.assignee_id, ticket.priority) == (
        True,
        "new",
        team.pk,
        agents[0].pk,
        "high",
    )
    assert ticket.subject.startswith(f"NPS 2 from {response.contact.name}")
    assert ticket.feedback_at == response.received_at
    assert ticket.first_response_due_at is not None
    assert len(ticket.reply_token) == 32
    assert _kinds(ticket) == ["created"]
    assert list(TicketResponse.all_orgs.filter(ticket=ticket).values_list("response_id", flat=True)) == [
        response.pk
    ]


def test_open_is_idempotent_and_appends_the_contacts_new_feedback(make_response, team, route_all):
    route_all(team)
    first = make_response(nps=2)
    later = make_response(nps=4, contact=first.contact)

    ticket, created = ticket_open_for_response(response=first)
    again, created_again = ticket_open_for_response(response=first)
    appended, created_appended = ticket_open_for_response(response=later)

    assert (created, created_again, created_appended) == (True, False, False)
    assert again.pk == appended.pk == ticket.pk
    assert Ticket.all_orgs.count() == 1
    assert _kinds(ticket) == ["created", "response_appended"]


def test_anonymous_responses_get_their_own_tickets(make_response):
    first, _ = ticket_open_for_response(response=make_response(contact=None))
    second, _ = ticket_open_for_response(response=make_response(contact=None))

    assert (first.pk != second.pk, first.contact_id, first.team_id, first.assignee_id) == (
        True,
        None,
        None,
        None,
    )
    assert first.subject.startswith("NPS 3 from an anonymous customer")


def test_round_robin_skips_away_members_and_wraps(make_response, team, route_all, agents):
    route_all(team)
    agents[1].is_away = True
    agents[1].save()

    assignees = [ticket_open_for_response(response=make_response())[0].assignee_id for _ in range(3)]

    assert assignees == [agents[0].pk, agents[0].pk, agents[0].pk]


def test_round_robin_alternates(make_response, team, route_all, agents):
    route_all(team)

    assignees = [ticket_open_for_response(response=make_response())[0].assignee_id for _ in range(3)]

    assert assignees == [agents[0].pk, agents[1].pk, agents[0].pk]


def test_least_loaded_counts_running_tickets_only(make_response, make_team, route_all, agents, owner):
    team = make_team(agents[:2], name="Least", assignment="least_loaded")
    route_all(team)
    first, _ = ticket_open_for_response(response=make_response())
    second, _ = ticket_open_for_response(response=make_response())
    ticket_change_status(ticket=first, actor=owner, status="pending")

    third, _ = ticket_open_for_response(response=make_response())

    assert (first.assignee_id, second.assignee_id, third.assignee_id) == (
        agents[0].pk,
        agents[1].pk,
        agents[0].pk,
    )


def test_manual_team_leaves_tickets_unassigned_and_tells_the_lead(
    make_response, make_team, route_all, agents
):
    from tickets.models import Notification

    team = make_team(agents[:2], name="Manual", assignment="manual", lead=agents[2])
    route_all(team)

    ticket, _ = ticket_open_for_response(response=make_response())

    assert (ticket.assignee_id, list(Notification.all_orgs.values_list("recipient_id", "kind"))) == (
        None,
        [(agents[2].pk, "unassigned")],
    )


def test_members_without_the_work_permission_are_never_assigned(
    make_response, make_team, route_all, viewer, agents
):
    team = make_team([viewer, agents[0]], name="Mixed")
    route_all(team)

    assignees = {ticket_open_for_response(response=make_response())[0].assignee_id for _ in range(2)}

    assert assignees == {agents[0].pk}


def test_status_transitions_and_clock_effects(make_response, owner, root_cause):
    ticket, _ = ticket_open_for_response(response=make_response())

    ticket_change_status(ticket=ticket, actor=owner, status="open")
    ticket_change_status(ticket=ticket, actor=owner, status="pending")
    paused = ticket.paused_at
    ticket_change_status(ticket=ticket, actor=owner, status="open")
    ticket_change_status(
        ticket=ticket,
        actor=owner,
        status="resolved",
        root_cause=root_cause,
        outcome=Outcome.FIXED,
        outcome_note=" Refunded ",
    )
    resolved_at = ticket.resolved_at
    ticket_change_status(ticket=ticket, actor=owner, status="closed")

    ticket.refresh_from_db()
    assert paused is not None
    assert (ticket.status, ticket.paused_at, ticket.root_cause_id, ticket.outcome, ticket.outcome_note) == (
        "closed",
        None,
        root_cause.pk,
        "fixed",
        "Refunded",
    )
    assert resolved_at is not None
    assert ticket.closed_at is not None
    assert _kinds(ticket) == ["created"] + ["status_changed"] * 5


def test_closing_and_resolving_require_a_root_cause_and_outcome(make_response, owner):
    ticket, _ = ticket_open_for_response(response=make_response())

    with pytest.raises(ValidationError) as closing:
        ticket_change_status(ticket=ticket, actor=owner, status="closed")
    with pytest.raises(ValidationError) as resolving:
        ticket_change_status(ticket=ticket, actor=owner, status="resolved")

    assert sorted(closing.value.message_dict) == ["root_cause"]
    assert sorted(resolving.value.message_dict) == ["outcome", "root_cause"]
    assert _kinds(ticket) == ["created"]


def test_disallowed_transition_is_refused(make_response, owner, root_cause):
    ticket, _ = ticket_open_for_response(response=make_response())
    ticket_change_status(ticket=ticket, actor=owner, status="closed", root_cause=root_cause)

    with pytest.raises(ValidationError) as caught:
        ticket_change_status(ticket=ticket, actor=owner, status="pending")

    assert caught.value.message_dict == {
        "status": ["A Closed ticket cannot be set to Pending (waiting on the customer)."]
    }


def test_reopen_a_closed_ticket(make_response, owner, root_cause):
    ticket, _ = ticket_open_for_response(response=make_response())
    ticket_change_status(
        ticket=ticket, actor=owner, status="resolved", root_cause=root_cause, outcome="fixed"
    )

    ticket_change_status(ticket=ticket, actor=owner, status="open")

    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at, ticket.closed_at) == ("open", None, None)
    assert _kinds(ticket)[-1] == "reopened"


def test_reopen_refused_when_the_contact_has_another_open_ticket(make_response, owner, root_cause):
    first = make_response()
    ticket, _ = ticket_open_for_response(response=first)
    ticket_change_status(ticket=ticket, actor=owner, status="closed", root_cause=root_cause)
    _newer, created = ticket_open_for_response(response=make_response(contact=first.contact))

    with pytest.raises(ValidationError) as caught:
        ticket_change_status(ticket=ticket, actor=owner, status="open")

    assert created is True
    assert list(caught.value.message_dict) == ["status"]
    ticket.refresh_from_db()
    assert ticket.status == "closed"


def test_inactive_or_foreign_root_cause_is_refused(make_response, owner, other_organization):
    ticket, _ = ticket_open_for_response(response=make_response())
    foreign = RootCause.all_orgs.create(organization=other_organization, name="Theirs")

    with pytest.raises(ValidationError) as caught:
        ticket_change_status(ticket=ticket, actor=owner, status="closed", root_cause=foreign)

    assert caught.value.message_dict == {"root_cause": ["Choose a root cause from the list."]}


def test_priority_assign_claim_team_are_audited(make_response, owner, agents, team):
    ticket, _ = ticket_open_for_response(response=make_response())

    ticket_set_priority(ticket=ticket, actor=owner, priority="urgent")
    ticket_claim(ticket=ticket, actor=agents[0])
    with pytest.raises(ValidationError):
        ticket_claim(ticket=ticket, actor=agents[1])
    ticket_assign(ticket=ticket, actor=owner, assignee=agents[1])
    ticket_set_team(ticket=ticket, actor=owner, team=team)

    ticket.refresh_from_db()
    assert (ticket.priority, ticket.assignee_id, ticket.team_id) == ("urgent", agents[1].pk, team.pk)
    assert _kinds(ticket) == ["created", "priority_changed", "claimed", "assigned", "team_changed"]
    events = TicketEvent.all_orgs.filter(ticket=ticket, kind="assigned").get()
    assert (events.actor_id, events.data) == (owner.user_id, {"from": "Agent 1", "to": "Agent 2"})


def test_viewer_cannot_be_assigned(make_response, owner, viewer):
    ticket, _ = ticket_open_for_response(response=make_response())

    with pytest.raises(ValidationError) as caught:
        ticket_assign(ticket=ticket, actor=owner, assignee=viewer)

    assert list(caught.value.message_dict) == ["assignee"]


def test_bulk_skips_failures_with_reasons(make_response, owner, agents, other_organization):
    first, _ = ticket_open_for_response(response=make_response())
    second, _ = ticket_open_for_response(response=make_response())
    ticket_assign(ticket=second, actor=owner, assignee=agents[1])

    claimed = ticket_bulk(
        organization=first.organization,
        actor=agents[0],
        ticket_ids=[first.pk, second.pk, 999999],
        action="claim",
    )
    closed = ticket_bulk(
        organization=first.organization, actor=owner, ticket_ids=[first.pk], action="status", value="closed"
    )
    prioritised = ticket_bulk(
        organization=first.organization,
        actor=owner,
        ticket_ids=[first.pk, second.pk],
        action="priority",
        value="high",
    )

    assert (claimed.changed, claimed.skipped) == (
        1,
        [(second.pk, "This ticket is already assigned to Agent 2."), (999999, "Not found.")],
    )
    assert (closed.changed, closed.skipped) == (
        0,
        [(first.pk, "Choose the root cause before closing the ticket.")],
    )
    assert (prioritised.changed, prioritised.skipped) == (2, [])


def test_merge_moves_the_conversation_and_closes_the_source(make_response, owner):
    from tickets.services.messages import ticket_add_note

    source, _ = ticket_open_for_response(response=make_response())
    target, _ = ticket_open_for_response(response=make_response())
    note = ticket_add_note(ticket=source, actor=owner, body="Called, no answer")

    merged = ticket_merge(source=source, target=target, actor=owner)

    source.refresh_from_db()
    note.refresh_from_db()
    assert (merged.pk, source.status, source.merged_into_id, note.ticket_id) == (
        target.pk,
        "closed",
        target.pk,
        target.pk,
    )
    assert TicketResponse.all_orgs.filter(ticket=target).count() == 2
    assert (_kinds(source)[-1], _kinds(target)[-1]) == ("merged_into", "merged_from")
    assert source.status == TicketStatus.CLOSED
