"""The development mailbox (``core.devmail``), mounted at /dev/mail/ only when DEV_MAILBOX_DIR is set."""

from django.urls import path

from core import devmail

app_name = "devmail"

urlpatterns = [
    path("", devmail.MailboxView.as_view(), name="list"),
    path("<str:name>/", devmail.MailView.as_view(), name="message"),
]
