"""Reads for the message log."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Organization
from sms.models import SmsMessage, SmsStatus


def sms_message_list(*, organization: Organization, status: str = "") -> QuerySet[SmsMessage]:
    """The organisation's messages, newest first; ``status`` (an SmsStatus value) narrows them."""
    messages = SmsMessage.all_orgs.filter(organization_id=organization.pk).select_related("contact")
    if status in SmsStatus.values:
        messages = messages.filter(status=status)
    return messages.order_by("-created_at", "-pk")
