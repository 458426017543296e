"""Ticket endpoints under /api/v1/: the inbound email relay."""

from django.urls import URLPattern, path

from tickets.api.views import InboundEmailView

urlpatterns: list[URLPattern] = [
    path("inbound/email", InboundEmailView.as_view(), name="inbound_email"),
]
