"""The organisation's fatigue rules, checked for each invitation at the moment it is sent.

The caller holds the contact's row lock (``select_for_update``), so two campaigns sending to the same
contact at once see each other's ``sent_at`` and cannot both pass the cooldown or the 30-day limit.

Only invitations count (``Invitation.sent_at``): reminders are follow-ups of an invitation the contact
already counted for, so they never count against the cooldown or the limit, of their own campaign or any
other (a reminder only goes to a contact who has not answered that same invitation).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from campaigns.models import CampaignChannel, FatiguePolicy, Invitation, SkipReason
from feedback.models import Consent, Contact, Response
from feedback.services import survey_unavailable_reason

LIMIT_WINDOW = timedelta(days=30)


def fatigue_policy_for(organization_id: int) -> FatiguePolicy:
    """The organisation's policy, or the defaults (unsaved) when it never changed them."""
    policy = FatiguePolicy.all_orgs.filter(organization_id=organization_id).first()
    return policy if policy is not None else FatiguePolicy(organization_id=organization_id)


def contact_address(contact: Contact, channel: str) -> str:
    return (contact.phone if channel == CampaignChannel.SMS else contact.email).strip()


def _suppressed(organization_id: int, channel: str, address: str) -> bool:
    from contacts.selectors import suppression_reason

    return suppression_reason(organization_id, channel, address) is not None


def skip_reason_for(  # noqa: PLR0911 -- one return per rule, in the documented order
    *, invitation: Invitation, contact: Contact | None, policy: FatiguePolicy, now: datetime
) -> SkipReason | None:
    """Why this invitation must not be sent now, or None. Checked in a fixed order, so that the report
    names the most fundamental reason (an unsubscribed contact is "suppressed", not "cooldown")."""
    if contact is None:
        return SkipReason.ERASED
    organization_id = invitation.organization_id
    address = contact_address(contact, invitation.channel)
    if not address:
        return SkipReason.NO_ADDRESS
    if _suppressed(organization_id, invitation.channel, address):
        return SkipReason.SUPPRESSED
    if contact.consent == Consent.WITHDRAWN or (
        policy.require_consent and contact.consent != Consent.GRANTED
    ):
        return SkipReason.NO_CONSENT
    if survey_unavailable_reason(invitation.survey, now=now) is not None:
        return SkipReason.SURVEY_CLOSED
    # The contact's other invitations sent within the longest period that matters: one query.
    recontact_days = invitation.survey.recontact_days or 0
    window = max(LIMIT_WINDOW, timedelta(days=recontact_days), timedelta(days=policy.cooldown_days))
    history = list(
        Invitation.all_orgs.filter(
            organization_id=organization_id, contact_id=contact.pk, sent_at__gte=now - window
        )
        .exclude(pk=invitation.pk)
        .values_list("survey_id", "sent_at")
    )
    if recontact_days:
        since = now - timedelta(days=recontact_days)
        invited = any(survey_id == invitation.survey_id and sent >= since for survey_id, sent in history)
        if invited or (
            Response.all_orgs.filter(
                organization_id=organization_id,
                survey_id=invitation.survey_id,
                contact_id=contact.pk,
                finished_at__gte=since,
            ).exists()
        ):
            return SkipReason.RECONTACT
    cooldown_since = now - timedelta(days=policy.cooldown_days)
    if policy.cooldown_days and any(sent >= cooldown_since for _survey, sent in history):
        return SkipReason.COOLDOWN
    if sum(sent >= now - LIMIT_WINDOW for _survey, sent in history) >= policy.max_per_30_days:
        return SkipReason.LIMIT
    return None
