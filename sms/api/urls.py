"""Twilio's webhooks under /api/v1/: delivery-status reports and inbound texts."""

from django.urls import URLPattern, path

from sms.api.views import TwilioInboundView, TwilioStatusView

urlpatterns: list[URLPattern] = [
    path("sms/twilio/status", TwilioStatusView.as_view(), name="api_sms_twilio_status"),
    path("sms/twilio/inbound", TwilioInboundView.as_view(), name="api_sms_twilio_inbound"),
]
