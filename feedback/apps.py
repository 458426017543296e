from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        from core.outbox import register
        from feedback.alerts import tasks as _alert_tasks  # noqa: F401 -- so Celery finds the alert tasks
        from feedback.alerts.services import handle_response_finished

        register("response.finished", handle_response_finished)

        from feedback.services import retention

        retention.register_purgers()
