"""Hourly and daily digests: one email per recipient with every alert that is due for them.

Entries are claimed with SKIP LOCKED and marked ``claimed_at`` in a short transaction, so two digest
runs never send the same entry twice; the email goes out after that commit, then ``sent_at`` is set. A
failed send releases the claim for the next run; a claim left by a dead worker is taken back after
``STALE_CLAIM``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from core.tenancy import organization_context
from feedback.alerts.models import AlertDigestEntry
from feedback.alerts.services.messages import digest_email, summarize

logger = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=5)
RECIPIENT_BATCH = 200


def _due(now: datetime) -> Q:
    return Q(sent_at__isnull=True, due_at__lte=now) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - STALE_CLAIM)
    )


def _claim(recipient_id: int, now: datetime) -> list[int]:
    with transaction.atomic():
        ids = list(
            AlertDigestEntry.all_orgs.select_for_update(skip_locked=True)
            .filter(_due(now), recipient_id=recipient_id)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
        )
        if ids:
            AlertDigestEntry.all_orgs.filter(pk__in=ids).update(claimed_at=now)
    return ids


def alert_digest_send(*, recipient_id: int, now: datetime | None = None) -> bool:
    """Send one recipient's due digest. Returns whether an email went out."""
    now = now or timezone.now()
    ids = _claim(recipient_id, now)
    if not ids:
        return False
    entries = list(
        AlertDigestEntry.all_orgs.select_related(
            "organization",
            "rule",
            "response",
            "response__organization",
            "response__contact",
            "response__survey",
            "recipient__user",
        )
        .filter(pk__in=ids)
        .order_by("created_at", "pk")
    )
    recipient = entries[0].recipient
    organization = entries[0].organization
    try:
        with organization_context(organization), translation.override(recipient.user.language):
            summaries = [summarize(entry.rule, entry.response) for entry in entries]
            digest_email(summaries, recipient.user.email, organization.name).send()
    except Exception:
        logger.exception("alerts: digest for member %s failed; the next run retries", recipient_id)
        AlertDigestEntry.all_orgs.filter(pk__in=ids, claimed_at=now).update(claimed_at=None)
        return False
    AlertDigestEntry.all_orgs.filter(pk__in=ids, claimed_at=now).update(sent_at=timezone.now())
    return True


def alert_digests_send(*, now: datetime | None = None) -> int:
    """Send every due digest; returns how many emails went out."""
    now = now or timezone.now()
    recipient_ids = list(
        AlertDigestEntry.all_orgs.filter(_due(now))
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()[:RECIPIENT_BATCH]
    )
    return sum(alert_digest_send(recipient_id=recipient_id, now=now) for recipient_id in recipient_ids)
