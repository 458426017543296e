"""The fatigue rules at send time: each skipped contact with the right reason, in the report's order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import (
    Campaign,
    CampaignChannel,
    CampaignStatus,
    FatiguePolicy,
    Invitation,
    InvitationStatus,
    SkipReason,
)
from campaigns.services import campaign_start_due, fatigue_policy_for
from campaigns.services.erasure import invitations_erase
from contacts.services import suppression_add
from feedback.models import Channel, Consent, Contact, Response
from surveys.models import SurveyStatus
from tests import factories
from tests.campaigns.conftest import send_all

pytestmark = pytest.mark.django_db


def _sent_before(organization, contact, survey, *, days_ago: float) -> Invitation:
    """An invitation of an earlier campaign, sent ``days_ago``."""
    earlier = Campaign.all_orgs.create(
        organization=organization,
        name=f"Earlier {days_ago}",
        survey=survey,
        channel=CampaignChannel.EMAIL,
        status=CampaignStatus.SENT,
    )
    return Invitation.all_orgs.create(
        organization=organization,
        campaign=earlier,
        contact=contact,
        survey=survey,
        channel=CampaignChannel.EMAIL,
        address=contact.email,
        token=f"old{contact.pk:05d}{int(days_ago):04d}",
        status=InvitationStatus.SENT,
        sent_at=timezone.now() - timedelta(days=days_ago),
    )


def _outcomes(campaign) -> dict[str, tuple[str, str]]:
    rows = Invitation.all_orgs.filter(campaign=campaign).select_related("contact")
    return {(row.contact.name if row.contact else "(erased)"): (row.status, row.skip_reason) for row in rows}


def test_each_rule_skips_the_right_contacts_with_the_right_reason(
    organization, live_survey, make_audience, make_campaign, smtp_sink
):
    live_survey.recontact_days = 60
    live_survey.save()
    other_survey = factories.SurveyFactory(organization=organization)
    people = {
        name: Contact.all_orgs.create(organization=organization, name=name, email=f"{name}@example.net")
        for name in ("ok", "erased", "suppressed", "withdrawn", "answered", "invited", "cooldown", "limit")
    }
    nobody = Contact.all_orgs.create(organization=organization, name="no_address", phone="+4915100000001")
    Contact.all_orgs.filter(pk=people["withdrawn"].pk).update(consent=Consent.WITHDRAWN)
    suppression_add(
        organization_id=organization.pk, channel="email", address="SUPPRESSED@example.net ", reason="bounced"
    )
    Response.all_orgs.create(
        organization=organization,
        survey=live_survey,
        channel=Channel.LINK,
        contact=people["answered"],
        finished_at=timezone.now() - timedelta(days=40),
    )
    _sent_before(organization, people["invited"], live_survey, days_ago=50)
    _sent_before(organization, people["cooldown"], other_survey, days_ago=3)
    for days in (8, 15, 29):
        _sent_before(organization, people["limit"], other_survey, days_ago=days)
    campaign = make_campaign(live_survey, make_audience([*people.values(), nobody]))
    campaign_start_due()
    invitations_erase(organization.pk, people["erased"])

    assert send_all(campaign) == 1

    assert _outcomes(campaign) == {
        "ok": ("sent", ""),
        "(erased)": ("skipped", SkipReason.ERASED),
        "no_address": ("skipped", SkipReason.NO_ADDRESS),
        "suppressed": ("skipped", SkipReason.SUPPRESSED),
        "withdrawn": ("skipped", SkipReason.NO_CONSENT),
        "answered": ("skipped", SkipReason.RECONTACT),
        "invited": ("skipped", SkipReason.RECONTACT),
        "cooldown": ("skipped", SkipReason.COOLDOWN),
        "limit": ("skipped", SkipReason.LIMIT),
    }
    assert [m["To"] for m in smtp_sink.messages] == ["ok@example.net"]
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_outside_the_periods_everyone_is_invited(
    organization, live_survey, make_audience, make_campaign, smtp_sink
):
    live_survey.recontact_days = 30
    live_survey.save()
    other_survey = factories.SurveyFactory(organization=organization)
    contact = Contact.all_orgs.create(organization=organization, name="back", email="back@example.net")
    _sent_before(organization, contact, live_survey, days_ago=31)
    _sent_before(organization, contact, other_survey, days_ago=8)
    _sent_before(organization, contact, other_survey, days_ago=20)

    assert send_all(make_campaign(live_survey, make_audience([contact]))) == 1


def test_require_consent_invites_only_those_who_gave_it(
    organization, live_survey, make_audience, make_campaign, smtp_sink
):
    FatiguePolicy.all_orgs.create(organization=organization, require_consent=True)
    given = Contact.all_orgs.create(organization=organization, name="given", email="g@example.net")
    Contact.all_orgs.filter(pk=given.pk).update(consent=Consent.GRANTED)
    unknown = Contact.all_orgs.create(organization=organization, name="unknown", email="u@example.net")
    campaign = make_campaign(live_survey, make_audience([given, unknown]))

    send_all(campaign)

    assert _outcomes(campaign) == {"given": ("sent", ""), "unknown": ("skipped", SkipReason.NO_CONSENT)}


def test_a_closed_survey_skips_everyone(organization, live_survey, make_audience, make_campaign, smtp_sink):
    campaign = make_campaign(live_survey, make_audience(n=2))
    campaign_start_due()
    live_survey.status = SurveyStatus.CLOSED
    live_survey.save()

    assert send_all(campaign) == 0

    assert set(Invitation.all_orgs.filter(campaign=campaign).values_list("status", "skip_reason")) == {
        ("skipped", SkipReason.SURVEY_CLOSED)
    }


def test_the_cooldown_holds_across_two_campaigns_sent_together(
    organization, live_survey, make_audience, make_campaign, smtp_sink
):
    audience = make_audience(n=3)
    first = make_campaign(live_survey, audience)
    second = make_campaign(live_survey, audience, name="Other")
    campaign_start_due()

    send_all(first)
    send_all(second)

    assert set(Invitation.all_orgs.filter(campaign=first).values_list("status", flat=True)) == {"sent"}
    assert set(Invitation.all_orgs.filter(campaign=second).values_list("status", "skip_reason")) == {
        ("skipped", SkipReason.COOLDOWN)
    }
    assert len(smtp_sink.messages) == 3


def test_the_default_policy_is_unsaved(organization):
    policy = fatigue_policy_for(organization.pk)

    assert (policy.pk, policy.cooldown_days, policy.max_per_30_days, policy.require_consent) == (
        None,
        7,
        3,
        False,
    )
