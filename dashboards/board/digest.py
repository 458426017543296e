"""The weekly board digest by email.

The hourly beat (``dashboards.weekly_digests``) looks for opted-in members whose organisation-local time
is Monday 08:00 or later and whose ``last_week_sent`` is before this Monday. Each digest is claimed by a
conditional UPDATE of ``last_week_sent`` before it is sent, so two overlapping runs send it once; a
send that fails gives the claim back and the next run tries again. A digest missed on Monday (beat or
mail down all day) still goes out on Tuesday or Wednesday; from Thursday on, last week's digest is no
longer news and is skipped.

The digest covers the last seven complete days (Monday to Sunday) against the seven days before,
rendered in the member's language with the member's access scope.
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Organization
from accounts.roles import Perm, role_has
from accounts.selectors import access_scope_for
from core.tenancy import organization_context
from dashboards.board.context import DIGEST_PERIOD, board_context
from dashboards.models import DigestSubscription

logger = logging.getLogger(__name__)

SEND_FROM = time(8, 0)
# Monday = 0: a digest missed on Monday is still sent until the end of Wednesday.
LAST_CATCH_UP_WEEKDAY = 2
BATCH = 500


def org_zone(organization: Organization) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(organization.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def digest_week(organization: Organization, now: datetime) -> date | None:
    """This week's Monday (organisation-local) when its digest may go out now, else None: from Monday
    08:00 until the end of Wednesday (a late digest beats none)."""
    local = now.astimezone(org_zone(organization))
    if local.weekday() > LAST_CATCH_UP_WEEKDAY or (local.weekday() == 0 and local.time() < SEND_FROM):
        return None
    return local.date() - timedelta(days=local.weekday())


def board_url(organization: Organization) -> str:
    return settings.SITE_URL + reverse("dashboards:board", kwargs={"org_slug": organization.slug})


def digests_due(*, now: datetime | None = None) -> list[int]:
    """Subscriptions whose digest for this week is due now."""
    now = now or timezone.now()
    # An organisation-local Monday is within a day of the UTC date; the exact check is per organisation.
    # Anyone sent a digest since the earliest possible Monday of this window is skipped in SQL.
    not_since = now.date() - timedelta(days=LAST_CATCH_UP_WEEKDAY + 1)
    candidates = (
        DigestSubscription.all_orgs.filter(weekly=True)
        .filter(Q(last_week_sent__isnull=True) | Q(last_week_sent__lt=not_since))
        .select_related("organization")
        .order_by("pk")
        .iterator(chunk_size=BATCH)
    )
    due = []
    for subscription in candidates:
        monday = digest_week(subscription.organization, now)
        if monday is not None and (
            subscription.last_week_sent is None or subscription.last_week_sent < monday
        ):
            due.append(subscription.pk)
    return due


def digest_send(*, subscription_id: int, now: datetime | None = None) -> bool:
    """Send one member's digest for this week, at most once. Not atomic: the claim commits first."""
    now = now or timezone.now()
    subscription = DigestSubscription.all_orgs.select_related(
        "organization", "membership__user", "membership__organization"
    ).get(pk=subscription_id)
    organization = subscription.organization
    membership = subscription.membership
    monday = digest_week(organization, now)
    if monday is None or not role_has(membership.role, Perm.DASHBOARDS_VIEW):
        return False
    previous_week = subscription.last_week_sent
    claimed = (
        DigestSubscription.all_orgs.filter(pk=subscription_id, weekly=True)
        .filter(Q(last_week_sent__isnull=True) | Q(last_week_sent__lt=monday))
        .update(last_week_sent=monday)
    )
    if not claimed:
        return False
    user = membership.user
    try:
        with (
            organization_context(organization),
            translation.override(user.language or organization.default_language),
            timezone.override(org_zone(organization)),
        ):
            board = board_context(
                organization=organization,
                scope=access_scope_for(membership=membership),
                period_days=DIGEST_PERIOD,
                today=monday - timedelta(days=1),
                with_charts=False,
            )
            context = {
                "board": board,
                "organization": organization,
                "member": user,
                "link": board_url(organization),
                "settings_link": settings.SITE_URL
                + reverse("dashboards:digest_settings", kwargs={"org_slug": organization.slug}),
                "language": translation.get_language(),
            }
            subject = _("Weekly CX digest for %(organization)s: %(start)s – %(end)s") % {
                "organization": organization.name,
                "start": formats.date_format(board.start, "SHORT_DATE_FORMAT"),
                "end": formats.date_format(board.end, "SHORT_DATE_FORMAT"),
            }
            message = EmailMultiAlternatives(
                subject=subject[:200],
                body=render_to_string("dashboards/board/email/digest.txt", context),
                to=[user.email],
                headers={"Content-Language": context["language"]},
            )
            message.attach_alternative(
                render_to_string("dashboards/board/email/digest.html", context), "text/html"
            )
        message.send()
    except Exception:
        DigestSubscription.all_orgs.filter(pk=subscription_id, last_week_sent=monday).update(
            last_week_sent=previous_week
        )
        raise
    return True


def weekly_digests(*, now: datetime | None = None) -> int:
    """Send every digest due now; one failing member does not stop the others."""
    sent = 0
    for subscription_id in digests_due(now=now):
        try:
            sent += digest_send(subscription_id=subscription_id, now=now)
        except Exception:
            logger.exception("dashboards: weekly digest %s failed; the next run retries", subscription_id)
    return sent
