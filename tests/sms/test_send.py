"""sms_send: the message is recorded, sent through the provider, and its outcome stored."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.models import Organization
from contacts.models import Suppression
from contacts.selectors import suppression_reason
from contacts.services import suppression_add
from feedback.models import Consent
from sms.backends import SmsError
from sms.models import SmsDirection, SmsMessage, SmsStatus
from sms.services import sms_send
from tests import factories
from tests.sms.fake_twilio import FROM_NUMBER, FakeTwilio

pytestmark = pytest.mark.django_db


def test_console_backend_records_a_delivered_message(organization: Organization, caplog: Any) -> None:
    caplog.set_level("INFO", logger="sms.console")
    message = sms_send(organization_id=organization.pk, to="+49 170 123-45678", body="Hello Alex")
    stored = SmsMessage.all_orgs.get(pk=message.pk)
    assert (stored.direction, stored.to_number, stored.body, stored.backend, stored.status) == (
        SmsDirection.OUTBOUND,
        "+4917012345678",
        "Hello Alex",
        "console",
        SmsStatus.DELIVERED,
    )
    assert stored.provider_message_id.startswith("console-")
    assert "Hello Alex" in caplog.text


def test_twilio_send_records_the_sid_and_the_status_callback(
    organization: Organization, fake_twilio: FakeTwilio
) -> None:
    contact = factories.ContactFactory(organization=organization, phone="+4917012345678")
    message = sms_send(
        organization_id=organization.pk, to="0049 170 12345678", body="Hi", contact_id=contact.pk
    )
    sent = fake_twilio.messages[0]
    stored = SmsMessage.all_orgs.get(pk=message.pk)
    assert (stored.provider_message_id, stored.status, stored.from_number, stored.backend) == (
        sent.sid,
        SmsStatus.QUEUED,
        FROM_NUMBER,
        "twilio",
    )
    assert stored.contact_id == contact.pk
    assert sent.to == "+4917012345678"
    assert sent.status_callback == f"{settings.SITE_URL}/api/v1/sms/twilio/status"


def test_a_permanent_failure_is_saved_then_raised(
    organization: Organization, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_with = [21211]
    with pytest.raises(SmsError) as raised:
        sms_send(organization_id=organization.pk, to="+4917012345678", body="Hi")
    assert raised.value.permanent is True
    stored = SmsMessage.all_orgs.get(organization=organization)
    assert (stored.status, stored.error_code, stored.error, stored.provider_message_id) == (
        SmsStatus.FAILED,
        "21211",
        "The 'To' number is not a valid phone number.",
        "",
    )


def test_a_transient_failure_is_saved_then_raised(
    organization: Organization, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.fail_with = [20503]
    with pytest.raises(SmsError) as raised:
        sms_send(organization_id=organization.pk, to="+4917012345678", body="Hi")
    assert (raised.value.permanent, raised.value.code) == (False, "20503")
    assert SmsMessage.all_orgs.get(organization=organization).status == SmsStatus.FAILED


def test_an_unsubscribed_recipient_is_suppressed(organization: Organization, fake_twilio: FakeTwilio) -> None:
    contact = factories.ContactFactory(organization=organization, phone="+4917012345678")
    fake_twilio.fail_with = [21610]
    with pytest.raises(SmsError):
        sms_send(organization_id=organization.pk, to="+4917012345678", body="Hi", contact_id=contact.pk)
    assert suppression_reason(organization.pk, "sms", "+4917012345678") == "stop"
    contact.refresh_from_db()
    assert contact.consent == Consent.WITHDRAWN


def test_an_invalid_number_is_never_sent(organization: Organization, fake_twilio: FakeTwilio) -> None:
    with pytest.raises(SmsError) as raised:
        sms_send(organization_id=organization.pk, to="call me", body="Hi")
    assert (raised.value.permanent, raised.value.code) == (True, "invalid_number")
    assert fake_twilio.requests_seen == 0
    assert SmsMessage.all_orgs.get(organization=organization).status == SmsStatus.FAILED


def test_an_empty_text_is_never_sent(organization: Organization, fake_twilio: FakeTwilio) -> None:
    with pytest.raises(SmsError) as raised:
        sms_send(organization_id=organization.pk, to="+4917012345678", body="  ")
    assert raised.value.code == "invalid_body"
    assert fake_twilio.requests_seen == 0


def test_a_suppressed_number_is_never_sent(organization: Organization, fake_twilio: FakeTwilio) -> None:
    suppression_add(organization_id=organization.pk, channel="sms", address="+4917012345678", reason="manual")
    with pytest.raises(SmsError) as raised:
        sms_send(organization_id=organization.pk, to="+49 170 12345678", body="Hi")
    assert (raised.value.permanent, raised.value.code) == (True, "suppressed")
    assert fake_twilio.requests_seen == 0
    assert Suppression.all_orgs.filter(organization=organization).count() == 1


def test_another_organisations_contact_is_refused(
    organization: Organization, other_organization: Organization
) -> None:
    stranger = factories.ContactFactory(organization=other_organization, phone="+4917012345678")
    with pytest.raises(ValidationError):
        sms_send(organization_id=organization.pk, to="+4917012345678", body="Hi", contact_id=stranger.pk)
    assert SmsMessage.all_orgs.count() == 0
