"""In-app notifications (the bell) and their optional emails.

``notify`` writes the notifications in the caller's transaction and, after commit, queues
``tickets.notification_email`` for each recipient whose preference asks for email. The task claims the
notification by setting ``emailed_at`` with a conditional update, so it is emailed at most once; a send
that fails clears the claim and ``tickets.email_sweep`` tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Membership
from tickets.models import Notification, NotificationPreference, Ticket

logger = logging.getLogger(__name__)

PREFERENCE_FIELDS = ("email_assigned", "email_customer_reply", "email_sla")
# The preference that decides email for each kind when the caller does not say.
KIND_PREFERENCES = {
    "assigned": "email_assigned",
    "customer_reply": "email_customer_reply",
    "sla_warning": "email_sla",
    "sla_breach": "email_sla",
    "sla_escalation": "email_sla",
}
TEXT_LIMIT = 500
# The sweep re-sends notification emails lost on the way, but not forever.
EMAIL_SWEEP_WINDOW = timedelta(days=1)
EMAIL_SWEEP_GRACE = timedelta(minutes=1)


def ticket_url(ticket: Ticket) -> str:
    slug = ticket.organization.slug
    try:
        path = reverse("tickets:ticket_detail", kwargs={"org_slug": slug, "ticket_id": ticket.pk})
    except NoReverseMatch:
        path = f"/o/{slug}/tickets/{ticket.pk}/"
    return settings.SITE_URL + path


def _wants_email(membership_ids: list[int], pref: str) -> set[int]:
    refused = set(
        NotificationPreference.all_orgs.filter(membership_id__in=membership_ids, **{pref: False}).values_list(
            "membership_id", flat=True
        )
    )
    return {membership_id for membership_id in membership_ids if membership_id not in refused}


def _enqueue_emails(notification_ids: list[int]) -> None:
    """Queue the email tasks. Never raises: what cannot be queued now is left to the sweeper."""
    from tickets.tasks import notification_email_task

    for notification_id in notification_ids:
        try:
            notification_email_task.apply_async(args=[notification_id], retry=False)
        except Exception:
            logger.warning(
                "tickets: could not queue notification email %s; the sweeper will", notification_id
            )
            return


def _render(text: str | Callable[[], str], membership: Membership) -> str:
    if isinstance(text, str):
        return text
    with translation.override(membership.user.language or settings.LANGUAGE_CODE):
        return str(text())


@transaction.atomic
def notify(
    *,
    recipients: Iterable[Membership],
    kind: str,
    text: str | Callable[[], str],
    ticket: Ticket | None = None,
    email_pref: str | None = None,
) -> list[Notification]:
    """One notification per distinct recipient; emailed after commit when their preference says so.

    ``text`` is best a function that returns the translated text: it is called in each recipient's
    language, so the notification and its email read in one language.
    """
    unique: dict[int, Membership] = {}
    for membership in recipients:
        if membership is not None:
            unique.setdefault(membership.pk, membership)
    if not unique:
        return []
    now = timezone.now()
    created = Notification.all_orgs.bulk_create(
        [
            Notification(
                organization_id=membership.organization_id,
                recipient=membership,
                kind=kind,
                ticket=ticket,
                text=_render(text, membership)[:TEXT_LIMIT],
                created_at=now,
            )
            for membership in unique.values()
        ]
    )
    pref = email_pref if email_pref is not None else KIND_PREFERENCES.get(kind)
    if pref is not None:
        if pref not in PREFERENCE_FIELDS:
            raise ValueError(f"unknown notification preference {pref!r}")
        wanted = _wants_email(list(unique), pref)
        ids = [notification.pk for notification in created if notification.recipient_id in wanted]
        if ids:
            transaction.on_commit(lambda: _enqueue_emails(ids), robust=True)
    return created


@transaction.atomic
def notification_mark_read(*, membership: Membership, notification_ids: list[int] | None) -> int:
    """Mark the member's notifications read (all unread ones when ``notification_ids`` is None)."""
    unread = Notification.all_orgs.filter(
        organization_id=membership.organization_id, recipient=membership, read_at__isnull=True
    )
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def notification_preference_update(*, membership: Membership, **flags: Any) -> NotificationPreference:
    unknown = sorted(set(flags) - set(PREFERENCE_FIELDS))
    if unknown:
        raise ValidationError(_("Unknown notification setting: %(name)s.") % {"name": ", ".join(unknown)})
    preference, _created = NotificationPreference.all_orgs.get_or_create(
        organization_id=membership.organization_id, membership=membership
    )
    for name, value in flags.items():
        setattr(preference, name, bool(value))
    if flags:
        preference.save(update_fields=list(flags))
    return preference


def notification_email_send(*, notification_id: int) -> bool:
    """Email one notification, at most once. Not atomic: the claim commits before the email goes out."""
    now = timezone.now()
    claimed = Notification.all_orgs.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=now)
    if not claimed:
        return False
    notification = Notification.all_orgs.select_related(
        "recipient__user", "organization", "ticket__organization"
    ).get(pk=notification_id)
    user = notification.recipient.user
    try:
        with translation.override(user.language):
            context = {
                "notification": notification,
                "organization": notification.organization,
                "ticket": notification.ticket,
                "link": ticket_url(notification.ticket) if notification.ticket is not None else "",
            }
            subject = (
                _("[Ticket #%(number)s] %(text)s")
                % {"number": notification.ticket_id, "text": notification.text}
                if notification.ticket_id
                else notification.text
            )
            message = EmailMultiAlternatives(
                subject=subject[:200],
                body=render_to_string("tickets/email/notification.txt", context),
                to=[user.email],
            )
            message.attach_alternative(
                render_to_string("tickets/email/notification.html", context), "text/html"
            )
        message.send()
    except Exception:
        # Release the claim so that the retry or the sweep sends it.
        Notification.all_orgs.filter(pk=notification_id, emailed_at=now).update(emailed_at=None)
        raise
    return True


def notification_emails_due(*, now: datetime | None = None, batch: int = 200) -> list[int]:
    """Notifications whose email was lost on the way (queued but never sent): for the sweep."""
    now = now or timezone.now()
    candidates = list(
        Notification.all_orgs.filter(
            emailed_at__isnull=True,
            created_at__gte=now - EMAIL_SWEEP_WINDOW,
            created_at__lte=now - EMAIL_SWEEP_GRACE,
            kind__in=list(KIND_PREFERENCES),
        )
        .order_by("created_at")
        .values_list("pk", "recipient_id", "kind")[:batch]
    )
    refused = {
        (membership_id, field)
        for membership_id, *flags in NotificationPreference.all_orgs.filter(
            membership_id__in={recipient for _pk, recipient, _kind in candidates}
        ).values_list("membership_id", *PREFERENCE_FIELDS)
        for field, flag in zip(PREFERENCE_FIELDS, flags, strict=True)
        if not flag
    }
    return [pk for pk, recipient, kind in candidates if (recipient, KIND_PREFERENCES[kind]) not in refused]
