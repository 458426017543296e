from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Outgoing webhooks: endpoints an organisation configures, and the signed deliveries to them.

    Its own app because response events (now) and ticket events (later) both deliver through it.
    """

    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from core.outbox import register
        from webhooks.models import WebhookEvent
        from webhooks.services import handle_outbox_event

        for topic in WebhookEvent.values:
            register(topic, handle_outbox_event)

        from webhooks import retention

        retention.register_purgers()
