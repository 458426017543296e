"""An SMS campaign end to end through the local Twilio: three contacts get a text with their personal
link, one replies STOP, and a later campaign skips them (suppressed) while the others get it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import Membership, Organization
from campaigns.models import (
    Campaign,
    CampaignChannel,
    CampaignStatus,
    FatiguePolicy,
    Invitation,
    InvitationStatus,
    SkipReason,
)
from campaigns.services import campaign_start, invitation_send
from contacts.models import ContactList, ContactListMember
from contacts.selectors import suppression_reason
from sms.models import SmsDirection, SmsMessage, SmsStatus
from surveys.models import Survey
from surveys.services import survey_create, survey_publish
from tests import factories
from tests.sms.fake_twilio import FakeTwilio
from tests.sms.helpers import signed_post

pytestmark = pytest.mark.django_db

PHONES = ["+4917011111111", "+4917022222222", "+4917033333333"]


def send_campaign(organization: Organization, survey: Survey, audience: ContactList) -> list[Invitation]:
    campaign = Campaign.all_orgs.create(
        organization=organization,
        name=f"SMS {survey.name}",
        survey=survey,
        channel=CampaignChannel.SMS,
        contact_list=audience,
        status=CampaignStatus.SCHEDULED,
    )
    assert campaign_start(campaign_id=campaign.pk) is True
    invitations = list(Invitation.all_orgs.filter(campaign=campaign).order_by("address"))
    for invitation in invitations:
        invitation_send(invitation_id=invitation.pk)
    for invitation in invitations:
        invitation.refresh_from_db()
    return invitations


def test_sms_campaign_with_stop(
    client: Client,
    organization: Organization,
    manager: Membership,
    live_survey: Survey,
    definition: Any,
    fake_twilio: FakeTwilio,
) -> None:
    FatiguePolicy.all_orgs.create(organization=organization, cooldown_days=0)
    audience = ContactList.all_orgs.create(organization=organization, name="Customers")
    for phone in PHONES:
        contact = factories.ContactFactory(organization=organization, phone=phone, email="")
        ContactListMember.all_orgs.create(organization=organization, contact_list=audience, contact=contact)

    first = send_campaign(organization, live_survey, audience)
    assert [(i.address, i.status) for i in first] == [(phone, InvitationStatus.SENT) for phone in PHONES]
    assert sorted(m.to for m in fake_twilio.messages) == PHONES
    by_number = {m.to: m for m in fake_twilio.messages}
    assert all(f"/i/{i.token}" in by_number[i.address].body for i in first)
    assert [i.provider_message_id for i in first] == [by_number[phone].sid for phone in PHONES]

    delivered = signed_post(
        client,
        "api_sms_twilio_status",
        {"MessageSid": by_number[PHONES[0]].sid, "MessageStatus": "delivered"},
    )
    assert delivered.status_code == 200
    first[0].refresh_from_db()
    assert first[0].delivered_at is not None

    stop = signed_post(
        client,
        "api_sms_twilio_inbound",
        {"From": PHONES[1], "To": "+15005550006", "Body": "STOP", "MessageSid": "SM" + "5" * 32},
    )
    assert stop.status_code == 200
    assert suppression_reason(organization.pk, "sms", PHONES[1]) == "stop"

    later_survey = survey_create(
        organization=organization,
        name="Follow-up",
        touchpoint=factories.TouchpointFactory(organization=organization),
        created_by=manager.user,
        definition=definition,
    )
    survey_publish(survey=later_survey, actor=manager)
    second = send_campaign(organization, later_survey, audience)
    assert [(i.address, i.status, i.skip_reason) for i in second] == [
        (PHONES[0], InvitationStatus.SENT, ""),
        (PHONES[1], InvitationStatus.SKIPPED, SkipReason.SUPPRESSED),
        (PHONES[2], InvitationStatus.SENT, ""),
    ]
    assert len(fake_twilio.messages) == 5
    assert (
        SmsMessage.all_orgs.filter(
            organization=organization, direction=SmsDirection.OUTBOUND, status=SmsStatus.QUEUED
        ).count()
        == 4
    )
