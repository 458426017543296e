"""Organisation pages under /o/<org_slug>/surveys/: management and the builder."""

from django.urls import URLPattern, URLResolver

from surveys.urls_builder import urlpatterns as builder_patterns
from surveys.urls_manage import urlpatterns as manage_patterns

app_name = "surveys"

urlpatterns: list[URLPattern | URLResolver] = [*manage_patterns, *builder_patterns]
