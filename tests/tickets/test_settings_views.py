"""Ticket settings pages: root causes, canned responses and routing rules."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import Membership, Organization
from accounts.roles import Role
from tests import factories
from tests.tickets.test_queue_views import open_ticket
from tickets.models import CannedResponse, RootCause, RoutingRule, Ticket

pytestmark = pytest.mark.django_db

BASE = "/o/acme/tickets/settings"


@pytest.fixture
def agent(organization: Organization, make_member: Callable[..., Membership]) -> Membership:
    return make_member(organization, Role.AGENT, email="agent@acme.test")


def test_root_causes_are_created_nested_edited_and_listed(
    organization: Organization, manager: Membership, client_for: Callable[..., Client]
) -> None:
    client = client_for(manager)

    created = client.post(f"{BASE}/root-causes/new/", {"name": "Delivery"})
    parent = RootCause.all_orgs.get(name="Delivery")
    child = client.post(f"{BASE}/root-causes/new/", {"name": "Late", "parent": str(parent.pk)})
    duplicate = client.post(f"{BASE}/root-causes/new/", {"name": "late", "parent": str(parent.pk)})
    blank = client.post(f"{BASE}/root-causes/new/", {"name": ""})
    edited = client.post(f"{BASE}/root-causes/{parent.pk}/edit/", {"name": "Shipping", "active": "on"})
    listing = client.get(f"{BASE}/root-causes/")

    assert [created.status_code, child.status_code, edited.status_code] == [302, 302, 302]
    assert duplicate.status_code == 200
    assert "A root cause with this name already exists here." in duplicate.content.decode()
    assert "This field is required." in blank.content.decode()
    assert sorted(str(c) for c in RootCause.all_orgs.filter(organization=organization)) == [
        "Shipping",
        "Shipping › Late",
    ]
    assert "Shipping › Late" in listing.content.decode()


def test_a_root_cause_in_use_is_deactivated_instead_of_deleted(
    organization: Organization, manager: Membership, client_for: Callable[..., Client]
) -> None:
    used = RootCause.all_orgs.create(organization=organization, name="Billing")
    unused = RootCause.all_orgs.create(organization=organization, name="Other")
    ticket = open_ticket(organization)
    Ticket.all_orgs.filter(pk=ticket.pk).update(root_cause=used)
    client = client_for(manager)

    kept = client.post(f"{BASE}/root-causes/{used.pk}/delete/", follow=True)
    gone = client.post(f"{BASE}/root-causes/{unused.pk}/delete/", follow=True)

    assert "Tickets use the root cause “Billing”: it is deactivated instead." in kept.content.decode()
    assert "The root cause “Other” is deleted." in gone.content.decode()
    assert list(RootCause.all_orgs.values_list("name", "active")) == [("Billing", False)]


def test_canned_responses_are_saved_and_unknown_placeholders_are_refused(
    organization: Organization, manager: Membership, client_for: Callable[..., Client]
) -> None:
    client = client_for(manager)

    refused = client.post(f"{BASE}/canned/new/", {"name": "Bad", "body": "Hi {first_name}", "language": ""})
    created = client.post(
        f"{BASE}/canned/new/", {"name": "Sorry", "body": "Hi {contact_name}", "language": "en"}
    )
    canned = CannedResponse.all_orgs.get(name="Sorry")
    edited = client.post(
        f"{BASE}/canned/{canned.pk}/edit/", {"name": "Sorry", "body": "Hello {contact_name}", "language": ""}
    )
    deleted = client.post(f"{BASE}/canned/{canned.pk}/delete/")

    assert refused.status_code == 200
    assert "Unknown placeholder {first_name}." in refused.content.decode()
    assert [created.status_code, edited.status_code, deleted.status_code] == [302, 302, 302]
    assert CannedResponse.all_orgs.count() == 0


def test_routing_rules_are_created_with_conditions_ordered_and_deleted(
    organization: Organization, manager: Membership, client_for: Callable[..., Client]
) -> None:
    care = factories.TeamFactory(organization=organization, name="Care")
    client = client_for(manager)
    detractors = {
        "name": "Detractors",
        "team": str(care.pk),
        "priority": "high",
        "active": "on",
        "conditions-match": "all",
        "conditions-r0-field": "nps",
        "conditions-r0-op": "lte",
        "conditions-r0-value": "6",
    }

    first = client.post(f"{BASE}/routing/new/", detractors)
    everyone = {k: v for k, v in detractors.items() if not k.startswith("conditions-r0")}
    second = client.post(f"{BASE}/routing/new/", {**everyone, "name": "Everyone"})
    rules = list(RoutingRule.all_orgs.order_by("position"))
    moved = client.post(f"{BASE}/routing/{rules[1].pk}/move/", {"direction": "up"})
    bad_move = client.post(f"{BASE}/routing/{rules[1].pk}/move/", {"direction": "sideways"}, follow=True)
    listing = client.get(f"{BASE}/routing/")

    assert [first.status_code, second.status_code, moved.status_code] == [302, 302, 302]
    assert rules[0].conditions == {"match": "all", "conditions": [{"field": "nps", "op": "lte", "value": 6}]}
    assert [r.name for r in RoutingRule.all_orgs.order_by("position")] == ["Everyone", "Detractors"]
    assert "Choose to move the rule up or down." in bad_move.content.decode()
    assert [r.name for r, _text in listing.context["rules"]] == ["Everyone", "Detractors"]
    assert client.post(f"{BASE}/routing/{rules[0].pk}/delete/").status_code == 302
    assert RoutingRule.all_orgs.count() == 1


def test_a_routing_rule_needs_a_team_of_this_organisation(
    organization: Organization,
    other_organization: Organization,
    manager: Membership,
    client_for: Callable[..., Client],
) -> None:
    foreign = factories.TeamFactory(organization=other_organization)

    response = client_for(manager).post(
        f"{BASE}/routing/new/", {"name": "X", "team": str(foreign.pk), "conditions-match": "all"}
    )

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert RoutingRule.all_orgs.count() == 0


def test_agents_may_not_change_settings_and_other_organisations_objects_are_404(
    organization: Organization,
    other_organization: Organization,
    agent: Membership,
    manager: Membership,
    client_for: Callable[..., Client],
) -> None:
    foreign_cause = RootCause.all_orgs.create(organization=other_organization, name="Theirs")
    foreign_canned = CannedResponse.all_orgs.create(organization=other_organization, name="Theirs", body="x")
    foreign_rule = RoutingRule.all_orgs.create(
        organization=other_organization,
        name="Theirs",
        team=factories.TeamFactory(organization=other_organization),
    )
    agent_client, manager_client = client_for(agent), client_for(manager)

    agent_statuses = [
        agent_client.get(f"{BASE}/{page}/").status_code for page in ("root-causes", "canned", "routing")
    ] + [agent_client.post(f"{BASE}/root-causes/new/", {"name": "x"}).status_code]
    foreign_statuses = [
        manager_client.get(f"{BASE}/root-causes/{foreign_cause.pk}/edit/").status_code,
        manager_client.post(f"{BASE}/root-causes/{foreign_cause.pk}/delete/").status_code,
        manager_client.get(f"{BASE}/canned/{foreign_canned.pk}/edit/").status_code,
        manager_client.post(f"{BASE}/canned/{foreign_canned.pk}/delete/").status_code,
        manager_client.get(f"{BASE}/routing/{foreign_rule.pk}/edit/").status_code,
        manager_client.post(f"{BASE}/routing/{foreign_rule.pk}/move/", {"direction": "up"}).status_code,
        manager_client.post(f"{BASE}/routing/{foreign_rule.pk}/delete/").status_code,
    ]

    assert agent_statuses == [403, 403, 403, 403]
    assert foreign_statuses == [404] * 7
    assert RoutingRule.all_orgs.count() == 1
