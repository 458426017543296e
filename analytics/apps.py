from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """CX metrics defined once (NPS, CSAT, CES, closed-loop KPIs), the rollups that serve them, and the
    read layer every dashboard, export header and the metrics API goes through."""

    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from analytics.services import handle_response_event
        from core.outbox import register

        for topic in ("response.created", "response.finished", "response.changed", "response.deleted"):
            register(topic, handle_response_event)
