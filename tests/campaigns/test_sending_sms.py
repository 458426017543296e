"""An SMS campaign through the console provider (the Twilio flow is tested in tests/sms), and ``?tp=``."""

from __future__ import annotations

import pytest

from campaigns.models import CampaignChannel, Invitation, InvitationStatus, SkipReason
from contacts.services import suppression_add
from feedback.models import Contact, Response
from sms.models import SmsMessage
from tests import factories
from tests.campaigns.conftest import send_all

pytestmark = pytest.mark.django_db


def test_an_sms_campaign_sends_the_short_personal_link(
    organization, live_survey, make_audience, make_campaign
):
    texted = Contact.all_orgs.create(organization=organization, name="Ana", phone="+4915112345678")
    stopped = Contact.all_orgs.create(organization=organization, name="Bo", phone="+4915112345679")
    email_only = Contact.all_orgs.create(organization=organization, name="Cy", email="cy@example.net")
    suppression_add(organization_id=organization.pk, channel="sms", address="+4915112345679", reason="stop")
    campaign = make_campaign(
        live_survey, make_audience([texted, stopped, email_only]), channel=CampaignChannel.SMS
    )

    assert send_all(campaign) == 1

    invitation = Invitation.all_orgs.get(contact=texted)
    [message] = SmsMessage.all_orgs.all()
    assert (message.to_number, message.invitation_id, message.contact_id) == (
        "+4915112345678",
        invitation.pk,
        texted.pk,
    )
    assert message.body == (
        f"{organization.name}: how was your experience? Tell us here: http://localhost:8000/i/{invitation.token}"
    )
    assert (invitation.status, invitation.provider_message_id) == (
        InvitationStatus.SENT,
        message.provider_message_id,
    )
    assert set(
        Invitation.all_orgs.filter(contact__in=[stopped, email_only]).values_list(
            "contact__name", "skip_reason"
        )
    ) == {("Bo", SkipReason.SUPPRESSED), ("Cy", SkipReason.NO_ADDRESS)}


def test_a_touchpoint_in_the_link_places_the_response(organization, live_survey, client):
    store = factories.TouchpointFactory(organization=organization)
    foreign = factories.TouchpointFactory(organization=factories.OrganizationFactory())

    client.get(f"/s/{live_survey.public_id}/?tp={store.pk}&nps=7")
    other = type(client)()
    other.get(f"/s/{live_survey.public_id}/?tp={foreign.pk}&nps=8")

    touchpoints = dict(Response.all_orgs.values_list("nps", "touchpoint_id"))
    assert touchpoints == {7: store.pk, 8: live_survey.touchpoint_id}


def test_a_touchpoint_travels_with_the_first_answer_form(organization, live_survey, client):
    store = factories.TouchpointFactory(organization=organization)

    page = client.get(f"/s/{live_survey.public_id}/?tp={store.pk}")
    client.post(f"/s/{live_survey.public_id}/q/nps/", {"nps": "5", "_m.tp": str(store.pk)})

    assert f'name="_m.tp" value="{store.pk}"' in page.content.decode()
    assert Response.all_orgs.get().touchpoint_id == store.pk
