from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from core.outbox import register
        from tickets import tasks  # noqa: F401 -- registers the ticket and SLA tasks with Celery
        from tickets.services.followup import handle_response_finished

        register("response.finished", handle_response_finished)

        from tickets.services import retention

        retention.register_purgers()
