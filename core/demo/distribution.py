"""The demo's distribution: a contact list and a segment, a few suppressed addresses, the fatigue rules,
a sent email campaign with its history (so its report has every figure to show) and a draft SMS
campaign. The kiosk survey ("Store kiosk") is one of the demo's surveys (core/demo/world.py).

The sent campaign's history is recorded, not replayed: the invitations answered are the contacts' own
Relationship NPS email responses from the three weeks after it went out, so the report's "answered" and
the dashboards agree.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction

from accounts.models import Membership, Organization
from accounts.roles import Role
from campaigns.models import Campaign, CampaignChannel, MessageKind
from campaigns.services.editing import (
    CampaignInput,
    campaign_create,
    campaign_message_save,
    fatigue_policy_update,
)
from contacts.models import ContactList
from contacts.services import contact_list_add, contact_list_save, segment_save, suppression_add
from core.demo import world
from core.demo.services import DemoInvitation, demo_campaign_history
from core.tenancy import organization_context
from feedback.models import Channel, Contact, Response
from surveys.models import Survey

DEMO_LIST_NAME = "Loyalty programme"
SENT_DAYS_AGO = 24
ANSWER_WINDOW = timedelta(days=21)
OTHERS_IN_LIST = 160

_TEXTS = {
    "en": {
        MessageKind.INVITATION: (
            "{first_name}, how likely are you to recommend us?",
            "Hello {first_name},\n\nas a member of our loyalty programme your opinion matters to us. "
            "It takes one click:\n\n{survey_link}\n\nThank you,\n{organization}",
        ),
        MessageKind.REMINDER: (
            "A minute for us, {first_name}?",
            "Hello {first_name},\n\nwe would still love to hear from you:\n\n{survey_link}\n\n{organization}",
        ),
    },
    "ru": {
        MessageKind.INVITATION: (
            "{first_name}, порекомендуете ли вы нас?",
            "Здравствуйте, {first_name}!\n\nВаше мнение как участника программы лояльности очень важно. "
            "Достаточно одного клика:\n\n{survey_link}\n\nСпасибо,\n{organization}",
        ),
        MessageKind.REMINDER: (
            "{first_name}, найдётся минута?",
            "Здравствуйте, {first_name}!\n\nМы всё ещё ждём вашего ответа:\n\n{survey_link}\n\n{organization}",
        ),
    },
}


def _author(organization: Organization) -> Membership | None:
    return (
        Membership.all_orgs.filter(organization=organization, role=Role.CX_MANAGER).order_by("pk").first()
        or Membership.all_orgs.filter(organization=organization, role=Role.OWNER).order_by("pk").first()
    )


def seed_distribution(*, organization: Organization, author: Membership, now: datetime) -> None:
    """Run inside the demo's transaction and tenancy context, after its contacts and responses."""
    rng = random.Random(world.RANDOM_SEED + 8)  # noqa: S311 - the same demo on every machine
    survey = Survey.all_orgs.get(organization=organization, name="Relationship NPS")
    sent_at = (now - timedelta(days=SENT_DAYS_AGO)).replace(hour=8, minute=0, second=0, microsecond=0)
    answered = list(
        Response.all_orgs.filter(
            organization=organization,
            survey=survey,
            channel=Channel.EMAIL,
            contact__isnull=False,
            language__in=("en", "ru"),
            finished_at__isnull=False,
            received_at__gt=sent_at + timedelta(minutes=5),
            received_at__lte=sent_at + ANSWER_WINDOW,
        ).order_by("received_at")
    )
    first_answer: dict[int, Response] = {}
    for response in answered:
        assert response.contact_id is not None
        first_answer.setdefault(response.contact_id, response)
    others = list(
        Contact.all_orgs.filter(organization=organization, language__in=("en", "ru"))
        .exclude(pk__in=first_answer)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    members = sorted([*first_answer, *rng.sample(others, min(OTHERS_IN_LIST, len(others)))])

    contact_list = contact_list_save(
        organization=organization,
        name=DEMO_LIST_NAME,
        description="Customers who joined the loyalty programme (English and Russian).",
        actor=author.user,
    )
    contact_list_add(contact_list=contact_list, contact_ids=members)
    segment = segment_save(
        organization=organization,
        name="Customers since before 2019",
        description="Long-standing customers, for the delivery survey by SMS.",
        rules={
            "match": "all",
            "conditions": [
                {"field": "attributes.customer_since", "op": "in", "value": ["2015", "2016", "2017", "2018"]}
            ],
        },
        actor=author.user,
    )
    fatigue_policy_update(
        organization=organization, actor=author, cooldown_days=7, max_per_30_days=3, require_consent=False
    )
    campaign = campaign_create(
        organization=organization,
        actor=author,
        data=CampaignInput(
            name="Loyalty check-in (relationship NPS)",
            survey_id=survey.pk,
            channel=CampaignChannel.EMAIL,
            contact_list_id=contact_list.pk,
            send_rate_per_minute=600,
            reminder_after_days=3,
            max_reminders=1,
        ),
    )
    for language, texts in _TEXTS.items():
        for kind, (subject, body) in texts.items():
            campaign_message_save(
                campaign=campaign, actor=author, kind=kind, language=language, subject=subject, body=body
            )
    _history(organization, campaign, contact_list, first_answer, rng, sent_at)
    campaign_create(
        organization=organization,
        actor=author,
        data=CampaignInput(
            name="Delivery check (SMS, draft)",
            survey_id=Survey.all_orgs.get(organization=organization, name="Delivery satisfaction").pk,
            channel=CampaignChannel.SMS,
            segment_id=segment.pk,
            send_rate_per_minute=60,
        ),
    )


def _history(
    organization: Organization,
    campaign: Campaign,
    contact_list: ContactList,
    first_answer: dict[int, Response],
    rng: random.Random,
    sent_at: datetime,
) -> None:
    contacts = list(
        Contact.all_orgs.filter(
            organization=organization, list_memberships__contact_list=contact_list
        ).order_by("pk")
    )
    invitations: list[DemoInvitation] = []
    # A handful of contacts had unsubscribed or bounced before: their invitations are skipped.
    unanswered = [c for c in contacts if c.pk not in first_answer]
    suppressed = {c.pk for c in unanswered[:3]}
    cooled = {c.pk for c in unanswered[3:9]}
    bounced = {c.pk for c in unanswered[9:12]}
    for contact in unanswered[:2]:
        suppression_add(
            organization_id=organization.pk,
            channel="email",
            address=contact.email,
            reason="unsubscribed",
            detail="demo",
        )
    suppression_add(
        organization_id=organization.pk,
        channel="email",
        address=unanswered[2].email,
        reason="bounced",
        detail="550 5.1.1 mailbox unavailable",
    )
    for index, contact in enumerate(contacts):
        moment = sent_at + timedelta(seconds=index // 10)
        response = first_answer.get(contact.pk)
        if contact.pk in suppressed:
            invitations.append(DemoInvitation(contact, skip_reason="suppressed"))
        elif contact.pk in cooled:
            invitations.append(DemoInvitation(contact, skip_reason="cooldown"))
        elif contact.pk in bounced:
            invitations.append(
                DemoInvitation(contact, sent_at=moment, bounced_at=moment + timedelta(minutes=1))
            )
            suppression_add(
                organization_id=organization.pk,
                channel="email",
                address=contact.email,
                reason="bounced",
                detail="550 5.1.1 mailbox unavailable",
            )
        elif response is not None:
            started = response.started_at
            reminded = started > moment + timedelta(days=3)
            invitations.append(
                DemoInvitation(
                    contact,
                    sent_at=moment,
                    delivered_at=moment + timedelta(seconds=4),
                    opened_at=started - timedelta(minutes=3),
                    clicked_at=started - timedelta(seconds=20),
                    response=response,
                    reminded_at=moment + timedelta(days=3) if reminded else None,
                )
            )
        else:
            opened = rng.random() < 0.45
            clicked = opened and rng.random() < 0.3
            invitations.append(
                DemoInvitation(
                    contact,
                    sent_at=moment,
                    delivered_at=moment + timedelta(seconds=4),
                    opened_at=moment + timedelta(hours=rng.randint(1, 60)) if opened else None,
                    clicked_at=moment + timedelta(hours=61) if clicked else None,
                    reminded_at=moment + timedelta(days=3),
                )
            )
    demo_campaign_history(campaign=campaign, invitations=invitations, sent_at=sent_at)


def distribution_seeded(organization: Organization) -> bool:
    return ContactList.all_orgs.filter(organization=organization, name=DEMO_LIST_NAME).exists()


def ensure_demo_distribution(organization: Organization, *, now: datetime) -> bool:
    """Add the distribution to a demo organisation seeded before it existed; True when it was added."""
    if distribution_seeded(organization):
        return False
    author = _author(organization)
    if author is None:
        return False
    with transaction.atomic(), organization_context(organization):
        seed_distribution(organization=organization, author=author, now=now)
    return True
