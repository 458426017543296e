from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.tenancy import TenantModel


class SmsDirection(models.TextChoices):
    OUTBOUND = "out", _("Sent")
    INBOUND = "in", pgettext_lazy("text message", "Received")


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Not delivered")
    FAILED = "failed", _("Failed")
    RECEIVED = "received", pgettext_lazy("text message", "Received")


class SmsMessage(TenantModel):
    """One text message to or from a contact. ``to_number``/``from_number``/``body`` are personal data:
    erasure of the contact clears them."""

    direction = models.CharField(max_length=3, choices=SmsDirection.choices)
    to_number = models.CharField(max_length=32)
    from_number = models.CharField(max_length=32, blank=True)
    body = models.TextField(blank=True)
    backend = models.CharField(max_length=20)
    provider_message_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=12, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    error_code = models.CharField(max_length=20, blank=True)
    error = models.CharField(max_length=300, blank=True)
    invitation = models.ForeignKey(
        "campaigns.Invitation", null=True, blank=True, on_delete=models.SET_NULL, related_name="sms_messages"
    )
    contact = models.ForeignKey(
        "feedback.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="sms_messages"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["provider_message_id"],
                name="sms_provider_id",
                condition=~models.Q(provider_message_id=""),
            ),
            models.Index(fields=["to_number"], name="sms_to_number"),
        ]
