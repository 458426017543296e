from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.sms.fake_twilio import FakeTwilio


@pytest.fixture
def fake_twilio(settings: Any) -> Iterator[FakeTwilio]:
    """A local Twilio, with SMS_URL pointing at it."""
    fake = FakeTwilio().start()
    settings.SMS_URL = fake.sms_url
    try:
        yield fake
    finally:
        fake.stop()
