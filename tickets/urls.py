"""The ticket queue and its settings: ``/o/<org_slug>/tickets/...``."""

from django.urls import URLPattern

app_name = "tickets"

urlpatterns: list[URLPattern] = []
