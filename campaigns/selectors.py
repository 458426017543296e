"""Reads about campaigns: the list, one campaign, its messages and its report.

Every read takes the organisation first and, where the member's access groups limit what they see,
their access scope: a campaign is visible when its survey is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum

from accounts.models import Organization
from accounts.selectors import AccessScope
from campaigns.models import (
    Campaign,
    CampaignMessage,
    FatiguePolicy,
    Invitation,
    InvitationStatus,
    SkipReason,
)
from surveys.models import Survey, SurveyStatus
from surveys.selectors import survey_scope_q

SKIPPED_LIST_LIMIT = 500


def campaign_list(*, organization: Organization, scope: AccessScope) -> QuerySet[Campaign]:
    """The campaigns the member may see, newest first, with ``sent_count``, ``answered_count`` and
    ``invitation_count`` on each."""
    return (
        Campaign.all_orgs.filter(organization=organization)
        .filter(survey_scope_q(scope, prefix="survey__"))
        .select_related("survey", "contact_list", "segment")
        .annotate(
            invitation_count=Count("invitations"),
            sent_count=Count("invitations", filter=Q(invitations__sent_at__isnull=False)),
            answered_count=Count("invitations", filter=Q(invitations__answered_at__isnull=False)),
        )
        .order_by("-created_at", "-pk")
    )


def campaign_get(*, organization: Organization, campaign_id: int, scope: AccessScope) -> Campaign:
    """One campaign; Campaign.DoesNotExist when missing, another organisation's or out of scope."""
    return (
        Campaign.all_orgs.filter(organization=organization)
        .filter(survey_scope_q(scope, prefix="survey__"))
        .select_related("organization", "survey", "survey__current_version", "contact_list", "segment")
        .get(pk=campaign_id)
    )


def campaign_messages(*, organization: Organization, campaign: Campaign) -> QuerySet[CampaignMessage]:
    return CampaignMessage.all_orgs.filter(organization=organization, campaign=campaign).order_by(
        "kind", "language"
    )


def campaign_message_get(
    *, organization: Organization, campaign: Campaign, kind: str, language: str
) -> CampaignMessage | None:
    return CampaignMessage.all_orgs.filter(
        organization=organization, campaign=campaign, kind=kind, language=language
    ).first()


def survey_languages(campaign: Campaign) -> list[str]:
    """The languages the campaign's survey is published in (its base language first)."""
    survey = campaign.survey
    version = survey.current_version
    definition = version.definition if version is not None else survey.draft
    base = str(definition.get("base_language") or survey.base_language)
    offered = [str(code) for code in definition.get("languages") or [] if isinstance(code, str)]
    return [base, *[code for code in offered if code != base]]


def campaign_languages(campaign: Campaign) -> list[str]:
    """The languages a campaign's messages may be written in: the survey's languages, then the
    organisation's default language, limited to the languages the product ships."""
    known = {code for code, _label in settings.LANGUAGES}
    ordered = [*survey_languages(campaign), campaign.organization.default_language]
    seen: list[str] = []
    for code in ordered:
        if code in known and code not in seen:
            seen.append(code)
    return seen


def fatigue_policy_get(*, organization: Organization) -> FatiguePolicy:
    """The organisation's policy, or an unsaved one with the defaults."""
    policy = FatiguePolicy.all_orgs.filter(organization=organization).first()
    return policy if policy is not None else FatiguePolicy(organization=organization)


# --- the report --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LanguageRow:
    language: str
    label: str
    invited: int
    sent: int
    answered: int

    @property
    def response_rate(self) -> float | None:
        return round(self.answered * 100 / self.sent, 1) if self.sent else None


@dataclass(frozen=True)
class SkipRow:
    reason: str
    label: str
    count: int


@dataclass(frozen=True)
class CampaignReport:
    invited: int
    pending: int
    sent: int
    delivered: int
    opened: int
    clicked: int
    started: int
    answered: int
    bounced: int
    complained: int
    unsubscribed: int
    failed: int
    skipped: int
    reminded: int
    reminders_sent: int
    skipped_by_reason: list[SkipRow] = field(default_factory=list)
    languages: list[LanguageRow] = field(default_factory=list)

    @property
    def response_rate(self) -> float | None:
        """Answered as a percentage of the invitations sent (one decimal), None before any is sent."""
        return round(self.answered * 100 / self.sent, 1) if self.sent else None


def _at(name: str) -> Q:
    return Q(**{f"{name}__isnull": False})


def campaign_report(*, organization: Organization, campaign: Campaign) -> CampaignReport:
    """What became of a campaign's invitations, in three queries.

    An invitation counts as sent once it left us (``sent_at``), whatever happened next (a bounce keeps
    it counted as sent and also counts it as bounced). Opened is known only for email clients that load
    images. The response rate is answered / sent.
    """
    invitations = Invitation.all_orgs.filter(organization=organization, campaign=campaign)
    totals = invitations.aggregate(
        invited=Count("pk"),
        pending=Count("pk", filter=Q(status__in=[InvitationStatus.PENDING, InvitationStatus.SENDING])),
        sent=Count("pk", filter=_at("sent_at")),
        delivered=Count("pk", filter=_at("delivered_at")),
        opened=Count("pk", filter=_at("opened_at")),
        clicked=Count("pk", filter=_at("clicked_at")),
        started=Count("pk", filter=_at("started_at")),
        answered=Count("pk", filter=_at("answered_at")),
        bounced=Count("pk", filter=_at("bounced_at")),
        complained=Count("pk", filter=_at("complained_at")),
        unsubscribed=Count("pk", filter=_at("unsubscribed_at")),
        failed=Count("pk", filter=Q(status=InvitationStatus.FAILED)),
        skipped=Count("pk", filter=Q(status=InvitationStatus.SKIPPED)),
        reminded=Count("pk", filter=Q(reminders_sent__gt=0)),
        reminders_sent=Sum("reminders_sent", default=0),
    )
    reason_labels = dict(SkipReason.choices)
    by_reason = (
        invitations.filter(status=InvitationStatus.SKIPPED)
        .values("skip_reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "skip_reason")
    )
    skipped_rows = [
        SkipRow(
            reason=row["skip_reason"],
            label=str(reason_labels.get(row["skip_reason"], row["skip_reason"] or "—")),
            count=row["n"],
        )
        for row in by_reason
    ]
    language_labels = dict(settings.LANGUAGES)
    by_language = (
        invitations.values("language")
        .annotate(
            invited=Count("pk"),
            sent=Count("pk", filter=_at("sent_at")),
            answered=Count("pk", filter=_at("answered_at")),
        )
        .order_by("language")
    )
    language_rows = [
        LanguageRow(
            language=row["language"],
            label=str(language_labels.get(row["language"], row["language"] or "—")),
            invited=row["invited"],
            sent=row["sent"],
            answered=row["answered"],
        )
        for row in by_language
    ]
    return CampaignReport(
        **{name: int(value or 0) for name, value in totals.items()},
        skipped_by_reason=skipped_rows,
        languages=language_rows,
    )


def campaign_skipped(
    *, organization: Organization, campaign: Campaign, reason: str = ""
) -> QuerySet[Invitation]:
    """The skipped invitations with their contact, optionally of one reason, in the order they were
    created."""
    skipped = Invitation.all_orgs.filter(
        organization=organization, campaign=campaign, status=InvitationStatus.SKIPPED
    ).select_related("contact")
    if reason:
        skipped = skipped.filter(skip_reason=reason)
    return skipped.order_by("pk")


def campaign_survey_choices(*, organization: Organization, scope: AccessScope) -> QuerySet[Survey]:
    """The surveys a campaign can invite to: published (not drafts), visible to the member."""
    return (
        Survey.all_orgs.filter(organization=organization, current_version__isnull=False)
        .exclude(status=SurveyStatus.DRAFT)
        .filter(survey_scope_q(scope))
        .order_by("name", "pk")
    )


def campaign_audience_size(campaign: Campaign) -> int:
    """How many contacts the audience holds now (before the fatigue rules, which apply at send time)."""
    from contacts.selectors import audience_contacts

    if campaign.contact_list_id is None and campaign.segment_id is None:
        return 0
    return audience_contacts(
        campaign.organization_id, contact_list_id=campaign.contact_list_id, segment_id=campaign.segment_id
    ).count()
