from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    """Asking for feedback: email and SMS invitation campaigns with personal links, reminders, throttled
    sending, the organisation's fatigue rules enforced at send time, and each campaign's report."""

    name = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from campaigns import tasks  # noqa: F401 -- registers the dispatcher with Celery
        from campaigns.services.erasure import invitations_erase, invitations_export
        from campaigns.services.tracking import (
            handle_contact_unsubscribed,
            handle_response_created,
            handle_response_finished,
        )
        from contacts.privacy import register_eraser, register_exporter
        from core.outbox import register

        register("response.created", handle_response_created)
        register("response.finished", handle_response_finished)
        register("contact.unsubscribed", handle_contact_unsubscribed)
        register_eraser("campaigns", invitations_erase)
        register_exporter("campaigns", invitations_export)

        from campaigns.services import retention

        retention.register_purgers()
