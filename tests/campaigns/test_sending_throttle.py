"""A campaign to 1,000 contacts through the SMTP sink, throttled as configured (the dispatcher in-process,
as the beat task runs it)."""

from __future__ import annotations

import logging
from bisect import bisect_left

import pytest

from campaigns.models import CampaignStatus, Invitation, InvitationStatus
from campaigns.services import campaigns_dispatch

pytestmark = pytest.mark.django_db

RATE_PER_MINUTE = 6000  # 100 a second: the bucket holds one second's worth, 100 messages
AUDIENCE = 1000


def test_a_campaign_to_1000_contacts_is_sent_once_each_within_the_rate(
    live_survey, make_audience, make_campaign, smtp_sink, caplog
):
    caplog.set_level(logging.WARNING, logger="mail.log")  # the sink logs every SMTP command
    campaign = make_campaign(live_survey, make_audience(n=AUDIENCE), send_rate_per_minute=RATE_PER_MINUTE)

    for _beat in range(30):
        campaigns_dispatch(seconds=2)
        campaign.refresh_from_db()
        if campaign.status == CampaignStatus.SENT:
            break

    assert campaign.status == CampaignStatus.SENT
    assert smtp_sink.received == AUDIENCE
    assert len({m["To"] for m in smtp_sink.messages}) == AUDIENCE
    assert Invitation.all_orgs.filter(campaign=campaign, status=InvitationStatus.SENT).count() == AUDIENCE
    times = sorted(
        t.timestamp() for t in Invitation.all_orgs.filter(campaign=campaign).values_list("sent_at", flat=True)
    )
    per_second = RATE_PER_MINUTE / 60
    burst = per_second  # the bucket's capacity
    # A token bucket lets through at most its capacity plus the rate times the window in any window.
    busiest = max(bisect_left(times, start + 1.0) - i for i, start in enumerate(times))
    assert busiest <= burst + per_second
    assert times[-1] - times[0] >= (AUDIENCE - burst) / per_second
