"""Campaign endpoints under /api/v1/: the email provider's event webhook."""

from django.urls import URLPattern, URLResolver, path

from campaigns.api.views import EmailEventsView

urlpatterns: list[URLPattern | URLResolver] = [
    path("email/events", EmailEventsView.as_view(), name="api_email_events"),
]
