"""The Twilio adapter against a local server that speaks Twilio's Messages API."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from sms.backends import SmsError, get_backend
from sms.backends.base import SendResult
from sms.config import parse_sms_url
from tests.sms.fake_twilio import FROM_NUMBER, FakeTwilio

CALLBACK = "https://cx.example/api/v1/sms/twilio/status"


def test_send_posts_the_form_with_basic_auth(fake_twilio: FakeTwilio) -> None:
    result = get_backend().send(to="+4917012345678", body="How did we do? ✓", status_callback=CALLBACK)
    assert len(fake_twilio.messages) == 1
    sent = fake_twilio.messages[0]
    assert result == SendResult(provider_message_id=sent.sid, status="queued")
    assert sent.sid.startswith("SM")
    assert (sent.to, sent.from_, sent.messaging_service_sid, sent.body, sent.status_callback) == (
        "+4917012345678",
        FROM_NUMBER,
        "",
        "How did we do? ✓",
        CALLBACK,
    )


def test_a_messaging_service_replaces_from(fake_twilio: FakeTwilio, settings: Any) -> None:
    service = "MG" + "c3" * 16
    settings.SMS_URL = fake_twilio.sms_url.replace("from=%2B15005550006", f"messaging_service={service}")
    get_backend().send(to="+4917012345678", body="Hi", status_callback=None)
    sent = fake_twilio.messages[0]
    assert (sent.from_, sent.messaging_service_sid, sent.status_callback) == ("", service, "")


@pytest.mark.parametrize(
    ("code", "permanent", "expected_code"),
    [
        (21211, True, "21211"),
        (21610, True, "21610"),
        (21614, True, "21614"),
        (20003, True, "20003"),
        (20429, False, "20429"),
        (20500, False, "20500"),
        (20503, False, "20503"),
        (502, False, "http_502"),
    ],
)
def test_errors_are_permanent_or_transient(
    fake_twilio: FakeTwilio, code: int, permanent: bool, expected_code: str
) -> None:
    fake_twilio.fail_with = [code]
    with pytest.raises(SmsError) as raised:
        get_backend().send(to="+4917012345678", body="Hi", status_callback=None)
    assert (raised.value.permanent, raised.value.code) == (permanent, expected_code)
    assert raised.value.recipient_opted_out is (code == 21610)
    assert fake_twilio.messages == []


def test_a_wrong_auth_token_is_a_permanent_error(fake_twilio: FakeTwilio, settings: Any) -> None:
    settings.SMS_URL = fake_twilio.sms_url.replace("fake-twilio-auth-token", "wrong")
    with pytest.raises(SmsError) as raised:
        get_backend().send(to="+4917012345678", body="Hi", status_callback=None)
    assert (raised.value.permanent, raised.value.code) == (True, "20003")


def test_a_slow_provider_is_a_transient_timeout(fake_twilio: FakeTwilio) -> None:
    fake_twilio.delay = 2.5  # SMS_URL says timeout=2
    with pytest.raises(SmsError) as raised:
        get_backend().send(to="+4917012345678", body="Hi", status_callback=None)
    assert (raised.value.permanent, raised.value.code) == (False, "timeout")


def test_an_unreachable_provider_is_a_transient_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = parse_sms_url(f"twilio+http://AC{'0' * 32}:tok@127.0.0.1:{port}?from=%2B15005550006&timeout=1")
    with pytest.raises(SmsError) as raised:
        get_backend(config).send(to="+4917012345678", body="Hi", status_callback=None)
    assert (raised.value.permanent, raised.value.code) == (False, "network")
