"""The ticket page: what it shows, every action on it, bad input, tenancy and roles; opening a ticket by
hand from a response; the canned response box."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import Membership, Organization
from accounts.roles import Role
from core.tenancy import organization_context
from surveys.models import Survey
from tests import factories
from tests.tickets.test_queue_views import open_ticket
from tickets.models import CannedResponse, MessageKind, RootCause, Ticket, TicketMessage, TicketStatus

pytestmark = pytest.mark.django_db


def url(ticket: Ticket, action: str = "") -> str:
    return f"/o/{ticket.organization.slug}/tickets/{ticket.pk}/" + (f"{action}/" if action else "")


@pytest.fixture
def agent(organization: Organization, make_member: Callable[..., Membership]) -> Membership:
    return make_member(organization, Role.AGENT, email="agent@acme.test", name="Ada Agent")


@pytest.fixture
def ticket(organization: Organization) -> Ticket:
    return open_ticket(organization, subject="Late parcel")


@pytest.fixture
def root_cause(organization: Organization) -> RootCause:
    return RootCause.all_orgs.create(organization=organization, name="Delivery")


def test_the_page_shows_clocks_feedback_contact_history_and_actions(
    organization: Organization, agent: Membership, ticket: Ticket, client_for: Callable[..., Client]
) -> None:
    earlier = factories.ResponseFactory(
        organization=organization, contact=ticket.contact, nps=8, comment="Fine"
    )

    page = client_for(agent).get(url(ticket))

    body = page.content.decode()
    assert page.status_code == 200
    assert f"#{ticket.pk} Late parcel" in body
    assert [row.label for row in page.context["clocks"]] == ["First contact", "Resolution"]
    assert [row.state for row in page.context["clocks"]] == ["running", "running"]
    assert "due in 47 h" in body
    assert "Slow delivery" in body
    assert ticket.contact.email in body
    assert [r.pk for r in page.context["contact_history"].responses if r.pk == earlier.pk] == [earlier.pk]
    assert "opened the ticket" in body
    assert f'action="/o/acme/tickets/{ticket.pk}/reply/"' in body


def test_a_note_is_added_and_an_empty_one_shows_the_error(
    agent: Membership, ticket: Ticket, client_for: Callable[..., Client]
) -> None:
    client = client_for(agent)

    empty = client.post(url(ticket, "note"), {"note-body": ""})
    added = client.post(url(ticket, "note"), {"note-body": "Called the depot."}, follow=True)

    assert empty.status_code == 200
    assert "This field is required." in empty.content.decode()
    assert added.redirect_chain == [(url(ticket), 302)]
    assert "The note is added." in added.content.decode()
    assert list(TicketMessage.all_orgs.filter(ticket=ticket).values_list("kind", "body")) == [
        (MessageKind.NOTE, "Called the depot.")
    ]


def test_a_reply_goes_to_the_contact_and_a_call_is_logged(
    agent: Membership, ticket: Ticket, client_for: Callable[..., Client]
) -> None:
    client = client_for(agent)

    replied = client.post(url(ticket, "reply"), {"reply-body": "Sorry, on its way.", "intent": "send"})
    logged = client.post(url(ticket, "log"), {"log-body": "Phoned, left a message."})

    messages = list(
        TicketMessage.all_orgs.filter(ticket=ticket).order_by("pk").values_list("kind", "to_email")
    )
    assert replied.status_code == 302
    assert logged.status_code == 302
    assert messages == [(MessageKind.REPLY, ticket.contact.email), (MessageKind.CONTACT_LOG, "")]
    assert Ticket.all_orgs.get(pk=ticket.pk).first_responded_at is not None


def test_a_reply_to_an_anonymous_ticket_shows_the_service_error(
    organization: Organization, agent: Membership, client_for: Callable[..., Client]
) -> None:
    anonymous = open_ticket(organization, anonymous=True)

    response = client_for(agent).post(url(anonymous, "reply"), {"reply-body": "Hello", "intent": "send"})

    assert response.status_code == 200
    assert response.context["forms"]["reply"].errors != {}
    assert TicketMessage.all_orgs.filter(ticket=anonymous).count() == 0


def test_a_canned_response_is_rendered_into_the_reply_box_on_the_server_and_as_json(
    organization: Organization, agent: Membership, ticket: Ticket, client_for: Callable[..., Client]
) -> None:
    canned = CannedResponse.all_orgs.create(
        organization=organization,
        name="Sorry",
        body="Hi {contact_name}, about #{ticket_number}. {agent_name}",
    )
    client = client_for(agent)
    expected = f"Hi {ticket.contact.name}, about #{ticket.pk}. Ada Agent"

    inserted = client.post(
        url(ticket, "reply"), {"reply-body": "Hello.", "reply-canned": str(canned.pk), "intent": "insert"}
    )
    nothing_chosen = client.post(url(ticket, "reply"), {"reply-body": "Hello.", "intent": "insert"})
    as_json = client.get(url(ticket, f"canned/{canned.pk}"))

    assert inserted.status_code == 200
    assert inserted.context["forms"]["reply"].initial["body"] == f"Hello.\n\n{expected}"
    assert "Choose a canned response to insert." in nothing_chosen.content.decode()
    assert as_json.json() == {"text": expected}
    assert TicketMessage.all_orgs.filter(ticket=ticket).count() == 0


def test_resolving_needs_a_root_cause_and_an_outcome(
    agent: Membership, ticket: Ticket, root_cause: RootCause, client_for: Callable[..., Client]
) -> None:
    client = client_for(agent)

    refused = client.post(url(ticket, "status"), {"status-status": "resolved"})
    resolved = client.post(
        url(ticket, "status"),
        {"status-status": "resolved", "status-root_cause": str(root_cause.pk), "status-outcome": "fixed"},
    )

    errors = refused.context["forms"]["status"].errors
    assert refused.status_code == 200
    assert sorted(errors) == ["outcome", "root_cause"]
    assert resolved.status_code == 302
    saved = Ticket.all_orgs.get(pk=ticket.pk)
    assert (saved.status, saved.root_cause_id, saved.outcome) == (
        TicketStatus.RESOLVED,
        root_cause.pk,
        "fixed",
    )


def test_priority_assignee_and_team_change_and_bad_choices_are_form_errors(
    organization: Organization,
    agent: Membership,
    viewer: Membership,
    other_organization: Organization,
    ticket: Ticket,
    client_for: Callable[..., Client],
) -> None:
    team = factories.TeamFactory(organization=organization, name="Care")
    foreign_team = factories.TeamFactory(organization=other_organization, name="Elsewhere")
    client = client_for(agent)

    priority = client.post(url(ticket, "priority"), {"priority-priority": "urgent"})
    assign = client.post(url(ticket, "assign"), {"assign-assignee": str(agent.pk)})
    team_moved = client.post(url(ticket, "team"), {"team-team": str(team.pk)})
    to_viewer = client.post(url(ticket, "assign"), {"assign-assignee": str(viewer.pk)})
    to_foreign_team = client.post(url(ticket, "team"), {"team-team": str(foreign_team.pk)})
    bad_priority = client.post(url(ticket, "priority"), {"priority-priority": "whenever"})

    saved = Ticket.all_orgs.get(pk=ticket.pk)
    assert [priority.status_code, assign.status_code, team_moved.status_code] == [302, 302, 302]
    assert (saved.priority, saved.assignee_id, saved.team_id) == ("urgent", agent.pk, team.pk)
    assert [to_viewer.status_code, to_foreign_team.status_code, bad_priority.status_code] == [200, 200, 200]
    assert "Select a valid choice." in to_viewer.content.decode()


def test_merge_moves_the_ticket_and_a_missing_or_foreign_target_is_an_error(
    organization: Organization,
    other_organization: Organization,
    agent: Membership,
    ticket: Ticket,
    client_for: Callable[..., Client],
) -> None:
    target = open_ticket(organization, subject="Keep me")
    foreign = open_ticket(other_organization)
    client = client_for(agent)

    missing = client.post(url(ticket, "merge"), {"merge-target": "999999"})
    elsewhere = client.post(url(ticket, "merge"), {"merge-target": str(foreign.pk)})
    itself = client.post(url(ticket, "merge"), {"merge-target": str(ticket.pk)})
    merged = client.post(url(ticket, "merge"), {"merge-target": str(target.pk)})

    assert missing.status_code == 200
    assert "There is no ticket #999999." in missing.content.decode()
    assert f"There is no ticket #{foreign.pk}." in elsewhere.content.decode()
    assert "A ticket cannot be merged into itself." in itself.content.decode()
    assert merged.status_code == 302
    assert merged["Location"] == url(target)
    assert Ticket.all_orgs.get(pk=ticket.pk).merged_into_id == target.pk


def test_a_follow_up_survey_is_sent_after_resolution(
    organization: Organization,
    agent: Membership,
    ticket: Ticket,
    root_cause: RootCause,
    live_survey: Survey,
    client_for: Callable[..., Client],
) -> None:
    client = client_for(agent)
    client.post(
        url(ticket, "status"),
        {"status-status": "resolved", "status-root_cause": str(root_cause.pk), "status-outcome": "fixed"},
    )

    no_survey = client.post(url(ticket, "followup"), {"followup-followup_survey": ""})
    sent = client.post(
        url(ticket, "followup"), {"followup-followup_survey": str(live_survey.pk)}, follow=True
    )

    saved = Ticket.all_orgs.get(pk=ticket.pk)
    assert no_survey.status_code == 200
    assert "The follow-up survey is on its way to the customer." in sent.content.decode()
    assert saved.followup_survey_id == live_survey.pk
    assert saved.followup_token != ""


def test_opening_a_ticket_by_hand_from_a_response_is_idempotent(
    organization: Organization, agent: Membership, client_for: Callable[..., Client]
) -> None:
    response = factories.ResponseFactory(organization=organization, nps=2)
    client = client_for(agent)

    first = client.post(f"/o/acme/tickets/from-response/{response.pk}/", follow=True)
    second = client.post(f"/o/acme/tickets/from-response/{response.pk}/", follow=True)

    ticket = Ticket.all_orgs.get(response=response)
    assert first.redirect_chain == [(url(ticket), 302)]
    assert f"Ticket #{ticket.pk} is opened." in first.content.decode()
    assert second.redirect_chain == [(url(ticket), 302)]
    assert f"This feedback is on ticket #{ticket.pk}." in second.content.decode()
    assert Ticket.all_orgs.count() == 1


def test_another_organisations_ticket_or_response_is_a_404(
    organization: Organization,
    other_organization: Organization,
    agent: Membership,
    client_for: Callable[..., Client],
) -> None:
    foreign = open_ticket(other_organization)
    foreign_response = factories.ResponseFactory(organization=other_organization)
    canned = CannedResponse.all_orgs.create(organization=other_organization, name="X", body="x")
    own = open_ticket(organization)
    client = client_for(agent)

    assert client.get(f"/o/acme/tickets/{foreign.pk}/").status_code == 404
    assert client.post(f"/o/acme/tickets/{foreign.pk}/note/", {"note-body": "x"}).status_code == 404
    assert client.post(f"/o/acme/tickets/from-response/{foreign_response.pk}/").status_code == 404
    assert client.get(url(own, f"canned/{canned.pk}")).status_code == 404
    assert client.post(url(own, "explode")).status_code == 404


def test_a_viewer_reads_the_ticket_but_every_change_is_refused(
    organization: Organization, viewer: Membership, ticket: Ticket, client_for: Callable[..., Client]
) -> None:
    response = factories.ResponseFactory(organization=organization)
    client = client_for(viewer)

    page = client.get(url(ticket))
    posts = [
        client.post(url(ticket, action), {}).status_code
        for action in (
            "status",
            "priority",
            "assign",
            "team",
            "claim",
            "note",
            "reply",
            "log",
            "merge",
            "followup",
        )
    ]

    assert page.status_code == 200
    assert page.context["can_work"] is False
    assert f'action="/o/acme/tickets/{ticket.pk}/note/"' not in page.content.decode()
    assert posts == [403] * 10
    assert client.post(f"/o/acme/tickets/from-response/{response.pk}/").status_code == 403
    assert client.get(url(ticket, "canned/1")).status_code == 403


def test_a_member_limited_to_another_team_does_not_see_the_ticket(
    organization: Organization, make_member: Callable[..., Membership], client_for: Callable[..., Client]
) -> None:
    care, billing = (
        factories.TeamFactory(organization=organization),
        factories.TeamFactory(organization=organization),
    )
    limited = make_member(organization, Role.AGENT, email="limited@acme.test")
    group = factories.AccessGroupFactory(organization=organization)
    group.teams.add(billing)
    with organization_context(organization):
        from accounts.models import AccessGroupMembership

        AccessGroupMembership.objects.create(
            organization=organization, access_group=group, membership=limited
        )
    ticket = open_ticket(organization, team=care)

    assert client_for(limited).get(url(ticket)).status_code == 404
