from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    """Asking for feedback: email and SMS invitation campaigns with personal links, reminders, throttled
    sending, the organisation's fatigue rules enforced at send time, and each campaign's report."""

    name = "campaigns"
    verbose_name = _("Campaigns")
