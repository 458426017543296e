"""Retention: what each app deletes once it is older than an organisation's retention period.

``Organization.retention_days`` (empty keeps everything) is enforced by ``retention_sweep``: for every
organisation with a period it computes the cut-off (now − retention_days) and calls each registered
purger with a ``RetentionScope``. Apps register their purgers from ``AppConfig.ready()`` the way they
register erasers with ``contacts.privacy``; docs/privacy.md lists what each one deletes.

Rules every purger follows:
- it deletes in bounded batches, one transaction per batch (``delete_in_batches``), so a first run over
  years of data never holds long locks and a run that is stopped keeps what it already committed;
- it is idempotent: what is past the cut-off and gone stays gone, a second run deletes nothing;
- it only counts when ``scope.dry_run`` is set;
- it uses ``.all_orgs`` with an explicit ``organization_id`` (a sweep is cross-tenant).

Purgers run in registration order (INSTALLED_APPS order of the ``ready()`` calls).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import Organization

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 1000
# pg_try_advisory_lock(key, organization_id): two sweeps never work on one organisation at once.
_LOCK_KEY = 0x5245544E  # "RETN"

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class RetentionScope:
    """What one purger is asked to do: delete the organisation's rows older than ``cutoff``."""

    organization: Organization
    cutoff: datetime
    batch_size: int = DEFAULT_BATCH_SIZE
    dry_run: bool = False

    @property
    def organization_id(self) -> int:
        return self.organization.pk


Purger = Callable[[RetentionScope], int]

_purgers: dict[str, Purger] = {}


def register_purger(name: str, fn: Purger) -> None:
    """``fn(scope)`` deletes (or, on a dry run, counts) one app's rows of ``scope.organization`` older
    than ``scope.cutoff`` and returns how many. Registering a name again replaces the purger."""
    _purgers[name] = fn


def registered_purgers() -> list[str]:
    return list(_purgers)


def delete_in_batches(
    queryset: models.QuerySet[M],
    *,
    batch_size: int,
    dry_run: bool,
    before_delete: Callable[[list[M]], None] | None = None,
) -> int:
    """Delete the rows of ``queryset`` ``batch_size`` at a time, each batch in its own transaction
    (cascades included, through Django's collector). Returns how many rows of the queryset went.

    ``before_delete(rows)`` runs inside the batch's transaction with the locked rows (e.g. to record an
    outbox event or to remember files to remove after commit). Rows another sweep holds are skipped and
    picked up by the next run. On a dry run the rows are only counted.
    """
    if dry_run:
        return queryset.count()
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    model = queryset.model
    manager: models.Manager[Any] = model._base_manager  # all_orgs for tenant models
    total = 0
    while True:
        with transaction.atomic():
            rows = list(
                queryset.order_by("pk").select_for_update(skip_locked=True, of=("self",))[:batch_size]
            )
            if not rows:
                break
            if before_delete is not None:
                before_delete(rows)
            _all, per_model = manager.filter(pk__in=[row.pk for row in rows]).delete()
            deleted = per_model.get(model._meta.label, 0)
        total += deleted
        if len(rows) < batch_size or deleted == 0:
            break
    return total


@dataclass
class RetentionReport:
    organization_id: int
    slug: str
    cutoff: str
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def retention_cutoff(organization: Organization, *, now: datetime | None = None) -> datetime | None:
    if not organization.retention_days:
        return None
    return (now or timezone.now()) - timedelta(days=organization.retention_days)


def _try_lock(organization_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", (_LOCK_KEY, organization_id))
        row = cursor.fetchone()
    return bool(row and row[0])


def _unlock(organization_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", (_LOCK_KEY, organization_id))


def retention_purge_organization(
    *,
    organization: Organization,
    now: datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
) -> RetentionReport | None:
    """Run every purger for one organisation. ``None`` when it keeps data forever, or when another
    sweep is working on it right now. Records one audit event with the counts when rows were deleted.

    Not one transaction on purpose: each batch commits on its own (see ``delete_in_batches``).
    """
    from accounts.services import audit_record

    cutoff = retention_cutoff(organization, now=now)
    if cutoff is None:
        return None
    if not _try_lock(organization.pk):
        logger.info("retention: %s is being swept by another run", organization.slug)
        return None
    try:
        scope = RetentionScope(
            organization=organization, cutoff=cutoff, batch_size=batch_size, dry_run=dry_run
        )
        report = RetentionReport(
            organization_id=organization.pk,
            slug=organization.slug,
            cutoff=cutoff.isoformat(),
            dry_run=dry_run,
        )
        for name, purger in _purgers.items():
            report.counts[name] = purger(scope)
    finally:
        _unlock(organization.pk)
    # An hourly sweep that found nothing due leaves no trace: the audit log records deletions only.
    if not dry_run and report.total:
        audit_record(
            organization=organization,
            actor=None,
            action="retention.purged",
            after={
                "cutoff": report.cutoff,
                "retention_days": organization.retention_days,
                "deleted": report.counts,
            },
        )
    logger.info(
        "retention: %s swept", organization.slug, extra={"deleted": report.counts, "dry_run": dry_run}
    )
    return report


def retention_sweep(
    *,
    organizations: Iterable[Organization] | None = None,
    now: datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
) -> list[RetentionReport]:
    """Purge every organisation that has a retention period (or the ones given)."""
    if organizations is None:
        organizations = Organization.objects.filter(retention_days__isnull=False).order_by("pk")
    reports: list[RetentionReport] = []
    for organization in organizations:
        report = retention_purge_organization(
            organization=organization, now=now, batch_size=batch_size, dry_run=dry_run
        )
        if report is not None:
            reports.append(report)
    return reports
