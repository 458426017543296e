from django.urls import URLPattern, URLResolver, path

from analytics.api.views import MetricsView

urlpatterns: list[URLPattern | URLResolver] = [
    path("metrics", MetricsView.as_view(), name="api_metrics"),
]
