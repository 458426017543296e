"""Privacy: a contact's text messages, erased (numbers and text cleared) or exported.

Registered with ``contacts.privacy`` in ``SmsConfig.ready``. A message belongs to the contact when it is
linked to them or was sent to or from their phone number (inbound STOP replies may predate the link).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from contacts.models import SuppressionChannel
from contacts.suppression import normalise_address, phone_is_valid
from feedback.models import Contact
from sms.models import SmsMessage


def _messages_of(organization_id: int, contact: Contact) -> QuerySet[SmsMessage]:
    match = Q(contact_id=contact.pk)
    number = normalise_address(SuppressionChannel.SMS, contact.phone or "")
    if phone_is_valid(number):
        match |= Q(to_number=number) | Q(from_number=number)
    return SmsMessage.all_orgs.filter(match, organization_id=organization_id)


@transaction.atomic
def sms_erase(organization_id: int, contact: Contact) -> int:
    """Clears the numbers and text of the contact's messages; status and times stay for the counts."""
    return _messages_of(organization_id, contact).update(
        to_number="", from_number="", body="", contact=None, updated_at=timezone.now()
    )


def sms_export(organization_id: int, contact: Contact) -> list[dict[str, Any]]:
    return [
        {
            "direction": message.direction,
            "to": message.to_number,
            "from": message.from_number,
            "body": message.body,
            "status": message.status,
            "error": message.error,
            "created_at": message.created_at.isoformat(),
        }
        for message in _messages_of(organization_id, contact).order_by("created_at", "pk")
    ]
