"""Insights pages: ``/o/<org_slug>/insights/...``."""

from django.urls import URLPattern, URLResolver

from dashboards import urls_board, urls_results

app_name = "dashboards"

urlpatterns: list[URLPattern | URLResolver] = [*urls_board.urlpatterns, *urls_results.urlpatterns]
