"""Shared fixtures for the campaigns tests: an audience (a contact list), a campaign ready to send, and
running the outbox's handlers in-process (no worker: the test database transaction never commits)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Organization
from campaigns.models import Campaign, CampaignChannel, CampaignStatus
from contacts.models import ContactList, ContactListMember
from core.models import OutboxEvent
from core.outbox import outbox_process
from feedback.models import Contact
from surveys.models import Survey
from tests.browser.conftest import (  # noqa: F401 - real-Chromium fixtures for the browser tests here
    axe,
    browser,
    browser_issues,
    login,
    page,
    playwright_instance,
    viewport,
)


@pytest.fixture
def make_audience(organization: Organization) -> Callable[..., ContactList]:
    """``make_audience(contacts)`` → a list holding those contacts; ``make_audience(n=…)`` creates n."""

    def make(
        contacts: list[Contact] | None = None, *, n: int = 0, name: str = "", **fields: Any
    ) -> ContactList:
        if contacts is None:
            contacts = Contact.all_orgs.bulk_create(
                [
                    Contact(
                        organization=organization,
                        email=f"person{i}@example.net",
                        name=f"Person {i}",
                        **fields,
                    )
                    for i in range(n)
                ]
            )
        contact_list = ContactList.all_orgs.create(
            organization=organization, name=name or f"List {ContactList.all_orgs.count() + 1}"
        )
        ContactListMember.all_orgs.bulk_create(
            [
                ContactListMember(organization=organization, contact_list=contact_list, contact=contact)
                for contact in contacts
            ]
        )
        return contact_list

    return make


@pytest.fixture
def make_campaign(organization: Organization) -> Callable[..., Campaign]:
    """A campaign of ``survey`` to ``contact_list``, scheduled for now (``status`` and fields overridable)."""

    def make(survey: Survey, contact_list: ContactList, **fields: Any) -> Campaign:
        values: dict[str, Any] = {
            "organization": organization,
            "name": "Spring NPS",
            "survey": survey,
            "channel": CampaignChannel.EMAIL,
            "contact_list": contact_list,
            "status": CampaignStatus.SCHEDULED,
            "scheduled_at": timezone.now(),
            "send_rate_per_minute": 6000,
            **fields,
        }
        return Campaign.all_orgs.create(**values)

    return make


def run_outbox() -> int:
    """Run the handlers of every unprocessed outbox event, as a worker would."""
    ids = list(
        OutboxEvent.all_orgs.filter(processed_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    return sum(outbox_process(event_id) for event_id in ids)


def send_all(campaign: Campaign, *, now: datetime | None = None, rounds: int = 100) -> int:
    """Start the campaign and send batches until it is sent (a fixed ``now`` refills no bucket: the rate
    must hold the audience in one batch then)."""
    from campaigns.services import campaign_send_batch, campaign_start_due

    campaign_start_due(now=now)
    sent = 0
    for _round in range(rounds):
        sent += campaign_send_batch(campaign_id=campaign.pk, now=now)
        campaign.refresh_from_db()
        if campaign.status != CampaignStatus.SENDING:
            break
    return sent
