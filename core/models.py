from __future__ import annotations

from django.db import models
from django.utils import timezone

from core.tenancy import TenantModel


class OutboxEvent(TenantModel):
    """Follow-up work recorded in the same transaction as the change that needs it.

    Written with the response it is about, so it exists exactly when the response does; handed to
    Celery after commit by the relay, and again by the sweeper if that hand-off was lost (broker down,
    worker killed). Handlers must be safe to run twice: they claim their own work under unique
    constraints.
    """

    topic = models.CharField(max_length=64)
    # Ids only, never personal data.
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    # Last time the event was handed to the broker, and how often.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    dispatch_count = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            # The sweeper's scan: unprocessed events by age.
            models.Index(
                fields=["created_at"], name="outbox_pending", condition=models.Q(processed_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"
