"""Text analytics pages: ``/o/<org_slug>/insights/text/...``."""

from django.urls import URLPattern, URLResolver

app_name = "textanalysis"

urlpatterns: list[URLPattern | URLResolver] = []
