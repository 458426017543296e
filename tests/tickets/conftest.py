"""Ticket test helpers: a team of agents with a queue, and detractor responses from contacts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import Membership, Organization, Team
from accounts.roles import Role
from feedback.models import Contact, Response
from tests import factories
from tickets.models import AssignmentMode, RootCause, TeamQueue


@pytest.fixture
def agents(organization: Organization, make_member: Callable[..., Membership]) -> list[Membership]:
    return [
        make_member(organization, Role.AGENT, email=f"agent{index}@acme.test", name=f"Agent {index}")
        for index in (1, 2, 3)
    ]


@pytest.fixture
def make_team(organization: Organization) -> Callable[..., Team]:
    def make(
        members: list[Membership],
        *,
        name: str = "Care",
        assignment: str = AssignmentMode.ROUND_ROBIN,
        lead: Membership | None = None,
    ) -> Team:
        team = factories.TeamFactory(organization=organization, name=name, lead=lead)
        for member in members:
            factories.TeamMembershipFactory(team=team, membership=member)
        TeamQueue.all_orgs.create(organization=organization, team=team, assignment=assignment)
        return team

    return make


@pytest.fixture
def team(make_team: Callable[..., Team], agents: list[Membership]) -> Team:
    return make_team(agents[:2])


@pytest.fixture
def route_all(organization: Organization, manager: Membership) -> Callable[[Team], Any]:
    from tickets.services.routing import routing_rule_create

    def route(team: Team, *, priority: str = "") -> Any:
        return routing_rule_create(
            organization=organization,
            actor=manager,
            name=f"All to {team.name}",
            conditions={"match": "all", "conditions": []},
            team=team,
            priority=priority,
        )

    return route


@pytest.fixture
def make_response(organization: Organization) -> Callable[..., Response]:
    def make(*, nps: int = 3, contact: Contact | None | bool = True, **fields: Any) -> Response:
        if contact is True:
            contact = factories.ContactFactory(organization=organization)
        fields.setdefault("comment", "Late delivery")
        return factories.ResponseFactory(
            organization=organization, nps=nps, contact=contact or None, **fields
        )

    return make


@pytest.fixture
def root_cause(organization: Organization) -> RootCause:
    parent = RootCause.all_orgs.create(organization=organization, name="Delivery")
    return RootCause.all_orgs.create(organization=organization, name="Courier late", parent=parent)
