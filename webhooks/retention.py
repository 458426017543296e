"""What webhooks deletes past an organisation's retention period (``core.retention``).

``webhook_deliveries``: the delivery log (each frozen payload holds a response's answers, comment and
contact) older than the cut-off, once it succeeded or failed; one still pending or being sent stays
until it ends. The endpoints stay.
"""

from __future__ import annotations

from core.retention import RetentionScope, delete_in_batches, register_purger
from webhooks.models import DeliveryStatus, WebhookDelivery

_UNFINISHED = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


def webhook_deliveries_purge(scope: RetentionScope) -> int:
    return delete_in_batches(
        WebhookDelivery.all_orgs.filter(
            organization_id=scope.organization_id, created_at__lt=scope.cutoff
        ).exclude(status__in=_UNFINISHED),
        batch_size=scope.batch_size,
        dry_run=scope.dry_run,
    )


def register_purgers() -> None:
    """Called from ``WebhooksConfig.ready``."""
    register_purger("webhook_deliveries", webhook_deliveries_purge)
