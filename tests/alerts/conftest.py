"""Fixtures for alert tests: a real loopback HTTP receiver, rules, finished responses, the broker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
from django.conf import settings

from accounts.models import Membership, Organization
from accounts.roles import Role
from cxplatform.celery import Queue
from feedback.alerts.models import AlertRule
from feedback.alerts.services import alert_rule_create
from feedback.models import Response
from tests import factories
from tests.webhooks.conftest import receiver  # noqa: F401 -- the loopback HTTP receiver fixture

T0 = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
DETRACTORS = {"match": "all", "conditions": [{"field": "nps", "op": "lte", "value": 6}]}


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    # Deliveries queued by the code under test land here; no worker runs in these tests.
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(*Queue)
    yield client
    client.delete(*Queue)


@pytest.fixture
def lead(organization: Organization, make_member: Callable[..., Membership]) -> Membership:
    return make_member(organization, Role.CX_MANAGER, email="lead@acme.test", name="Lena Lead")


@pytest.fixture
def make_rule(lead: Membership) -> Callable[..., AlertRule]:
    def make(
        actions: list[dict[str, Any]] | None = None, conditions: dict[str, Any] | None = None, **fields: Any
    ) -> AlertRule:
        return alert_rule_create(
            organization=lead.organization,
            actor=lead,
            name=fields.pop("name", "Detractors"),
            conditions=DETRACTORS if conditions is None else conditions,
            actions=actions
            if actions is not None
            else [{"type": "email", "recipients": [{"member": lead.pk}]}],
            **fields,
        )

    return make


@pytest.fixture
def make_response(organization: Organization) -> Callable[..., Response]:
    def make(nps: int = 3, *, finished: bool = True, contact: Any = None, **fields: Any) -> Response:
        return factories.ResponseFactory(
            organization=organization,
            nps=nps,
            contact=contact,
            finished_at=fields.pop("finished_at", T0) if finished else None,
            received_at=fields.pop("received_at", T0),
            comment=fields.pop("comment", "The parcel came late."),
            **fields,
        )

    return make


@pytest.fixture
def jane(organization: Organization) -> Any:
    return factories.ContactFactory(organization=organization, name="Jane Doe", email="jane@example.net")
