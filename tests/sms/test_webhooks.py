"""Twilio's webhooks: delivery reports and inbound keywords, signed with X-Twilio-Signature."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Organization
from campaigns.models import InvitationStatus
from contacts.selectors import suppression_reason
from contacts.services import suppression_add
from sms.models import SmsDirection, SmsMessage, SmsStatus
from sms.services import sms_send
from tests import factories
from tests.sms.fake_twilio import FakeTwilio
from tests.sms.helpers import FORM, signed_post, sms_invitation

pytestmark = pytest.mark.django_db

NUMBER = "+4917012345678"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def twiml(text: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{text}</Message></Response>'


def status_report(sid: str, status: str, error_code: str = "") -> dict[str, str]:
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32}
    if error_code:
        params["ErrorCode"] = error_code
    return params


def inbound(body: str, number: str = NUMBER) -> dict[str, str]:
    return {
        "From": number,
        "To": "+15005550006",
        "Body": body,
        "MessageSid": f"SM{abs(hash(body)):032x}"[:34],
    }


@pytest.fixture
def sent(organization: Organization, fake_twilio: FakeTwilio) -> SmsMessage:
    contact = factories.ContactFactory(organization=organization, phone=NUMBER)
    invitation = sms_invitation(organization, contact)
    return sms_send(
        organization_id=organization.pk,
        to=NUMBER,
        body="Hi",
        invitation_id=invitation.pk,
        contact_id=contact.pk,
    )


def test_delivered_report_updates_message_and_invitation(client: Client, sent: SmsMessage) -> None:
    answer = signed_post(
        client, "api_sms_twilio_status", status_report(sent.provider_message_id, "delivered")
    )
    assert answer.status_code == 200
    sent.refresh_from_db()
    assert sent.status == SmsStatus.DELIVERED
    assert sent.invitation is not None
    assert sent.invitation.delivered_at is not None
    assert sent.invitation.status == InvitationStatus.SENT


def test_a_late_sent_report_does_not_undo_delivered(client: Client, sent: SmsMessage) -> None:
    signed_post(client, "api_sms_twilio_status", status_report(sent.provider_message_id, "delivered"))
    signed_post(client, "api_sms_twilio_status", status_report(sent.provider_message_id, "sent"))
    sent.refresh_from_db()
    assert sent.status == SmsStatus.DELIVERED


def test_undelivered_report_fails_the_invitation(client: Client, sent: SmsMessage) -> None:
    answer = signed_post(
        client, "api_sms_twilio_status", status_report(sent.provider_message_id, "undelivered", "30005")
    )
    assert answer.status_code == 200
    sent.refresh_from_db()
    assert (sent.status, sent.error_code, sent.error) == (
        SmsStatus.UNDELIVERED,
        "30005",
        "Unknown destination handset",
    )
    assert sent.invitation is not None
    assert (sent.invitation.status, sent.invitation.error, sent.invitation.delivered_at) == (
        InvitationStatus.FAILED,
        "Unknown destination handset",
        None,
    )


def test_failed_with_21610_suppresses_the_number(
    client: Client, sent: SmsMessage, organization: Organization
) -> None:
    signed_post(client, "api_sms_twilio_status", status_report(sent.provider_message_id, "failed", "21610"))
    assert suppression_reason(organization.pk, "sms", NUMBER) == "stop"


def test_an_unknown_message_is_accepted_and_ignored(client: Client, fake_twilio: FakeTwilio) -> None:
    answer = signed_post(client, "api_sms_twilio_status", status_report("SM" + "9" * 32, "delivered"))
    assert answer.status_code == 200


@pytest.mark.parametrize("url_name", ["api_sms_twilio_status", "api_sms_twilio_inbound"])
def test_a_wrong_signature_is_refused(client: Client, sent: SmsMessage, url_name: str) -> None:
    answer = signed_post(
        client, url_name, status_report(sent.provider_message_id, "delivered"), token="wrong"
    )
    assert answer.status_code == 403
    sent.refresh_from_db()
    assert sent.status == SmsStatus.QUEUED


def test_a_tampered_parameter_is_refused(client: Client, sent: SmsMessage) -> None:
    from django.conf import settings

    from sms.signature import twilio_signature
    from tests.sms.fake_twilio import AUTH_TOKEN

    path = reverse("api_sms_twilio_status")
    signed = status_report(sent.provider_message_id, "sent")
    signature = twilio_signature(
        AUTH_TOKEN, f"{settings.SITE_URL}{path}", {k: [v] for k, v in signed.items()}
    )
    tampered = {**signed, "MessageStatus": "delivered"}
    answer = client.post(path, data=urlencode(tampered), content_type=FORM, HTTP_X_TWILIO_SIGNATURE=signature)
    assert answer.status_code == 403


def test_a_missing_signature_is_refused(client: Client, fake_twilio: FakeTwilio) -> None:
    answer = client.post(
        reverse("api_sms_twilio_inbound"), data=urlencode(inbound("STOP")), content_type=FORM
    )
    assert answer.status_code == 403


def test_the_webhooks_are_off_with_the_console_backend(client: Client, settings: Any) -> None:
    settings.SMS_URL = "console://"
    answer = signed_post(client, "api_sms_twilio_inbound", inbound("STOP"))
    assert answer.status_code == 404


def test_stop_then_start(client: Client, sent: SmsMessage, organization: Organization) -> None:
    stop = signed_post(client, "api_sms_twilio_inbound", inbound("  stop "))
    assert stop.status_code == 200
    assert stop["Content-Type"] == "text/xml; charset=utf-8"
    assert stop.content.decode() == twiml(
        "You are unsubscribed and will get no more texts from us. Reply START to subscribe again."
    )
    assert suppression_reason(organization.pk, "sms", NUMBER) == "stop"
    received = SmsMessage.all_orgs.get(organization=organization, direction=SmsDirection.INBOUND)
    assert (received.from_number, received.body, received.status, received.contact_id) == (
        NUMBER,
        "  stop ",
        SmsStatus.RECEIVED,
        sent.contact_id,
    )

    start = signed_post(client, "api_sms_twilio_inbound", inbound("Start"))
    assert start.content.decode() == twiml("You are subscribed again. Reply STOP to unsubscribe.")
    assert suppression_reason(organization.pk, "sms", NUMBER) is None


def test_start_does_not_lift_another_kind_of_suppression(
    client: Client, sent: SmsMessage, organization: Organization
) -> None:
    suppression_add(organization_id=organization.pk, channel="sms", address=NUMBER, reason="unsubscribed")
    signed_post(client, "api_sms_twilio_inbound", inbound("START"))
    assert suppression_reason(organization.pk, "sms", NUMBER) == "unsubscribed"


@pytest.mark.parametrize(
    "word", ["STOPALL", "unsubscribe", "Cancel", "END", "quit", "СТОП", "стоп!", "BERHENTI", "退订"]
)
def test_stop_keywords_in_every_language(
    client: Client, sent: SmsMessage, organization: Organization, word: str
) -> None:
    answer = signed_post(client, "api_sms_twilio_inbound", inbound(word))
    assert answer.status_code == 200
    assert answer.content.decode().startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')
    assert suppression_reason(organization.pk, "sms", NUMBER) == "stop"


def test_stop_in_a_sentence_is_an_ordinary_message(
    client: Client, sent: SmsMessage, organization: Organization
) -> None:
    answer = signed_post(client, "api_sms_twilio_inbound", inbound("please stop"))
    assert answer.content.decode() == EMPTY_TWIML
    assert suppression_reason(organization.pk, "sms", NUMBER) is None
    assert SmsMessage.all_orgs.filter(direction=SmsDirection.INBOUND).count() == 1


def test_stop_applies_to_every_organisation_that_texted_the_number(
    client: Client, sent: SmsMessage, organization: Organization, other_organization: Organization
) -> None:
    sms_send(organization_id=other_organization.pk, to=NUMBER, body="Hello from Globex")
    untouched = factories.OrganizationFactory(name="Initech", slug="initech")
    signed_post(client, "api_sms_twilio_inbound", inbound("STOP"))
    assert suppression_reason(organization.pk, "sms", NUMBER) == "stop"
    assert suppression_reason(other_organization.pk, "sms", NUMBER) == "stop"
    assert suppression_reason(untouched.pk, "sms", NUMBER) is None


def test_help_reply(client: Client, sent: SmsMessage, organization: Organization) -> None:
    answer = signed_post(client, "api_sms_twilio_inbound", inbound("help"))
    assert answer.content.decode() == twiml(
        "We send you short feedback surveys. Reply STOP to unsubscribe, START to subscribe again."
    )
    assert suppression_reason(organization.pk, "sms", NUMBER) is None


def test_an_unknown_number_gets_an_empty_answer(client: Client, sent: SmsMessage) -> None:
    answer = signed_post(client, "api_sms_twilio_inbound", inbound("STOP", number="+4915199999999"))
    assert answer.status_code == 200
    assert answer.content.decode() == EMPTY_TWIML
    assert SmsMessage.all_orgs.filter(direction=SmsDirection.INBOUND).count() == 0


def test_a_repeated_inbound_message_is_recorded_once(client: Client, sent: SmsMessage) -> None:
    signed_post(client, "api_sms_twilio_inbound", inbound("thanks"))
    signed_post(client, "api_sms_twilio_inbound", inbound("thanks"))
    assert SmsMessage.all_orgs.filter(direction=SmsDirection.INBOUND).count() == 1


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"From": "", "Body": ""},
        {"From": "not a number", "Body": "STOP"},
        {"From": NUMBER},
        {"Body": "STOP"},
        {"From": NUMBER, "Body": "x" * 100_000},
        {"From": "+" + "9" * 500, "Body": "STOP"},
        {"MessageSid": "SM" + "1" * 5000, "MessageStatus": "delivered"},
        {"MessageSid": "SM1", "MessageStatus": "exploded"},
        {"MessageSid": "", "MessageStatus": ""},
        {"From": "\x00\ufffd", "Body": "\x00"},
    ],
)
@pytest.mark.parametrize("url_name", ["api_sms_twilio_status", "api_sms_twilio_inbound"])
def test_malformed_signed_input_never_fails(
    client: Client, sent: SmsMessage, url_name: str, params: dict[str, str]
) -> None:
    answer = signed_post(client, url_name, params)
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xfe\x00garbage", FORM),
        (b'{"From": "+4917012345678", "Body": "STOP"}', "application/json"),
        (b"a=" + b"%ZZ" * 10, FORM),
        (b"&".join(b"f%d=1" % n for n in range(2000)), FORM),
        (b"x" * 3_000_000, FORM),
        (b"--boundary\r\nbroken", "multipart/form-data; boundary=boundary"),
    ],
)
@pytest.mark.parametrize("url_name", ["api_sms_twilio_status", "api_sms_twilio_inbound"])
def test_malformed_bodies_never_fail(
    client: Client, fake_twilio: FakeTwilio, url_name: str, body: bytes, content_type: str
) -> None:
    answer = client.post(reverse(url_name), data=body, content_type=content_type, HTTP_X_TWILIO_SIGNATURE="x")
    assert answer.status_code in (400, 403, 413)


def test_get_is_not_allowed(client: Client, fake_twilio: FakeTwilio) -> None:
    assert client.get(reverse("api_sms_twilio_inbound")).status_code == 405
