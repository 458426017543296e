"""Ticket endpoints under /api/v1/: the inbound email relay."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
