from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def check_sms_url(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A malformed SMS_URL stops start-up (``manage.py check``), not the first text of a campaign."""
    from sms.config import sms_config

    try:
        sms_config()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="sms.E001")]
    return []


class SmsConfig(AppConfig):
    """Text messages: the provider interface (a console backend for development, Twilio's REST API for
    production), every message sent or received with its delivery status, and the STOP/START keywords."""

    name = "sms"
    verbose_name = _("SMS")

    def ready(self) -> None:
        checks.register(check_sms_url, "sms")
        from contacts import privacy
        from sms.erasure import sms_erase, sms_export

        privacy.register_eraser("sms", sms_erase)
        privacy.register_exporter("sms", sms_export)

        from sms import retention

        retention.register_purgers()
