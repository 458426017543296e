from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tenancy import TenantModel


class WebhookEvent(models.TextChoices):
    RESPONSE_CREATED = "response.created", _("Response created")
    RESPONSE_FINISHED = "response.finished", _("Response finished")
    TICKET_CREATED = "ticket.created", _("Ticket opened")
    TICKET_STATUS_CHANGED = "ticket.status_changed", _("Ticket status changed")


# A test delivery sent from the settings page; never subscribed to, never recorded in the outbox.
PING_TOPIC = "ping"


class WebhookEndpoint(TenantModel):
    """A URL of the customer's that receives signed POSTs for the events it subscribes to."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("URL"), max_length=2000)
    events = ArrayField(models.CharField(max_length=40, choices=WebhookEvent.choices), default=list)
    # Kept in clear: every delivery is signed with it, and the settings page shows it for copying.
    secret = models.CharField(max_length=80)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "-created_at"], name="webhook_endpoint_org")]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WebhookDelivery(TenantModel):
    """One event for one endpoint: its frozen payload and the outcome of the latest attempt."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The OutboxEvent this delivers; NULL for test pings. A plain column rather than a foreign key so
    # that pruning processed outbox rows never touches the delivery log.
    event_id = models.BigIntegerField(null=True, blank=True)
    topic = models.CharField(max_length=40)
    # Built when the delivery is created, so that every attempt sends the same data.
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # When a delivery task was last put on the queue: the sweeper re-queues one that got lost.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # When the current attempt started (status "sending"): a worker killed mid-send is noticed by age.
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    response_time_ms = models.PositiveIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # The same event is delivered at most once to one endpoint, however often it is handled.
            models.UniqueConstraint(
                fields=["organization", "endpoint", "event_id"], name="webhook_delivery_event_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "endpoint", "-created_at"], name="webhook_delivery_log"),
            # The sweeper's scan: pending deliveries by due time.
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["claimed_at"],
                name="webhook_delivery_sending",
                condition=models.Q(status="sending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"

    @property
    def can_retry(self) -> bool:
        return self.status == DeliveryStatus.FAILED
