from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from tests import factories
from tickets.models import SavedView, Ticket
from tickets.selectors import (
    TicketFilters,
    contact_history,
    saved_view_list,
    ticket_get,
    ticket_list,
    unread_count,
)
from tickets.services.opening import ticket_open_for_response
from tickets.services.tickets import ticket_change_status

pytestmark = pytest.mark.django_db


def _ids(queryset) -> list[int]:
    return [ticket.pk for ticket in queryset]


def test_deadline_sort_filters_and_search(organization, owner, agents, make_response):
    late, _ = ticket_open_for_response(
        response=make_response(received_at=timezone.now() - timedelta(hours=47))
    )
    soon, _ = ticket_open_for_response(
        response=make_response(received_at=timezone.now() - timedelta(hours=10))
    )
    paused, _ = ticket_open_for_response(response=make_response())
    ticket_change_status(ticket=paused, actor=owner, status="pending")
    Ticket.all_orgs.filter(pk=late.pk).update(assignee=agents[0], subject="Refund please")

    def listed(**filters) -> list[int]:
        return _ids(
            ticket_list(organization=organization, membership=agents[0], filters=TicketFilters(**filters))
        )

    assert listed() == [late.pk, soon.pk, paused.pk]
    assert listed(sort="-created") == [paused.pk, soon.pk, late.pk]
    assert listed(assignee="me") == [late.pk]
    assert listed(assignee="unassigned") == [soon.pk, paused.pk]
    assert listed(sla="paused") == [paused.pk]
    assert listed(sla="due_soon") == [late.pk]
    assert listed(status=["new"], q="refund") == [late.pk]
    assert listed(q=f"#{soon.pk}") == [soon.pk]


def test_access_groups_limit_tickets_to_their_teams(
    organization, agents, make_team, route_all, make_response, other_organization
):
    team = make_team(agents[:1], name="Care")
    route_all(team)
    routed, _ = ticket_open_for_response(response=make_response())
    group = factories.AccessGroupFactory(organization=organization)
    group.teams.add(make_team([], name="Other"))
    from accounts.models import AccessGroupMembership

    AccessGroupMembership.all_orgs.create(organization=organization, access_group=group, membership=agents[1])

    seen = _ids(ticket_list(organization=organization, membership=agents[1], filters=TicketFilters()))

    assert seen == []
    with pytest.raises(Http404):
        ticket_get(organization=organization, ticket_id=routed.pk, membership=agents[1])
    with pytest.raises(Http404):
        ticket_get(organization=other_organization, ticket_id=routed.pk)


def test_contact_history_and_saved_views_and_unread(organization, agents, make_response):
    first = make_response()
    ticket, _ = ticket_open_for_response(response=first)
    make_response(contact=first.contact, nps=9)
    SavedView.all_orgs.create(organization=organization, name="Mine", owner=agents[0])
    SavedView.all_orgs.create(organization=organization, name="Shared", owner=agents[1], shared=True)
    SavedView.all_orgs.create(organization=organization, name="Private", owner=agents[1])

    history = contact_history(organization=organization, contact=first.contact)

    assert (len(history.responses), [t.pk for t in history.tickets]) == (2, [ticket.pk])
    assert [view.name for view in saved_view_list(organization=organization, membership=agents[0])] == [
        "Mine",
        "Shared",
    ]
    assert unread_count(membership=agents[0]) == 0
