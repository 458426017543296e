from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import Membership, Organization, User
from accounts.roles import Role
from core.tenancy import organization_context
from tests import factories


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    # Rate-limit counters and cached config live in the test Redis database; start every test clean.
    cache.clear()
    return


@pytest.fixture
def organization(db: Any) -> Organization:
    return factories.OrganizationFactory(name="Acme", slug="acme")


@pytest.fixture
def other_organization(db: Any) -> Organization:
    return factories.OrganizationFactory(name="Globex", slug="globex")


@pytest.fixture
def make_member(db: Any) -> Callable[..., Membership]:
    def make(organization: Organization, role: str = Role.VIEWER, **user_fields: Any) -> Membership:
        user = factories.UserFactory(**user_fields)
        return factories.MembershipFactory(organization=organization, user=user, role=role)

    return make


@pytest.fixture
def owner(organization: Organization, make_member: Callable[..., Membership]) -> Membership:
    return make_member(organization, Role.OWNER, email="owner@acme.test")


@pytest.fixture
def viewer(organization: Organization, make_member: Callable[..., Membership]) -> Membership:
    return make_member(organization, Role.VIEWER, email="viewer@acme.test")


@pytest.fixture
def outsider(other_organization: Organization, make_member: Callable[..., Membership]) -> Membership:
    return make_member(other_organization, Role.OWNER, email="owner@globex.test")


@pytest.fixture
def client_for() -> Callable[[User | Membership], Client]:
    def make(who: User | Membership) -> Client:
        user = who.user if isinstance(who, Membership) else who
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def in_org(organization: Organization) -> Iterator[Organization]:
    with organization_context(organization):
        yield organization


@dataclass
class IssuedKey:
    secret: str
    headers: dict[str, str]


@pytest.fixture
def issue_api_key(db: Any) -> Callable[..., IssuedKey]:
    from accounts.services import api_key_create

    def issue(membership: Membership, scopes: tuple[str, ...] = ("read", "write")) -> IssuedKey:
        issued = api_key_create(
            organization=membership.organization, actor=membership, name="test", scopes=scopes
        )
        return IssuedKey(issued.secret, {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"})

    return issue
