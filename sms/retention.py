"""What sms deletes past an organisation's retention period (``core.retention``).

``sms_messages``: every text message, sent or received, created before the cut-off: its numbers and
text are personal data. Delivery callbacks arrive within minutes, so a message older than a retention
period (one day at least) has nothing left to wait for, whatever its status.
"""

from __future__ import annotations

from core.retention import RetentionScope, delete_in_batches, register_purger
from sms.models import SmsMessage


def sms_messages_purge(scope: RetentionScope) -> int:
    return delete_in_batches(
        SmsMessage.all_orgs.filter(organization_id=scope.organization_id, created_at__lt=scope.cutoff),
        batch_size=scope.batch_size,
        dry_run=scope.dry_run,
    )


def register_purgers() -> None:
    """Called from ``SmsConfig.ready``."""
    register_purger("sms_messages", sms_messages_purge)
