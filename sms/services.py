"""Every write about text messages: sending one, the provider's status reports, inbound keywords."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaigns.models import Invitation, InvitationStatus
from contacts.models import SuppressionChannel, SuppressionReason
from contacts.suppression import normalise_address, phone_is_valid
from feedback.models import Contact
from sms.backends import SmsError, get_backend
from sms.backends.base import STOP_ERROR_CODES
from sms.backends.twilio import map_status
from sms.keywords import Keyword, match_keyword
from sms.models import SmsDirection, SmsMessage, SmsStatus

logger = logging.getLogger(__name__)

BODY_LIMIT = 1600  # Twilio's limit for one (multi-part) message
ERROR_LIMIT = 300

# A status only ever moves forward: a late "sent" report never undoes "delivered".
_RANK = {
    SmsStatus.QUEUED: 0,
    SmsStatus.SENT: 1,
    SmsStatus.DELIVERED: 2,
    SmsStatus.UNDELIVERED: 2,
    SmsStatus.FAILED: 2,
    SmsStatus.RECEIVED: 2,
}

# What a delivery-status report's ErrorCode means, for the message log and the campaign report.
# https://www.twilio.com/docs/api/errors
_DELIVERY_ERRORS = {
    "21610": "Recipient unsubscribed (replied STOP)",
    "30001": "Queue overflow",
    "30002": "Account suspended",
    "30003": "Unreachable destination handset",
    "30004": "Message blocked",
    "30005": "Unknown destination handset",
    "30006": "Landline or unreachable carrier",
    "30007": "Message filtered as spam",
    "30008": "Unknown error",
}


def status_callback_url() -> str:
    return f"{settings.SITE_URL}{reverse('api_sms_twilio_status')}"


def _phone(address: str) -> str:
    return normalise_address(SuppressionChannel.SMS, address)


@transaction.atomic
def _message_record(
    *,
    organization_id: int,
    to: str,
    body: str,
    backend: str,
    sender: str,
    invitation_id: int | None,
    contact_id: int | None,
) -> SmsMessage:
    if (
        invitation_id is not None
        and not Invitation.all_orgs.filter(pk=invitation_id, organization_id=organization_id).exists()
    ):
        raise ValidationError(_("The invitation does not exist."))
    if (
        contact_id is not None
        and not Contact.all_orgs.filter(pk=contact_id, organization_id=organization_id).exists()
    ):
        raise ValidationError(_("The contact does not exist."))
    return SmsMessage.all_orgs.create(
        organization_id=organization_id,
        direction=SmsDirection.OUTBOUND,
        to_number=to[:32],
        from_number=sender[:32],
        body=body,
        backend=backend,
        invitation_id=invitation_id,
        contact_id=contact_id,
    )


@transaction.atomic
def _message_failed(*, message: SmsMessage, error: SmsError) -> None:
    message.status = SmsStatus.FAILED
    message.error_code = error.code[:20]
    message.error = error.message[:ERROR_LIMIT]
    message.updated_at = timezone.now()
    message.save(update_fields=["status", "error_code", "error", "updated_at"])
    if error.recipient_opted_out:
        _suppress_stop(organization_id=message.organization_id, number=message.to_number, detail=error.code)


def sms_send(
    *,
    organization_id: int,
    to: str,
    body: str,
    invitation_id: int | None = None,
    contact_id: int | None = None,
) -> SmsMessage:
    """Send one text message through the configured provider and keep it in the log.

    The row is recorded (and committed, unless the caller holds a transaction) before the provider is
    called, and updated after; no transaction is held across the network call. On failure the row is
    saved as failed and ``SmsError`` raised; a provider's "recipient unsubscribed" (21610) also
    suppresses the number (reason stop). A number on the suppression list is never sent to.
    """
    backend = get_backend()
    number = _phone(to)
    message = _message_record(
        organization_id=organization_id,
        to=number or to.strip(),
        body=body,
        backend=backend.name,
        sender=backend.sender,
        invitation_id=invitation_id,
        contact_id=contact_id,
    )
    try:
        if not phone_is_valid(number):
            raise SmsError(True, "invalid_number", "The phone number is not valid.")
        if not body.strip() or len(body) > BODY_LIMIT:
            raise SmsError(True, "invalid_body", f"The text must have 1 to {BODY_LIMIT} characters.")
        from contacts.selectors import suppression_reason

        if suppression_reason(organization_id, SuppressionChannel.SMS, number) is not None:
            raise SmsError(True, "suppressed", "The number is on the suppression list.")
        result = backend.send(to=number, body=body, status_callback=status_callback_url())
    except SmsError as error:
        _message_failed(message=message, error=error)
        raise
    # Conditional: a status report that arrived first (and moved the status on) is not undone.
    behind = [status for status, rank in _RANK.items() if rank < _RANK[SmsStatus(result.status)]]
    now = timezone.now()
    SmsMessage.all_orgs.filter(pk=message.pk).update(
        provider_message_id=result.provider_message_id, updated_at=now
    )
    SmsMessage.all_orgs.filter(pk=message.pk, status__in=behind).update(status=result.status)
    message.refresh_from_db()
    if message.status == SmsStatus.DELIVERED and invitation_id is not None:
        invitation_sms_status(
            organization_id=organization_id, invitation_id=invitation_id, status=message.status, error=""
        )
    return message


def _suppress_stop(*, organization_id: int, number: str, detail: str) -> bool:
    from contacts.services import suppression_add

    try:
        return suppression_add(
            organization_id=organization_id,
            channel=SuppressionChannel.SMS,
            address=number,
            reason=SuppressionReason.STOP,
            detail=detail,
        )
    except ValidationError:
        logger.warning("sms: could not suppress an invalid number for organisation %s", organization_id)
        return False


@transaction.atomic
def invitation_sms_status(*, organization_id: int, invitation_id: int, status: str, error: str) -> None:
    """A campaign invitation learns what became of its text: delivered_at, or failed with the error.

    This writes ``campaigns.Invitation`` fields directly (only ``delivered_at``, ``status`` and
    ``error``) because campaigns offers no service for delivery reports from another channel; when it
    does, this should call it instead.
    """
    invitations = Invitation.all_orgs.filter(pk=invitation_id, organization_id=organization_id)
    if status == SmsStatus.DELIVERED:
        invitations.filter(delivered_at__isnull=True).update(delivered_at=timezone.now())
    elif status in (SmsStatus.FAILED, SmsStatus.UNDELIVERED):
        invitations.filter(status__in=[InvitationStatus.SENDING, InvitationStatus.SENT]).update(
            status=InvitationStatus.FAILED,
            error=(error or _("The text message was not delivered."))[:ERROR_LIMIT],
        )


@transaction.atomic
def sms_status_update(*, provider_message_id: str, provider_status: str, error_code: str = "") -> int:
    """Apply a provider's delivery report to the message (and its invitation); the number updated.

    Idempotent and order-tolerant: a status only moves forward, and repeating a report changes nothing.
    """
    status = map_status(provider_status)
    if not provider_message_id or status is None or status == SmsStatus.RECEIVED:
        return 0
    code = error_code.strip()[:20]
    error = ""
    if status in (SmsStatus.FAILED, SmsStatus.UNDELIVERED):
        error = _DELIVERY_ERRORS.get(code, f"Delivery failed (code {code})" if code else "Delivery failed")
    updated = 0
    messages = SmsMessage.all_orgs.select_for_update().filter(
        direction=SmsDirection.OUTBOUND, provider_message_id=provider_message_id[:64]
    )
    for message in messages:
        if _RANK[SmsStatus(status)] <= _RANK.get(SmsStatus(message.status), 0):
            continue
        message.status = status
        message.error_code = code
        message.error = error
        message.updated_at = timezone.now()
        message.save(update_fields=["status", "error_code", "error", "updated_at"])
        updated += 1
        if code in STOP_ERROR_CODES:
            _suppress_stop(organization_id=message.organization_id, number=message.to_number, detail=code)
        if message.invitation_id is not None:
            invitation_sms_status(
                organization_id=message.organization_id,
                invitation_id=message.invitation_id,
                status=status,
                error=error,
            )
    return updated


@dataclass(frozen=True)
class InboundOutcome:
    # The text to answer with ("" for none) and the organisations the message was recorded for.
    reply: str
    organization_ids: list[int]


@transaction.atomic
def sms_inbound_receive(
    *, from_number: str, to_number: str, body: str, provider_message_id: str, backend: str
) -> InboundOutcome:
    """A text someone sent us: recorded for every organisation that has texted that number, and
    STOP/START/HELP honoured for each of them. Unknown senders get no answer and leave no trace."""
    number = _phone(from_number)
    if not phone_is_valid(number):
        return InboundOutcome(reply="", organization_ids=[])
    organization_ids = sorted(
        set(
            SmsMessage.all_orgs.filter(direction=SmsDirection.OUTBOUND, to_number=number).values_list(
                "organization_id", flat=True
            )
        )
    )
    if not organization_ids:
        return InboundOutcome(reply="", organization_ids=[])
    text = body[:BODY_LIMIT]
    message_id = provider_message_id.strip()[:64]
    for organization_id in organization_ids:
        if (
            message_id
            and SmsMessage.all_orgs.filter(
                organization_id=organization_id,
                direction=SmsDirection.INBOUND,
                provider_message_id=message_id,
            ).exists()
        ):
            continue
        contact_id = (
            Contact.all_orgs.filter(organization_id=organization_id, phone__in={number, from_number.strip()})
            .values_list("pk", flat=True)
            .first()
        )
        SmsMessage.all_orgs.create(
            organization_id=organization_id,
            direction=SmsDirection.INBOUND,
            to_number=_phone(to_number)[:32] or to_number.strip()[:32],
            from_number=number,
            body=text,
            backend=backend,
            provider_message_id=message_id,
            status=SmsStatus.RECEIVED,
            contact_id=contact_id,
        )
    match = match_keyword(body)
    if match is None:
        return InboundOutcome(reply="", organization_ids=organization_ids)
    if match.keyword == Keyword.STOP:
        for organization_id in organization_ids:
            _suppress_stop(organization_id=organization_id, number=number, detail="Replied by text")
    elif match.keyword == Keyword.START:
        from contacts.selectors import suppression_reason
        from contacts.services import suppression_remove

        for organization_id in organization_ids:
            # START undoes only the person's own STOP, never an unsubscribe, bounce or a member's entry.
            if suppression_reason(organization_id, SuppressionChannel.SMS, number) == SuppressionReason.STOP:
                suppression_remove(
                    organization_id=organization_id, channel=SuppressionChannel.SMS, address=number
                )
    with translation.override(match.language):
        return InboundOutcome(reply=_reply_text(match.keyword), organization_ids=organization_ids)


def _reply_text(keyword: Keyword) -> str:
    if keyword == Keyword.STOP:
        return _("You are unsubscribed and will get no more texts from us. Reply START to subscribe again.")
    if keyword == Keyword.START:
        return _("You are subscribed again. Reply STOP to unsubscribe.")
    return _("We send you short feedback surveys. Reply STOP to unsubscribe, START to subscribe again.")
