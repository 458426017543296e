from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from sms.apps import check_sms_url
from sms.config import SmsConfig, parse_sms_url, sms_config

SID = "AC" + "a1" * 16
SERVICE = "MG" + "b2" * 16


def test_console_is_the_default() -> None:
    assert parse_sms_url("console://") == SmsConfig(backend="console")


def test_twilio_with_a_from_number() -> None:
    config = parse_sms_url(f"twilio://{SID}:s3cr%2Ft@api.twilio.com?from=%2B15005550006")
    assert config == SmsConfig(
        backend="twilio",
        account_sid=SID,
        auth_token="s3cr/t",
        base_url="https://api.twilio.com",
        from_number="+15005550006",
        messaging_service_sid="",
        timeout=10.0,
    )
    assert config.sender == "+15005550006"


def test_twilio_over_http_with_a_messaging_service_and_timeout() -> None:
    config = parse_sms_url(f"twilio+http://{SID}:tok@127.0.0.1:8123?messaging_service={SERVICE}&timeout=2.5")
    assert (config.base_url, config.messaging_service_sid, config.from_number, config.timeout) == (
        "http://127.0.0.1:8123",
        SERVICE,
        "",
        2.5,
    )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("smtp://x", "unknown scheme"),
        ("console://somewhere", "console:// takes no host"),
        ("twilio://api.twilio.com?from=%2B15005550006", "Account SID"),
        (f"twilio://{SID}@api.twilio.com?from=%2B15005550006", "auth token"),
        (f"twilio://{SID}:tok@api.twilio.com", "exactly one of"),
        (f"twilio://{SID}:tok@api.twilio.com?from=%2B1500&messaging_service={SERVICE}", "exactly one of"),
        (f"twilio://{SID}:tok@api.twilio.com?from=15005550006", "from= must be"),
        (f"twilio://{SID}:tok@api.twilio.com?messaging_service=MG1", "messaging_service= must be"),
        (f"twilio://{SID}:tok@api.twilio.com?from=%2B15005550006&timeout=soon", "timeout= must be a number"),
        (f"twilio://{SID}:tok@api.twilio.com?from=%2B15005550006&timeout=0", "between 0.5 and 120"),
        (f"twilio://{SID}:tok@api.twilio.com?from=%2B15005550006&colour=red", "unknown options"),
        (f"twilio://{SID}:tok@api.twilio.com/v1?from=%2B15005550006", "takes no path"),
        (f"twilio://{SID}:tok@api.twilio.com:99999?from=%2B15005550006", "cannot be read"),
    ],
)
def test_malformed_values_fail_loudly(url: str, problem: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="SMS_URL is malformed") as raised:
        parse_sms_url(url)
    assert problem in str(raised.value)
    assert "tok@" not in str(raised.value)


def test_the_setting_is_checked_at_start_up(settings: Any) -> None:
    settings.SMS_URL = "twilio://nobody@example.com"
    errors = check_sms_url()
    assert [error.id for error in errors] == ["sms.E001"]
    with pytest.raises(ImproperlyConfigured):
        sms_config()
    settings.SMS_URL = "console://"
    assert check_sms_url() == []
