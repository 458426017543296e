from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsConfig(AppConfig):
    """Text messages: the provider interface (a console backend for development, Twilio's REST API for
    production), every message sent or received with its delivery status, and the STOP/START keywords."""

    name = "sms"
    verbose_name = _("SMS")
