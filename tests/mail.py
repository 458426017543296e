"""The ``smtp_sink`` fixture: a real SMTP server on loopback that keeps every message sent.

Django's SMTP backend is pointed at it, for this process through the ``settings`` fixture and for
child processes started afterwards (``celery_worker``) through ``EMAIL_URL`` in the environment: request
``smtp_sink`` before ``celery_worker`` in a test's arguments so that the worker inherits it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from core.mailsink import MailSink


@pytest.fixture
def smtp_sink(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[MailSink]:
    sink = MailSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    monkeypatch.setenv("EMAIL_URL", f"smtp://{sink.host}:{sink.port}")
    try:
        yield sink
    finally:
        sink.stop()
