"""The whole round trip over real HTTP: we send through the local Twilio, which calls our status
callback on a live server, signed as Twilio signs it."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Organization
from campaigns.models import Invitation
from sms.models import SmsMessage, SmsStatus
from sms.services import sms_send
from tests import factories
from tests.sms.fake_twilio import FakeTwilio
from tests.sms.helpers import sms_invitation


@pytest.mark.django_db(transaction=True)
def test_status_callback_over_http(
    live_server: Any, settings: Any, organization: Organization, fake_twilio: FakeTwilio
) -> None:
    settings.SITE_URL = live_server.url
    contact = factories.ContactFactory(organization=organization, phone="+4917012345678")
    invitation = sms_invitation(organization, contact)
    message = sms_send(
        organization_id=organization.pk, to=contact.phone, body="Hi", invitation_id=invitation.pk
    )
    sent = fake_twilio.messages[0]
    assert sent.status_callback == f"{live_server.url}/api/v1/sms/twilio/status"

    assert fake_twilio.report_status(sent, "sent").status_code == 200
    assert fake_twilio.report_status(sent, "delivered").status_code == 200

    assert SmsMessage.all_orgs.get(pk=message.pk).status == SmsStatus.DELIVERED
    assert Invitation.all_orgs.get(pk=invitation.pk).delivered_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_callback_signed_for_another_url_is_refused(
    live_server: Any, settings: Any, organization: Organization, fake_twilio: FakeTwilio
) -> None:
    settings.SITE_URL = live_server.url
    sms_send(organization_id=organization.pk, to="+4917012345678", body="Hi")
    sent = fake_twilio.messages[0]
    answer = fake_twilio.signed_post(
        sent.status_callback,
        {"MessageSid": sent.sid, "MessageStatus": "delivered"},
        sign_url="https://elsewhere.example/api/v1/sms/twilio/status",
    )
    assert answer.status_code == 403
    assert SmsMessage.all_orgs.get(provider_message_id=sent.sid).status == SmsStatus.QUEUED
