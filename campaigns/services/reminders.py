"""Reminders to the contacts who did not answer: each claimed by a compare-and-swap on
``reminder_due_at``, so two dispatchers never send the same reminder."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from campaigns.models import CampaignStatus, Invitation, InvitationStatus, MessageKind
from campaigns.services.fatigue import contact_address
from campaigns.services.sending import (
    RETRY_AFTER,
    PermanentSendError,
    TransientSendError,
    _transmit,
    _Transport,
)
from feedback.models import Consent, Contact, Response
from feedback.services import survey_unavailable_reason

logger = logging.getLogger(__name__)

REMINDER_BATCH = 200


def reminders_send_due(*, now: datetime | None = None) -> int:
    """Send the reminders that are due (to those who have not answered). Returns how many went out."""
    now = now or timezone.now()
    due = list(
        Invitation.all_orgs.filter(reminder_due_at__lte=now, status=InvitationStatus.SENT)
        .order_by("reminder_due_at")
        .values_list("pk", "reminder_due_at")[:REMINDER_BATCH]
    )
    sent = 0
    with _Transport() as transport:
        for invitation_id, due_at in due:
            sent += reminder_send(invitation_id=invitation_id, due_at=due_at, now=now, transport=transport)
    return sent


def _reminder_blocked(invitation: Invitation, contact: Contact | None, now: datetime) -> bool:
    """A reminder goes only to a contact who has not answered, bounced, complained or unsubscribed, and
    who can still be reached. The fatigue cooldown and limit do not apply (see campaigns.services.fatigue)."""
    campaign = invitation.campaign
    if (
        contact is None
        or campaign.status == CampaignStatus.CANCELLED
        or invitation.reminders_sent >= campaign.max_reminders
        or any((invitation.answered_at, invitation.bounced_at, invitation.complained_at))
        or invitation.unsubscribed_at is not None
        or contact.consent == Consent.WITHDRAWN
    ):
        return True
    answered = Response.all_orgs.filter(
        organization_id=invitation.organization_id, client_id=invitation.client_id, finished_at__isnull=False
    ).exists()
    if answered or survey_unavailable_reason(invitation.survey, now=now) is not None:
        return True
    from contacts.selectors import suppression_reason

    address = contact_address(contact, invitation.channel)
    return (
        not address or suppression_reason(invitation.organization_id, invitation.channel, address) is not None
    )


@transaction.atomic
def reminder_send(
    *, invitation_id: int, due_at: datetime, now: datetime | None = None, transport: _Transport | None = None
) -> bool:
    """Send one due reminder, claimed by a compare-and-swap on ``reminder_due_at``. True when sent."""
    now = now or timezone.now()
    claimed = Invitation.all_orgs.filter(pk=invitation_id, reminder_due_at=due_at).update(
        reminder_due_at=None
    )
    if not claimed:
        return False
    invitation = (
        Invitation.all_orgs.select_related(
            "campaign", "campaign__organization", "survey", "survey__current_version"
        )
        .select_for_update(of=("self",))
        .get(pk=invitation_id)
    )
    contact = (
        Contact.all_orgs.select_for_update().filter(pk=invitation.contact_id).first()
        if invitation.contact_id is not None
        else None
    )
    if _reminder_blocked(invitation, contact, now):
        return False
    assert contact is not None
    invitation.address = contact_address(contact, invitation.channel)
    own_transport = transport is None
    active = transport if transport is not None else _Transport()
    try:
        _transmit(invitation, contact, MessageKind.REMINDER, active)
    except TransientSendError as exc:
        logger.warning("campaigns: reminder %s deferred: %s", invitation_id, exc)
        invitation.reminder_due_at = now + RETRY_AFTER
        invitation.save(update_fields=["reminder_due_at"])
        return False
    except PermanentSendError as exc:
        invitation.error = f"reminder: {exc}"[:300]
        invitation.save(update_fields=["error"])
        return False
    finally:
        if own_transport:
            active.reset()
    invitation.reminders_sent += 1
    invitation.last_reminded_at = now
    more = (
        invitation.reminders_sent < invitation.campaign.max_reminders
        and invitation.campaign.reminder_after_days
    )
    invitation.reminder_due_at = (
        now + timedelta(days=invitation.campaign.reminder_after_days or 0) if more else None
    )
    invitation.save(update_fields=["reminders_sent", "last_reminded_at", "reminder_due_at", "address"])
    return True
