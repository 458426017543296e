"""SLA policies, business-hours calendars and team queues: ``/o/<org_slug>/settings/sla/...``."""

from django.urls import URLPattern

app_name = "sla"

urlpatterns: list[URLPattern] = []
