from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TextAnalysisConfig(AppConfig):
    """Sentiment, keywords and themes of free text in the four shipped languages, and manual tags."""

    name = "textanalysis"
    verbose_name = _("Text analytics")

    def ready(self) -> None:
        from core.outbox import register
        from textanalysis import tasks as _tasks  # noqa: F401 -- so Celery finds the tasks
        from textanalysis.services import THEMES_CHANGED, handle_response_event, handle_themes_changed

        # Registered before feedback's alert handler (INSTALLED_APPS order), so that alert rules on
        # sentiment read the stored analysis.
        register("response.created", handle_response_event)
        register("response.finished", handle_response_event)
        register(THEMES_CHANGED, handle_themes_changed)
