"""Writing campaigns: create, edit, messages, schedule, cancel; and the organisation's fatigue rules.

A campaign can be edited while it is a draft or scheduled; once the dispatcher has started it (sending,
sent) or it was cancelled, it is a record. Every change is written to the audit log.

Message texts: the body of every invitation and reminder must contain ``{survey_link}`` (the contact's
personal link). We refuse a body without it rather than append the link silently, so that the text the
member wrote and previewed is exactly what is sent. Only the documented placeholders are accepted.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from accounts.selectors import access_scope_for
from accounts.services import audit_record
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
from campaigns.selectors import campaign_audience_size, campaign_languages
from contacts.models import ContactList, Segment
from feedback.services.submit import survey_unavailable_reason
from surveys.models import Survey, SurveyStatus
from surveys.selectors import survey_in_scope

if TYPE_CHECKING:
    from campaigns.emails import RenderedMessage

logger = logging.getLogger(__name__)

EDITABLE = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)
CANCELLABLE = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.SENDING)
PLACEHOLDERS = frozenset({"first_name", "name", "survey_link", "unsubscribe_link", "organization"})
PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
EMAIL_BODY_MAX = 20_000
SMS_BODY_MAX = 1_600
# "Now" typed a minute ago is still now: a form is not refused for the time it took to submit.
PAST_TOLERANCE = timedelta(minutes=2)


@dataclass(frozen=True)
class CampaignInput:
    """What a member sets on a campaign (the create and edit form)."""

    name: str
    survey_id: int
    channel: str
    contact_list_id: int | None = None
    segment_id: int | None = None
    send_rate_per_minute: int = 600
    embed_first_question: bool = True
    reminder_after_days: int | None = None
    max_reminders: int = 1


def _snapshot(campaign: Campaign) -> dict[str, Any]:
    return {
        "name": campaign.name,
        "survey": campaign.survey_id,
        "channel": campaign.channel,
        "contact_list": campaign.contact_list_id,
        "segment": campaign.segment_id,
        "send_rate_per_minute": campaign.send_rate_per_minute,
        "embed_first_question": campaign.embed_first_question,
        "reminder_after_days": campaign.reminder_after_days,
        "max_reminders": campaign.max_reminders,
        "status": campaign.status,
        "scheduled_at": campaign.scheduled_at.isoformat() if campaign.scheduled_at else None,
    }


def _clean_survey(
    organization: Organization, actor: Membership, survey_id: int, errors: dict[str, list[str]]
) -> Survey | None:
    survey = (
        Survey.all_orgs.filter(organization=organization, pk=survey_id)
        .select_related("current_version")
        .first()
    )
    if survey is None or not survey_in_scope(access_scope_for(membership=actor), survey):
        errors.setdefault("survey", []).append(_("Choose a survey of this organisation."))
    elif survey.current_version_id is None or survey.status == SurveyStatus.DRAFT:
        errors.setdefault("survey", []).append(_("Publish the survey before inviting people to it."))
    elif survey.status == SurveyStatus.CLOSED:
        errors.setdefault("survey", []).append(_("This survey is closed: it takes no responses."))
    else:
        return survey
    return None


def _clean_audience(
    organization: Organization, data: CampaignInput, errors: dict[str, list[str]]
) -> tuple[ContactList | None, Segment | None]:
    if (data.contact_list_id is None) == (data.segment_id is None):
        errors.setdefault("contact_list", []).append(_("Choose either a list or a segment (exactly one)."))
        return None, None
    if data.contact_list_id is not None:
        contact_list = ContactList.all_orgs.filter(organization=organization, pk=data.contact_list_id).first()
        if contact_list is None:
            errors.setdefault("contact_list", []).append(_("Choose a list of this organisation."))
        return contact_list, None
    segment = Segment.all_orgs.filter(organization=organization, pk=data.segment_id).first()
    if segment is None:
        errors.setdefault("segment", []).append(_("Choose a segment of this organisation."))
    return None, segment


def _clean(*, organization: Organization, actor: Membership, data: CampaignInput) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = " ".join(data.name.split())
    if not name:
        errors.setdefault("name", []).append(_("Give the campaign a name."))
    elif len(name) > 200:
        errors.setdefault("name", []).append(_("A campaign name can be at most 200 characters long."))
    if data.channel not in CampaignChannel.values:
        errors.setdefault("channel", []).append(_("Choose email or SMS."))

    survey = _clean_survey(organization, actor, data.survey_id, errors)
    contact_list, segment = _clean_audience(organization, data, errors)
    if not 1 <= data.send_rate_per_minute <= 100_000:
        errors.setdefault("send_rate_per_minute", []).append(
            _("The sending rate must be between 1 and 100,000 messages per minute.")
        )
    if data.reminder_after_days is not None and not 1 <= data.reminder_after_days <= 60:
        errors.setdefault("reminder_after_days", []).append(
            _("Remind after 1 to 60 days, or leave it empty for no reminder.")
        )
    if not 0 <= data.max_reminders <= 3:
        errors.setdefault("max_reminders", []).append(_("Send at most 3 reminders."))
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "survey": survey,
        "channel": data.channel,
        "contact_list": contact_list,
        "segment": segment,
        "send_rate_per_minute": data.send_rate_per_minute,
        "embed_first_question": data.embed_first_question,
        "reminder_after_days": data.reminder_after_days,
        "max_reminders": data.max_reminders,
    }


def _lock(campaign: Campaign) -> Campaign:
    """The campaign's row, locked for this transaction (the dispatcher may be starting it)."""
    return (
        Campaign.all_orgs.select_for_update(of=("self",))
        .select_related("organization", "survey", "survey__current_version")
        .get(organization_id=campaign.organization_id, pk=campaign.pk)
    )


def _require_editable(campaign: Campaign) -> None:
    if campaign.status not in EDITABLE:
        raise ValidationError(
            _("This campaign is %(status)s: it can no longer be changed.")
            % {"status": campaign.get_status_display().lower()}
        )


@transaction.atomic
def campaign_create(*, organization: Organization, actor: Membership, data: CampaignInput) -> Campaign:
    """A new draft campaign."""
    values = _clean(organization=organization, actor=actor, data=data)
    now = timezone.now()
    campaign = Campaign.all_orgs.create(
        organization=organization, created_by=actor.user, created_at=now, updated_at=now, **values
    )
    audit_record(
        organization=organization,
        actor=actor.user,
        action="campaign.created",
        target=campaign,
        after=_snapshot(campaign),
    )
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, actor: Membership, data: CampaignInput) -> Campaign:
    """Change a draft or scheduled campaign (a scheduled one keeps its schedule)."""
    campaign = _lock(campaign)
    _require_editable(campaign)
    values = _clean(organization=campaign.organization, actor=actor, data=data)
    before = _snapshot(campaign)
    for name, value in values.items():
        setattr(campaign, name, value)
    campaign.updated_at = timezone.now()
    campaign.save(update_fields=[*values.keys(), "updated_at"])
    audit_record(
        organization=campaign.organization,
        actor=actor.user,
        action="campaign.updated",
        target=campaign,
        before=before,
        after=_snapshot(campaign),
    )
    return campaign


def placeholder_errors(text: str) -> list[str]:
    """What is wrong with the placeholders in a message text (empty when nothing)."""
    unknown = sorted({name for name in PLACEHOLDER_RE.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        return [
            _(
                "Unknown placeholder: %(names)s. Use {first_name}, {name}, {survey_link}, {unsubscribe_link} or {organization}."
            )
            % {"names": ", ".join("{" + name + "}" for name in unknown)}
        ]
    return []


def _clean_message(
    campaign: Campaign, *, kind: str, language: str, subject: str, body: str
) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    if kind not in MessageKind.values:
        errors.setdefault("kind", []).append(_("Choose the invitation or the reminder."))
    if language not in campaign_languages(campaign):
        errors.setdefault("language", []).append(_("Choose one of the survey's languages."))
    # PostgreSQL cannot store NUL in text.
    body = body.replace("\x00", "").replace("\r\n", "\n").strip()
    subject = " ".join(subject.replace("\x00", "").split())
    if campaign.channel == CampaignChannel.EMAIL:
        if not subject:
            errors.setdefault("subject", []).append(_("Write the subject of the email."))
        elif len(subject) > 200:
            errors.setdefault("subject", []).append(_("The subject can be at most 200 characters long."))
        errors.setdefault("subject", []).extend(placeholder_errors(subject))
        limit = EMAIL_BODY_MAX
    else:
        subject = ""  # An SMS has no subject.
        limit = SMS_BODY_MAX
    if not body:
        errors.setdefault("body", []).append(_("Write the text of the message."))
    else:
        if len(body) > limit:
            errors.setdefault("body", []).append(
                _("The text can be at most %(limit)d characters long.") % {"limit": limit}
            )
        if "{survey_link}" not in body:
            errors.setdefault("body", []).append(
                _("Put {survey_link} in the text: it becomes each contact's personal link to the survey.")
            )
        errors["body"] = errors.get("body", []) + placeholder_errors(body)
    errors = {name: messages for name, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)
    return subject, body


@transaction.atomic
def campaign_message_save(
    *, campaign: Campaign, actor: Membership, kind: str, language: str, subject: str, body: str
) -> CampaignMessage:
    """Create or replace the invitation or reminder text of a campaign in one language."""
    campaign = _lock(campaign)
    _require_editable(campaign)
    subject, body = _clean_message(campaign, kind=kind, language=language, subject=subject, body=body)
    message, created = CampaignMessage.all_orgs.update_or_create(
        organization_id=campaign.organization_id,
        campaign=campaign,
        kind=kind,
        language=language,
        defaults={"subject": subject, "body": body},
    )
    campaign.updated_at = timezone.now()
    campaign.save(update_fields=["updated_at"])
    audit_record(
        organization=campaign.organization,
        actor=actor.user,
        action="campaign.message_saved",
        target=campaign,
        after={"kind": kind, "language": language, "created": created},
    )
    return message


@transaction.atomic
def campaign_message_delete(*, campaign: Campaign, actor: Membership, kind: str, language: str) -> bool:
    """Remove one language's text (contacts in that language then get the survey's base language)."""
    campaign = _lock(campaign)
    _require_editable(campaign)
    deleted, _rows = CampaignMessage.all_orgs.filter(
        organization_id=campaign.organization_id, campaign=campaign, kind=kind, language=language
    ).delete()
    if deleted:
        audit_record(
            organization=campaign.organization,
            actor=actor.user,
            action="campaign.message_deleted",
            target=campaign,
            before={"kind": kind, "language": language},
        )
    return bool(deleted)


def campaign_message_preview(
    *, campaign: Campaign, kind: str, language: str, subject: str, body: str
) -> RenderedMessage:
    """The message as a sample contact would get it with this (unsaved, possibly unfinished) text.

    The renderer reads the campaign's texts from the database, so the text is written inside a
    savepoint that is always rolled back: nothing is saved, and an empty text previews what would be
    sent without one (the base language's text, else our default text).
    """
    from campaigns.emails import campaign_preview

    if kind not in MessageKind.values or language not in campaign_languages(campaign):
        raise ValidationError(_("Choose one of the survey's languages and the invitation or the reminder."))
    subject, body = subject.replace("\x00", ""), body.replace("\x00", "")  # PostgreSQL refuses NUL
    with transaction.atomic():
        existing = CampaignMessage.all_orgs.filter(
            organization_id=campaign.organization_id, campaign=campaign, kind=kind, language=language
        )
        if body.strip():
            CampaignMessage.all_orgs.update_or_create(
                organization_id=campaign.organization_id,
                campaign=campaign,
                kind=kind,
                language=language,
                defaults={"subject": " ".join(subject.split())[:200], "body": body.replace("\r\n", "\n")},
            )
        else:
            existing.delete()
        rendered = campaign_preview(campaign=campaign, language=language, kind=kind)
        transaction.set_rollback(True)
    return rendered


def _enqueue_dispatch() -> None:
    from campaigns.tasks import dispatch

    def send() -> None:
        try:
            dispatch.apply_async(retry=False)
        except Exception:
            # Broker down: the beat's dispatcher (every few seconds) starts the campaign anyway.
            logger.warning("campaigns: could not enqueue the dispatcher")

    transaction.on_commit(send)


def _survey_refusal(survey: Survey, at: datetime) -> str | None:
    reason = survey_unavailable_reason(survey, now=at)
    if reason is None:
        return None
    return {
        "draft": _("The survey is not published."),
        "paused": _("The survey is paused: resume it first."),
        "closed": _("The survey is closed at that time: it would take no responses."),
        "not_started": _("The survey opens only after that time: schedule the campaign later."),
        "full": _("The survey has reached its response limit."),
    }.get(reason, _("The survey takes no responses."))


@transaction.atomic
def campaign_schedule(
    *, campaign: Campaign, actor: Membership, at: datetime | None = None, now: datetime | None = None
) -> Campaign:
    """Schedule the campaign for ``at`` (None: now). The dispatcher builds the audience and sends.

    Refused, with the reason, when the campaign has no audience (or an empty one), the survey takes no
    responses at that time. A campaign without its own texts sends our default text.
    """
    now = now or timezone.now()
    campaign = _lock(campaign)
    _require_editable(campaign)
    at = at or now
    if at < now - PAST_TOLERANCE:
        raise ValidationError({"at": [_("Choose a time in the future, or send now.")]})
    errors: list[str] = []
    if campaign.contact_list_id is None and campaign.segment_id is None:
        errors.append(_("Choose who to invite: a list or a segment."))
    elif campaign_audience_size(campaign) == 0:
        errors.append(_("The audience is empty: nobody would be invited."))
    refusal = _survey_refusal(campaign.survey, at)
    if refusal:
        errors.append(refusal)
    if errors:
        raise ValidationError(errors)
    before = _snapshot(campaign)
    campaign.status = CampaignStatus.SCHEDULED
    campaign.scheduled_at = at
    campaign.updated_at = now
    campaign.save(update_fields=["status", "scheduled_at", "updated_at"])
    audit_record(
        organization=campaign.organization,
        actor=actor.user,
        action="campaign.scheduled",
        target=campaign,
        before=before,
        after=_snapshot(campaign),
    )
    _enqueue_dispatch()
    return campaign


@transaction.atomic
def campaign_cancel(*, campaign: Campaign, actor: Membership, now: datetime | None = None) -> int:
    """Stop a draft, scheduled or sending campaign: invitations not yet sent are skipped (reason
    cancelled) and no reminder follows. Returns how many invitations were skipped."""
    now = now or timezone.now()
    campaign = _lock(campaign)
    if campaign.status not in CANCELLABLE:
        raise ValidationError(
            _("This campaign is %(status)s: there is nothing left to cancel.")
            % {"status": campaign.get_status_display().lower()}
        )
    invitations = Invitation.all_orgs.filter(organization_id=campaign.organization_id, campaign=campaign)
    skipped = invitations.filter(status=InvitationStatus.PENDING).update(
        status=InvitationStatus.SKIPPED, skip_reason=SkipReason.CANCELLED
    )
    invitations.filter(reminder_due_at__isnull=False).update(reminder_due_at=None)
    before = _snapshot(campaign)
    campaign.status = CampaignStatus.CANCELLED
    campaign.finished_at = now
    campaign.updated_at = now
    campaign.save(update_fields=["status", "finished_at", "updated_at"])
    audit_record(
        organization=campaign.organization,
        actor=actor.user,
        action="campaign.cancelled",
        target=campaign,
        before=before,
        after={**_snapshot(campaign), "skipped": skipped},
    )
    return skipped


@transaction.atomic
def fatigue_policy_update(
    *,
    organization: Organization,
    actor: Membership,
    cooldown_days: int,
    max_per_30_days: int,
    require_consent: bool,
) -> FatiguePolicy:
    """Set the organisation's fatigue rules (they apply to every invitation sent from now on)."""
    errors: dict[str, list[str]] = {}
    if not 0 <= cooldown_days <= 365:
        errors["cooldown_days"] = [_("The cooldown must be between 0 and 365 days.")]
    if not 1 <= max_per_30_days <= 100:
        errors["max_per_30_days"] = [_("Allow between 1 and 100 invitations per 30 days.")]
    if errors:
        raise ValidationError(errors)
    policy, _created = FatiguePolicy.all_orgs.select_for_update().get_or_create(organization=organization)
    before = {
        "cooldown_days": policy.cooldown_days,
        "max_per_30_days": policy.max_per_30_days,
        "require_consent": policy.require_consent,
    }
    policy.cooldown_days = cooldown_days
    policy.max_per_30_days = max_per_30_days
    policy.require_consent = require_consent
    policy.updated_at = timezone.now()
    policy.save(update_fields=["cooldown_days", "max_per_30_days", "require_consent", "updated_at"])
    audit_record(
        organization=organization,
        actor=actor.user,
        action="campaigns.fatigue_policy_updated",
        target=None,
        before=before,
        after={
            "cooldown_days": cooldown_days,
            "max_per_30_days": max_per_30_days,
            "require_consent": require_consent,
        },
    )
    return policy
