"""The editing services behind the campaign pages: the rules they enforce, whatever page calls them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AccessGroup, AccessGroupMembership
from accounts.roles import Role
from campaigns.models import Campaign, CampaignMessage, CampaignStatus
from campaigns.services.editing import (
    CampaignInput,
    campaign_cancel,
    campaign_create,
    campaign_message_preview,
    campaign_message_save,
    campaign_schedule,
    campaign_update,
    fatigue_policy_update,
)
from contacts.models import Segment
from surveys.models import SurveyStatus
from tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db


def errors_of(raised: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]] | list[str]:
    exc = raised.value
    return exc.message_dict if hasattr(exc, "error_dict") else exc.messages


@pytest.fixture
def audience(make_audience):
    return make_audience(n=2)


@pytest.fixture
def draft(make_campaign, live_survey, audience):
    return make_campaign(live_survey, audience, status=CampaignStatus.DRAFT, scheduled_at=None)


def test_a_segment_is_an_audience_too(organization, manager, live_survey):
    segment = Segment.all_orgs.create(
        organization=organization, name="Everyone", rules={"match": "all", "conditions": []}
    )

    campaign = campaign_create(
        organization=organization,
        actor=manager,
        data=CampaignInput(
            name=" Spring   NPS ", survey_id=live_survey.pk, channel="sms", segment_id=segment.pk
        ),
    )

    assert (campaign.name, campaign.contact_list_id, campaign.segment_id, campaign.channel) == (
        "Spring NPS",
        None,
        segment.pk,
        "sms",
    )


def test_a_list_and_a_segment_together_are_refused(organization, manager, live_survey, audience):
    segment = Segment.all_orgs.create(
        organization=organization, name="S", rules={"match": "all", "conditions": []}
    )

    with pytest.raises(ValidationError) as raised:
        campaign_create(
            organization=organization,
            actor=manager,
            data=CampaignInput(
                name="x",
                survey_id=live_survey.pk,
                channel="email",
                contact_list_id=audience.pk,
                segment_id=segment.pk,
            ),
        )

    assert errors_of(raised) == {"contact_list": ["Choose either a list or a segment (exactly one)."]}


def test_surveys_that_cannot_be_sent_are_refused(
    organization, other_organization, manager, live_survey, audience
):
    draft_survey = SurveyFactory(organization=organization, status=SurveyStatus.DRAFT)
    foreign = SurveyFactory(organization=other_organization)
    messages = []
    for survey_id in (draft_survey.pk, foreign.pk):
        with pytest.raises(ValidationError) as raised:
            campaign_create(
                organization=organization,
                actor=manager,
                data=CampaignInput(
                    name="x", survey_id=survey_id, channel="email", contact_list_id=audience.pk
                ),
            )
        messages.append(errors_of(raised))
    live_survey.status = SurveyStatus.CLOSED
    live_survey.save(update_fields=["status"])
    with pytest.raises(ValidationError) as raised:
        campaign_create(
            organization=organization,
            actor=manager,
            data=CampaignInput(
                name="x", survey_id=live_survey.pk, channel="email", contact_list_id=audience.pk
            ),
        )
    messages.append(errors_of(raised))

    assert messages == [
        {"survey": ["Publish the survey before inviting people to it."]},
        {"survey": ["Choose a survey of this organisation."]},
        {"survey": ["This survey is closed: it takes no responses."]},
    ]


def test_a_member_limited_by_access_groups_cannot_use_another_survey(
    organization, make_member, live_survey, audience
):
    limited = make_member(organization, Role.CX_MANAGER)
    group = AccessGroup.all_orgs.create(organization=organization, name="Other surveys only")
    AccessGroupMembership.all_orgs.create(organization=organization, access_group=group, membership=limited)

    with pytest.raises(ValidationError) as raised:
        campaign_create(
            organization=organization,
            actor=limited,
            data=CampaignInput(
                name="x", survey_id=live_survey.pk, channel="email", contact_list_id=audience.pk
            ),
        )

    assert errors_of(raised) == {"survey": ["Choose a survey of this organisation."]}


@pytest.mark.parametrize("status", [CampaignStatus.SENDING, CampaignStatus.SENT, CampaignStatus.CANCELLED])
def test_a_started_campaign_is_a_record(organization, manager, draft, live_survey, audience, status):
    Campaign.all_orgs.filter(pk=draft.pk).update(status=status)
    data = CampaignInput(name="y", survey_id=live_survey.pk, channel="email", contact_list_id=audience.pk)
    refusals = []
    for change in (
        lambda: campaign_update(campaign=draft, actor=manager, data=data),
        lambda: campaign_message_save(
            campaign=draft, actor=manager, kind="invitation", language="en", subject="s", body="{survey_link}"
        ),
        lambda: campaign_schedule(campaign=draft, actor=manager),
    ):
        with pytest.raises(ValidationError) as raised:
            change()
        refusals.append(errors_of(raised))

    label = {"sending": "sending", "sent": "sent", "cancelled": "cancelled"}[status]
    assert refusals == [[f"This campaign is {label}: it can no longer be changed."]] * 3


def test_a_sent_campaign_cannot_be_cancelled(manager, draft):
    Campaign.all_orgs.filter(pk=draft.pk).update(status=CampaignStatus.SENT)

    with pytest.raises(ValidationError) as raised:
        campaign_cancel(campaign=draft, actor=manager)

    assert errors_of(raised) == ["This campaign is sent: there is nothing left to cancel."]


def test_a_paused_survey_cannot_be_scheduled(manager, draft, live_survey):
    live_survey.status = SurveyStatus.PAUSED
    live_survey.save(update_fields=["status"])

    with pytest.raises(ValidationError) as raised:
        campaign_schedule(campaign=draft, actor=manager)

    assert errors_of(raised) == ["The survey is paused: resume it first."]


def test_a_survey_closing_before_the_send_time_is_refused(manager, draft, live_survey):
    now = timezone.now()
    live_survey.ends_at = now + timezone.timedelta(days=1)
    live_survey.save(update_fields=["ends_at"])

    with pytest.raises(ValidationError) as raised:
        campaign_schedule(campaign=draft, actor=manager, at=now + timezone.timedelta(days=2), now=now)
    scheduled = campaign_schedule(
        campaign=draft, actor=manager, at=now + timezone.timedelta(hours=2), now=now
    )

    assert errors_of(raised) == ["The survey is closed at that time: it would take no responses."]
    assert (scheduled.status, scheduled.scheduled_at) == (
        CampaignStatus.SCHEDULED,
        now + timezone.timedelta(hours=2),
    )


def test_the_preview_never_saves(organization, draft):
    CampaignMessage.all_orgs.create(
        organization=organization,
        campaign=draft,
        kind="invitation",
        language="en",
        subject="Saved",
        body="{survey_link}",
    )

    typed = campaign_message_preview(
        campaign=draft, kind="invitation", language="en", subject="Typed", body="Typed {survey_link}"
    )
    cleared = campaign_message_preview(campaign=draft, kind="invitation", language="en", subject="", body="")

    assert (typed.subject, cleared.subject) == ("Typed", "Acme would like your feedback")
    assert list(CampaignMessage.all_orgs.values_list("subject", "body")) == [("Saved", "{survey_link}")]


def test_fatigue_rules_out_of_range_are_refused(organization, manager):
    with pytest.raises(ValidationError) as raised:
        fatigue_policy_update(
            organization=organization,
            actor=manager,
            cooldown_days=-1,
            max_per_30_days=0,
            require_consent=False,
        )

    assert errors_of(raised) == {
        "cooldown_days": ["The cooldown must be between 0 and 365 days."],
        "max_per_30_days": ["Allow between 1 and 100 invitations per 30 days."],
    }
