"""Sending a campaign: its audience turned into invitations once, throttled batches, each invitation
checked against the fatigue rules at the moment it is sent. Reminders are in ``reminders``, the beat's
dispatcher in ``dispatch``.

Every step assumes it runs twice and concurrently with itself (two beats, a retried task):

- a campaign is started by a conditional update (scheduled → sending) in the same transaction that
  builds its invitations, with INSERT … ON CONFLICT DO NOTHING, one per contact;
- the throttle is a token bucket on the campaign row (``send_allowance``/``send_allowance_at``), refilled
  and spent under that row's lock, holding at most one second's worth (at least one message): whatever
  the number of dispatchers, no second carries more than the bucket plus the rate allows;
- invitations are claimed pending → sending by a conditional update, so none is sent twice, and the
  fatigue rules are checked under the contact's row lock, so two campaigns cannot both slip past them.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from typing import Any

from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Least
from django.utils import timezone

from campaigns.emails import campaign_messages, invitation_email, invitation_sms
from campaigns.models import (
    Campaign,
    CampaignChannel,
    CampaignMessage,
    CampaignStatus,
    FatiguePolicy,
    Invitation,
    InvitationStatus,
    MessageKind,
    SkipReason,
)
from campaigns.services.fatigue import contact_address, fatigue_policy_for, skip_reason_for
from campaigns.services.links import new_token
from core.tenancy import organization_context
from feedback.models import Contact
from feedback.services import choose_language

logger = logging.getLogger(__name__)

BUILD_BATCH = 1000
# At most this many invitations per call of campaign_send_batch, whatever the rate.
MAX_BATCH = 500
# A temporary failure (the mail server unreachable) is retried after this long, this many times.
RETRY_AFTER = timedelta(minutes=1)
MAX_ATTEMPTS = 5
# An invitation claimed this long ago and still "sending" lost its worker: it is sent again.
STALE_CLAIM = timedelta(minutes=15)


class TransientSendError(Exception):
    """The message may go through later (the server unreachable, a 4xx answer)."""


class PermanentSendError(Exception):
    """The message will never go through to this address (a 5xx answer, an invalid number)."""


# --- starting: the audience becomes invitations, once --------------------------------------------------


def campaign_start_due(*, now: datetime | None = None) -> int:
    """Start every scheduled campaign whose time has come. Returns how many this call started."""
    now = now or timezone.now()
    due = (
        Campaign.all_orgs.filter(status=CampaignStatus.SCHEDULED)
        .filter(Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=now))
        .order_by("scheduled_at", "pk")
        .values_list("pk", flat=True)[:50]
    )
    return sum(campaign_start(campaign_id=campaign_id, now=now) for campaign_id in list(due))


@transaction.atomic
def campaign_start(*, campaign_id: int, now: datetime | None = None) -> bool:
    """Claim one due campaign (scheduled → sending) and build its invitations in the same transaction:
    if building fails the campaign stays scheduled and the next beat tries again."""
    now = now or timezone.now()
    claimed = (
        Campaign.all_orgs.filter(pk=campaign_id, status=CampaignStatus.SCHEDULED)
        .filter(Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=now))
        .update(
            status=CampaignStatus.SENDING,
            started_at=now,
            updated_at=now,
            send_allowance=0,
            send_allowance_at=None,
        )
    )
    if not claimed:
        return False
    campaign = Campaign.all_orgs.select_related("organization", "survey", "survey__current_version").get(
        pk=campaign_id
    )
    if campaign.audience_built_at is None:
        invitations_build(campaign=campaign, now=now)
        Campaign.all_orgs.filter(pk=campaign_id).update(audience_built_at=now)
    return True


def invitations_build(*, campaign: Campaign, now: datetime) -> int:
    """One pending invitation per contact of the audience (none twice: ON CONFLICT DO NOTHING). Contacts
    without an address get one too, skipped when sent, so that the report lists them."""
    from contacts.selectors import audience_contacts

    survey = campaign.survey
    version = survey.current_version
    definition: dict[str, Any] = (
        version.definition
        if version is not None
        else {"base_language": survey.base_language, "languages": [survey.base_language]}
    )
    with organization_context(campaign.organization):
        audience = audience_contacts(
            campaign.organization_id, contact_list_id=campaign.contact_list_id, segment_id=campaign.segment_id
        )
        # A token collision (72 random bits) would drop a row on the token's unique constraint: the
        # contacts still without an invitation get another try with new tokens.
        for _attempt in range(3):
            existing = Invitation.all_orgs.filter(
                organization_id=campaign.organization_id, campaign_id=campaign.pk, contact__isnull=False
            )
            missing = audience.exclude(pk__in=existing.values("contact_id"))
            rows = missing.values_list("pk", "email", "phone", "language")
            batch: list[Invitation] = []
            for pk, email, phone, language in rows.iterator(chunk_size=BUILD_BATCH):
                batch.append(
                    Invitation(
                        organization_id=campaign.organization_id,
                        campaign_id=campaign.pk,
                        contact_id=pk,
                        survey_id=survey.pk,
                        channel=campaign.channel,
                        address=(phone if campaign.channel == CampaignChannel.SMS else email).strip(),
                        language=choose_language(definition, language),
                        token=new_token(),
                        created_at=now,
                    )
                )
                if len(batch) >= BUILD_BATCH:
                    _insert(batch)
                    batch = []
            _insert(batch)
            if not missing.exists():
                break
    return Invitation.all_orgs.filter(
        organization_id=campaign.organization_id, campaign_id=campaign.pk
    ).count()


def _insert(batch: list[Invitation]) -> None:
    if batch:
        Invitation.all_orgs.bulk_create(batch, ignore_conflicts=True)


# --- the throttle: a token bucket on the campaign row --------------------------------------------------


def _bucket_capacity(campaign: Campaign) -> float:
    return max(1.0, campaign.send_rate_per_minute / 60)


@transaction.atomic
def _claim_batch(campaign_id: int, now: datetime) -> list[int] | None:
    """Refill the bucket for the time elapsed, claim as many pending invitations as it holds (pending →
    sending) and spend them, all under the campaign row's lock. None when the campaign is not sending."""
    campaign = Campaign.all_orgs.select_for_update().filter(pk=campaign_id).first()
    if campaign is None or campaign.status != CampaignStatus.SENDING:
        return None
    # Invitations whose worker died mid-send go back to the queue.
    Invitation.all_orgs.filter(
        campaign_id=campaign_id, status=InvitationStatus.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).update(status=InvitationStatus.PENDING)
    rate = campaign.send_rate_per_minute / 60
    capacity = _bucket_capacity(campaign)
    last = campaign.send_allowance_at
    if last is None:
        allowance = capacity
    else:
        elapsed = max(0.0, (now - last).total_seconds())
        allowance = min(capacity, campaign.send_allowance + elapsed * rate)
    wanted = min(int(allowance), MAX_BATCH)
    ids: list[int] = []
    if wanted > 0:
        ids = list(
            Invitation.all_orgs.filter(campaign_id=campaign_id, status=InvitationStatus.PENDING)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lte=now - RETRY_AFTER))
            .order_by("pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:wanted]
        )
        if ids:
            Invitation.all_orgs.filter(pk__in=ids, status=InvitationStatus.PENDING).update(
                status=InvitationStatus.SENDING, claimed_at=now
            )
    campaign.send_allowance = allowance - len(ids)
    campaign.send_allowance_at = max(now, last) if last is not None else now
    campaign.save(update_fields=["send_allowance", "send_allowance_at"])
    return ids


def _refund(campaign: Campaign, count: int) -> None:
    """Claimed invitations that sent nothing (skipped) give their tokens back."""
    if count:
        Campaign.all_orgs.filter(pk=campaign.pk).update(
            send_allowance=Least(F("send_allowance") + count, _bucket_capacity(campaign))
        )


def campaign_send_batch(*, campaign_id: int, now: datetime | None = None) -> int:
    """Send the next throttled batch of a sending campaign; mark it sent when nothing is left.
    Returns how many messages went out."""
    claim_time = now or timezone.now()
    ids = _claim_batch(campaign_id, claim_time)
    if ids is None:
        return 0
    sent = 0
    not_sent = 0
    with _Transport() as transport:
        for invitation_id in ids:
            status = _deliver(invitation_id=invitation_id, now=now or timezone.now(), transport=transport)
            sent += status == InvitationStatus.SENT
            not_sent += status == InvitationStatus.SKIPPED
    campaign = Campaign.all_orgs.filter(pk=campaign_id).first()
    if campaign is not None:
        _refund(campaign, not_sent)
    if not ids:
        campaign_finish_if_done(campaign_id=campaign_id, now=claim_time)
    return sent


@transaction.atomic
def campaign_finish_if_done(*, campaign_id: int, now: datetime | None = None) -> bool:
    """sending → sent once no invitation is waiting or being sent."""
    now = now or timezone.now()
    busy = Invitation.all_orgs.filter(
        campaign_id=campaign_id, status__in=[InvitationStatus.PENDING, InvitationStatus.SENDING]
    ).exists()
    if busy:
        return False
    return bool(
        Campaign.all_orgs.filter(pk=campaign_id, status=CampaignStatus.SENDING).update(
            status=CampaignStatus.SENT, finished_at=now, updated_at=now
        )
    )


# --- one invitation ------------------------------------------------------------------------------------


def invitation_send(*, invitation_id: int, now: datetime | None = None) -> None:
    """Send one pending invitation now, outside the campaign's throttle (the dispatcher uses
    ``campaign_send_batch``): claim it (pending → sending), check the fatigue rules with the contact's
    row locked, send, and record sent, skipped (with the reason) or failed (with the error)."""
    now = now or timezone.now()
    claimed = Invitation.all_orgs.filter(pk=invitation_id, status=InvitationStatus.PENDING).update(
        status=InvitationStatus.SENDING, claimed_at=now
    )
    if not claimed:
        return
    with _Transport() as transport:
        _deliver(invitation_id=invitation_id, now=now, transport=transport)


class _Transport:
    """What a batch shares: one SMTP connection, opened on first use and reopened after a failure, and
    the organisation's fatigue policy and the campaign's texts, read once."""

    def __init__(self) -> None:
        self._connection: Any = None
        self._policies: dict[int, FatiguePolicy] = {}
        self._messages: dict[tuple[int, str], dict[str, CampaignMessage]] = {}
        self._campaigns: dict[int, Campaign] = {}

    def __enter__(self) -> _Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.reset()

    def policy(self, organization_id: int) -> FatiguePolicy:
        if organization_id not in self._policies:
            self._policies[organization_id] = fatigue_policy_for(organization_id)
        return self._policies[organization_id]

    def campaign(self, campaign_id: int) -> Campaign:
        """The campaign with its survey and organisation, read once per batch (so a cancel or a closed
        survey takes effect from the next batch, at most a second later)."""
        campaign = self._campaigns.get(campaign_id)
        if campaign is None:
            campaign = Campaign.all_orgs.select_related(
                "organization", "survey", "survey__current_version"
            ).get(pk=campaign_id)
            self._campaigns[campaign_id] = campaign
        return campaign

    def messages(self, campaign: Campaign, kind: str) -> dict[str, CampaignMessage]:
        if (campaign.pk, kind) not in self._messages:
            self._messages[campaign.pk, kind] = campaign_messages(campaign, kind)
        return self._messages[campaign.pk, kind]

    def send_email(self, message: Any) -> None:
        if self._connection is None:
            self._connection = get_connection()
            self._connection.open()
        message.connection = self._connection
        message.send(fail_silently=False)

    def reset(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # a broken connection may fail to close; it is dropped anyway
                logger.debug("campaigns: closing a broken mail connection failed")
            self._connection = None


def _classify(exc: Exception) -> Exception:
    """A sending error as transient or permanent (SMTP codes 5xx are permanent)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        permanent = bool(codes) and all(code >= 500 for code in codes)
        error: Exception = (PermanentSendError if permanent else TransientSendError)(str(exc)[:250])
        return error
    if isinstance(exc, smtplib.SMTPResponseException):
        kind = PermanentSendError if exc.smtp_code >= 500 else TransientSendError
        return kind(f"{exc.smtp_code} {exc.smtp_error!r}"[:250])
    if isinstance(exc, smtplib.SMTPException | OSError):
        return TransientSendError(str(exc)[:250] or type(exc).__name__)
    if isinstance(exc, ValueError):
        return PermanentSendError(str(exc)[:250])
    return exc


def _transmit(invitation: Invitation, contact: Contact, kind: str, transport: _Transport) -> str:
    """Send the email or text message; returns the provider's message id (if known)."""
    if invitation.channel == CampaignChannel.SMS:
        from sms.backends import SmsError
        from sms.services import sms_send

        try:
            message = sms_send(
                organization_id=invitation.organization_id,
                to=invitation.address,
                body=invitation_sms(invitation, contact, kind, transport.messages(invitation.campaign, kind)),
                invitation_id=invitation.pk,
                contact_id=contact.pk,
            )
        except SmsError as exc:
            kind_error = PermanentSendError if exc.permanent else TransientSendError
            raise kind_error(f"{exc.code}: {exc.message}"[:250]) from exc
        return str(message.provider_message_id)
    email = invitation_email(invitation, contact, kind, transport.messages(invitation.campaign, kind))
    try:
        transport.send_email(email)
    except Exception as exc:
        transport.reset()
        raise _classify(exc) from exc
    return ""


@transaction.atomic
def _deliver(*, invitation_id: int, now: datetime, transport: _Transport) -> str:
    """Send one claimed ("sending") invitation. Returns its new status ("" if it was not ours)."""
    invitation = (
        Invitation.all_orgs.select_for_update()
        .filter(pk=invitation_id, status=InvitationStatus.SENDING)
        .first()
    )
    if invitation is None:
        return ""
    campaign = transport.campaign(invitation.campaign_id)
    invitation.campaign = campaign
    invitation.survey = campaign.survey
    contact = (
        Contact.all_orgs.select_for_update().filter(pk=invitation.contact_id).first()
        if invitation.contact_id is not None
        else None
    )
    reason: str | None
    if campaign.status == CampaignStatus.CANCELLED:
        reason = SkipReason.CANCELLED
    else:
        policy = transport.policy(invitation.organization_id)
        reason = skip_reason_for(invitation=invitation, contact=contact, policy=policy, now=now)
    fields = ["status", "skip_reason", "error", "address", "sent_at", "provider_message_id", "claimed_at"]
    if reason is not None or contact is None:
        invitation.status = InvitationStatus.SKIPPED
        invitation.skip_reason = reason or SkipReason.ERASED
        invitation.save(update_fields=fields)
        return InvitationStatus.SKIPPED
    invitation.address = contact_address(contact, invitation.channel)
    try:
        invitation.provider_message_id = _transmit(invitation, contact, MessageKind.INVITATION, transport)
    except TransientSendError as exc:
        invitation.attempts += 1
        invitation.error = str(exc)[:300]
        if invitation.attempts >= MAX_ATTEMPTS:
            invitation.status = InvitationStatus.FAILED
        else:
            invitation.status = InvitationStatus.PENDING
            invitation.claimed_at = now  # not retried before RETRY_AFTER
        invitation.save(update_fields=[*fields, "attempts"])
        return str(invitation.status)
    except PermanentSendError as exc:
        invitation.status = InvitationStatus.FAILED
        invitation.error = str(exc)[:300]
        invitation.save(update_fields=fields)
        return InvitationStatus.FAILED
    invitation.status = InvitationStatus.SENT
    invitation.sent_at = now
    invitation.error = ""
    if campaign.reminder_after_days and campaign.max_reminders > 0:
        invitation.reminder_due_at = now + timedelta(days=campaign.reminder_after_days)
        fields.append("reminder_due_at")
    invitation.save(update_fields=fields)
    return InvitationStatus.SENT
