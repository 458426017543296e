"""What feedback deletes past an organisation's retention period (``core.retention``).

- ``responses``: every response received before the cut-off, with everything that hangs on it: its
  answers, comment, hidden fields and metadata (columns of the row), its text analysis (sentiment,
  keywords, themes: columns too), its manual tags, alert matches, alert deliveries and digest entries,
  and its links to tickets (Django's collector deletes those children in the same batch). Tickets and
  invitations that pointed at it keep their own fields (the link becomes empty). For every
  organisation-local day that lost responses a ``response.deleted`` outbox event is recorded in the
  batch's transaction, so the analytics rollups of exactly those days are rebuilt from what remains.
- ``feedback_imports``: import jobs of external feedback last touched before the cut-off, and their
  uploaded files (removed after the batch commits). Their reports and errors quote rows of the file.
- ``alert_deliveries`` / ``alert_digest_entries``: the alert delivery log (targets, errors) and sent
  digest entries older than the cut-off; a delivery still pending or being sent stays until it ends.
"""

from __future__ import annotations

from datetime import date

from django.core.files.storage import default_storage
from django.db import transaction

from core.outbox import outbox_record_many
from core.retention import RetentionScope, delete_in_batches, register_purger
from feedback.alerts.models import AlertDelivery, AlertDeliveryStatus, AlertDigestEntry
from feedback.models import FileImportJob, ImportJob, Response

_UNFINISHED_DELIVERY = (AlertDeliveryStatus.PENDING, AlertDeliveryStatus.SENDING)


def responses_purge(scope: RetentionScope) -> int:
    from analytics.selectors import org_zone

    zone = org_zone(scope.organization)

    def announce(rows: list[Response]) -> None:
        days: set[date] = {row.received_at.astimezone(zone).date() for row in rows}
        outbox_record_many(
            organization_id=scope.organization_id,
            events=[
                ("response.deleted", {"organization_id": scope.organization_id, "day": day.isoformat()})
                for day in sorted(days)
            ],
        )

    return delete_in_batches(
        Response.all_orgs.filter(organization_id=scope.organization_id, received_at__lt=scope.cutoff),
        batch_size=scope.batch_size,
        dry_run=scope.dry_run,
        before_delete=announce,
    )


def file_imports_purge(model: type[FileImportJob], scope: RetentionScope) -> int:
    """Delete import jobs (and their stored files) not touched since the cut-off. A job that has not
    moved for a whole retention period is finished or dead, whatever its status says."""

    def remove_files(rows: list[FileImportJob]) -> None:
        paths = [row.file_path for row in rows if row.file_path]

        def delete_files() -> None:
            for path in paths:
                default_storage.delete(path)

        transaction.on_commit(delete_files)

    return delete_in_batches(
        model.all_orgs.filter(organization_id=scope.organization_id, updated_at__lt=scope.cutoff),
        batch_size=scope.batch_size,
        dry_run=scope.dry_run,
        before_delete=remove_files,
    )


def feedback_imports_purge(scope: RetentionScope) -> int:
    return file_imports_purge(ImportJob, scope)


def alert_deliveries_purge(scope: RetentionScope) -> int:
    return delete_in_batches(
        AlertDelivery.all_orgs.filter(
            organization_id=scope.organization_id, created_at__lt=scope.cutoff
        ).exclude(status__in=_UNFINISHED_DELIVERY),
        batch_size=scope.batch_size,
        dry_run=scope.dry_run,
    )


def alert_digest_entries_purge(scope: RetentionScope) -> int:
    return delete_in_batches(
        AlertDigestEntry.all_orgs.filter(
            organization_id=scope.organization_id, created_at__lt=scope.cutoff, sent_at__isnull=False
        ),
        batch_size=scope.batch_size,
        dry_run=scope.dry_run,
    )


def register_purgers() -> None:
    """Called from ``FeedbackConfig.ready``. The logs go first, so that their counts are their own
    rather than the cascades of the responses' deletion."""
    register_purger("alert_deliveries", alert_deliveries_purge)
    register_purger("alert_digest_entries", alert_digest_entries_purge)
    register_purger("responses", responses_purge)
    register_purger("feedback_imports", feedback_imports_purge)
