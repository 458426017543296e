"""The ticket queue page: filters, deadline order, saved views, bulk actions, claim, the bell."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Membership, Organization
from accounts.roles import Role
from core.tenancy import organization_context
from tests import factories
from tickets.models import Notification, SavedView, Ticket, TicketStatus
from tickets.services.opening import ticket_open_for_response

pytestmark = pytest.mark.django_db

QUEUE = "/o/acme/tickets/"


def open_ticket(
    organization: Organization, *, subject: str = "", anonymous: bool = False, **fields: Any
) -> Ticket:
    """A ticket opened through the service for a new detractor response; ``fields`` then set directly."""
    contact = None if anonymous else factories.ContactFactory(organization=organization)
    response = factories.ResponseFactory(
        organization=organization, nps=3, comment="Slow delivery", contact=contact
    )
    with organization_context(organization):
        ticket, _created = ticket_open_for_response(response=response, subject=subject)
    if fields:
        Ticket.all_orgs.filter(pk=ticket.pk).update(**fields)
        ticket.refresh_from_db()
    return ticket


@pytest.fixture
def agent(organization: Organization, make_member: Callable[..., Membership]) -> Membership:
    return make_member(organization, Role.AGENT, email="agent@acme.test", name="Ada Agent")


@pytest.fixture
def other_agent(organization: Organization, make_member: Callable[..., Membership]) -> Membership:
    return make_member(organization, Role.AGENT, email="bo@acme.test", name="Bo Other")


def test_the_queue_is_sorted_by_the_earliest_running_deadline_and_shows_the_clocks(
    organization: Organization, agent: Membership, client_for: Callable[..., Client]
) -> None:
    now = timezone.now()
    later = open_ticket(
        organization, subject="Later", first_response_due_at=now + dt.timedelta(hours=3, minutes=5)
    )
    overdue = open_ticket(
        organization, subject="Overdue", first_response_due_at=now - dt.timedelta(hours=2, minutes=5)
    )
    paused = open_ticket(
        organization, subject="Paused", status=TicketStatus.PENDING, paused_at=now, first_response_due_at=None
    )

    page = client_for(agent).get(QUEUE)

    body = page.content.decode()
    assert page.status_code == 200
    assert (
        body.index(f"#{overdue.pk} Overdue")
        < body.index(f"#{later.pk} Later")
        < body.index(f"#{paused.pk} Paused")
    )
    assert "overdue by 2 h" in body
    assert "due in 3 h" in body
    assert ">paused<" in body
    assert [t.pk for t in page.context["page"].object_list] == [overdue.pk, later.pk, paused.pk]


def test_filters_narrow_the_queue_and_a_bad_value_is_ignored(
    organization: Organization, agent: Membership, client_for: Callable[..., Client]
) -> None:
    # A word no generated contact name contains ("Mine" matched a contact called Jasmine).
    mine = open_ticket(organization, subject="Quokka", priority="high")
    Ticket.all_orgs.filter(pk=mine.pk).update(assignee=agent)
    open_ticket(organization, subject="Nobody's", priority="low")
    client = client_for(agent)

    assigned_to_me = client.get(QUEUE, {"assignee": "me"})
    unassigned = client.get(QUEUE, {"assignee": "unassigned", "priority": ["low"]})
    searched = client.get(QUEUE, {"q": "Quokka", "priority": ["nonsense"], "sla": "bogus"})

    assert [t.subject for t in assigned_to_me.context["page"].object_list] == ["Quokka"]
    assert [t.subject for t in unassigned.context["page"].object_list] == ["Nobody's"]
    assert searched.status_code == 200
    assert [t.subject for t in searched.context["page"].object_list] == ["Quokka"]


def test_a_saved_view_keeps_the_filters_and_a_shared_one_is_seen_by_others(
    organization: Organization, agent: Membership, other_agent: Membership, client_for: Callable[..., Client]
) -> None:
    client = client_for(agent)

    saved = client.post(
        f"{QUEUE}views/",
        {"name": "My urgent", "shared": "on", "query": "priority=urgent&assignee=me&evil=1"},
    )
    private = client.post(f"{QUEUE}views/", {"name": "Private", "query": "status=new"})
    view = SavedView.all_orgs.get(name="My urgent")
    others_queue = client_for(other_agent).get(QUEUE)

    assert saved.status_code == 302
    assert saved["Location"] == f"{QUEUE}?assignee=me&priority=urgent&view={view.pk}"
    assert private.status_code == 302
    assert view.filters == {"assignee": ["me"], "priority": ["urgent"]}
    assert view.shared is True
    assert [v.name for v, _query in others_queue.context["saved_views"]] == ["My urgent"]


def test_a_saved_view_needs_a_name_and_only_its_owner_deletes_it(
    organization: Organization, agent: Membership, other_agent: Membership, client_for: Callable[..., Client]
) -> None:
    nameless = client_for(agent).post(f"{QUEUE}views/", {"name": "", "query": "status=new"}, follow=True)
    with organization_context(organization):
        view = SavedView.objects.create(organization=organization, owner=agent, name="Shared", shared=True)

    refused = client_for(other_agent).post(f"{QUEUE}views/{view.pk}/delete/", follow=True)
    deleted = client_for(agent).post(f"{QUEUE}views/{view.pk}/delete/")

    assert "Give the view a name" in nameless.content.decode()
    assert "Only the member who saved a view can delete it." in refused.content.decode()
    assert deleted.status_code == 302
    assert SavedView.all_orgs.filter(pk=view.pk).exists() is False


def test_bulk_claim_changes_the_free_tickets_and_reports_the_skipped_ones(
    organization: Organization, agent: Membership, other_agent: Membership, client_for: Callable[..., Client]
) -> None:
    free = open_ticket(organization, subject="Free")
    taken = open_ticket(organization, subject="Taken")
    Ticket.all_orgs.filter(pk=taken.pk).update(assignee=other_agent)

    response = client_for(agent).post(
        f"{QUEUE}bulk/",
        {"action": "claim", "ticket": [free.pk, taken.pk], "next": "sla=breached"},
        follow=True,
    )

    body = response.content.decode()
    assert response.redirect_chain == [(f"{QUEUE}?sla=breached", 302)]
    assert "1 ticket changed." in body
    assert f"1 ticket skipped — #{taken.pk}:" in body
    assert Ticket.all_orgs.get(pk=free.pk).assignee_id == agent.pk
    assert Ticket.all_orgs.get(pk=taken.pk).assignee_id == other_agent.pk


def test_bulk_priority_and_bad_bulk_input_give_messages_not_errors(
    organization: Organization, agent: Membership, client_for: Callable[..., Client]
) -> None:
    first, second = open_ticket(organization), open_ticket(organization)
    client = client_for(agent)

    changed = client.post(
        f"{QUEUE}bulk/", {"action": "priority:urgent", "ticket": [first.pk, second.pk]}, follow=True
    )
    nothing_selected = client.post(f"{QUEUE}bulk/", {"action": "priority:urgent"}, follow=True)
    bad_action = client.post(f"{QUEUE}bulk/", {"action": "explode", "ticket": [first.pk]}, follow=True)
    bad_value = client.post(f"{QUEUE}bulk/", {"action": "priority:whenever", "ticket": ["x"]}, follow=True)

    assert "2 tickets changed." in changed.content.decode()
    assert sorted(Ticket.all_orgs.values_list("priority", flat=True)) == ["urgent", "urgent"]
    assert "Select at least one ticket." in nothing_selected.content.decode()
    assert bad_action.status_code == 200
    assert "Select a valid choice." in bad_action.content.decode()
    assert bad_value.status_code == 200


def test_bulk_on_another_organisations_ticket_changes_nothing(
    organization: Organization,
    other_organization: Organization,
    agent: Membership,
    client_for: Callable[..., Client],
) -> None:
    foreign = open_ticket(other_organization)

    response = client_for(agent).post(f"{QUEUE}bulk/", {"action": "priority:urgent", "ticket": [foreign.pk]})

    assert response.status_code == 302
    assert Ticket.all_orgs.get(pk=foreign.pk).priority == "normal"


def test_claim_from_the_queue_returns_to_the_queue(
    organization: Organization, agent: Membership, client_for: Callable[..., Client]
) -> None:
    ticket = open_ticket(organization)

    response = client_for(agent).post(f"{QUEUE}{ticket.pk}/claim/", {"next": "queue"})

    assert response.status_code == 302
    assert response["Location"] == QUEUE
    assert Ticket.all_orgs.get(pk=ticket.pk).assignee_id == agent.pk


def test_a_viewer_sees_the_queue_without_bulk_actions_and_cannot_post(
    organization: Organization, viewer: Membership, client_for: Callable[..., Client]
) -> None:
    ticket = open_ticket(organization, subject="Visible")
    client = client_for(viewer)

    page = client.get(QUEUE)
    bulk = client.post(f"{QUEUE}bulk/", {"action": "claim", "ticket": [ticket.pk]})
    claim = client.post(f"{QUEUE}{ticket.pk}/claim/")

    assert page.status_code == 200
    assert "Visible" in page.content.decode()
    assert page.context["can_work"] is False
    assert 'name="action"' not in page.content.decode()
    assert bulk.status_code == 403
    assert claim.status_code == 403


def test_outsiders_and_anonymous_visitors_get_nothing(
    organization: Organization, outsider: Membership, client_for: Callable[..., Client]
) -> None:
    open_ticket(organization)

    assert client_for(outsider).get(QUEUE).status_code == 404
    assert Client().get(QUEUE).status_code == 302


def test_the_bell_counts_unread_notifications_and_mark_read_clears_them(
    organization: Organization, agent: Membership, client_for: Callable[..., Client]
) -> None:
    from tickets.context_processors import notifications

    ticket = open_ticket(organization, subject="Ring")
    for text in ("one", "two"):
        Notification.all_orgs.create(
            organization=organization, recipient=agent, kind="assigned", text=text, ticket=ticket
        )
    client = client_for(agent)

    listing = client.get(f"{QUEUE}notifications/")
    request = listing.wsgi_request
    count = notifications(request)["notifications_unread"]
    before = count()
    marked = client.post(f"{QUEUE}notifications/read/", follow=True)
    cached = count()
    after = notifications(request)["notifications_unread"]()
    unread_after = Notification.all_orgs.filter(recipient=agent, read_at__isnull=True).count()

    assert listing.status_code == 200
    assert "two" in listing.content.decode()
    assert before == 2
    assert cached == 2  # counted once per request
    assert after == 0
    assert "2 notifications marked as read." in marked.content.decode()
    assert unread_after == 0


def test_notification_preferences_are_saved(
    organization: Organization, agent: Membership, client_for: Callable[..., Client]
) -> None:
    client = client_for(agent)

    form = client.get(f"{QUEUE}notifications/preferences/")
    saved = client.post(f"{QUEUE}notifications/preferences/", {"email_assigned": "on"})

    from tickets.models import NotificationPreference

    preference = NotificationPreference.all_orgs.get(membership=agent)
    assert form.status_code == 200
    assert saved.status_code == 302
    assert (preference.email_assigned, preference.email_customer_reply, preference.email_sla) == (
        True,
        False,
        False,
    )
