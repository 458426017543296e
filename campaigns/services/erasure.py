"""A contact's invitations under the privacy registry (``contacts.privacy``): erasure keeps each
invitation for the campaign's counts, without the contact or the address it was sent to."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from campaigns.models import Invitation
from feedback.models import Contact

_EXPORTED = (
    "channel",
    "address",
    "language",
    "status",
    "skip_reason",
    "created_at",
    "sent_at",
    "delivered_at",
    "opened_at",
    "clicked_at",
    "started_at",
    "answered_at",
    "bounced_at",
    "complained_at",
    "unsubscribed_at",
    "reminders_sent",
    "last_reminded_at",
)


@transaction.atomic
def invitations_erase(organization_id: int, contact: Contact) -> int:
    """Unlink the contact from their invitations and clear the address; statuses and times stay, so the
    campaign reports keep their counts. A pending invitation is skipped ("erased") when its turn comes."""
    return Invitation.all_orgs.filter(organization_id=organization_id, contact_id=contact.pk).update(
        contact=None, address="", reminder_due_at=None
    )


def invitations_export(organization_id: int, contact: Contact) -> list[dict[str, Any]]:
    """Every invitation sent to the contact: the campaign's name and what became of it (no link token:
    it is a key to their response, not information about them)."""
    rows = (
        Invitation.all_orgs.filter(organization_id=organization_id, contact_id=contact.pk)
        .select_related("campaign", "survey")
        .order_by("created_at", "pk")
    )
    exported: list[dict[str, Any]] = []
    for invitation in rows:
        row: dict[str, Any] = {"campaign": invitation.campaign.name, "survey": invitation.survey.name}
        for name in _EXPORTED:
            value = getattr(invitation, name)
            row[name] = value.isoformat() if hasattr(value, "isoformat") else value
        exported.append(row)
    return exported
