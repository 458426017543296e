"""The campaign report: exact numbers for a hand-made set of invitations in every state."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import CampaignStatus, Invitation, InvitationStatus, SkipReason
from campaigns.selectors import CampaignReport, LanguageRow, SkipRow, campaign_report
from feedback.models import Contact

pytestmark = pytest.mark.django_db

SENT, SKIPPED = InvitationStatus.SENT, InvitationStatus.SKIPPED


@pytest.fixture
def campaign(organization, make_audience, make_campaign, live_survey):
    contacts = Contact.all_orgs.bulk_create(
        [
            Contact(organization=organization, email=f"c{i}@example.net", name=f"Customer {i}")
            for i in range(1, 12)
        ]
    )
    campaign = make_campaign(live_survey, make_audience(contacts), status=CampaignStatus.SENDING)
    now = timezone.now()
    t = {"sent_at": now - timedelta(days=3)}
    rows = [
        # (contact number or None, language, fields)
        (1, "en", {}),
        (2, "en", {"status": InvitationStatus.SENDING}),
        (
            3,
            "en",
            {
                "status": SENT,
                **t,
                "delivered_at": now,
                "opened_at": now,
                "clicked_at": now,
                "started_at": now,
                "answered_at": now,
                "reminders_sent": 1,
            },
        ),
        (
            4,
            "ru",
            {
                "status": SENT,
                **t,
                "delivered_at": now,
                "clicked_at": now,
                "started_at": now,
                "reminders_sent": 2,
            },
        ),
        (5, "ru", {"status": SENT, **t, "bounced_at": now}),
        (6, "en", {"status": SENT, **t, "delivered_at": now, "complained_at": now}),
        (7, "en", {"status": SENT, **t, "delivered_at": now, "unsubscribed_at": now}),
        (8, "en", {"status": InvitationStatus.FAILED, "error": "550 mailbox unavailable"}),
        (9, "en", {"status": SKIPPED, "skip_reason": SkipReason.SUPPRESSED}),
        (10, "en", {"status": SKIPPED, "skip_reason": SkipReason.COOLDOWN}),
        (11, "ru", {"status": SKIPPED, "skip_reason": SkipReason.COOLDOWN}),
        (None, "", {"status": SKIPPED, "skip_reason": SkipReason.ERASED}),
    ]
    for number, language, fields in rows:
        contact = contacts[number - 1] if number else None
        Invitation.all_orgs.create(
            organization=organization,
            campaign=campaign,
            contact=contact,
            survey=live_survey,
            channel="email",
            address=contact.email if contact else "",
            language=language,
            token=secrets.token_urlsafe(12)[:16],
            **fields,
        )
    # Another campaign's invitation counts for that campaign only.
    other = make_campaign(live_survey, make_audience([contacts[0]]), name="Other")
    Invitation.all_orgs.create(
        organization=organization,
        campaign=other,
        contact=contacts[0],
        survey=live_survey,
        channel="email",
        address=contacts[0].email,
        language="en",
        token="other-campaign",
        status=SENT,
        sent_at=now,
        answered_at=now,
    )
    return campaign


def test_the_report_counts_every_state_exactly(organization, campaign):
    report = campaign_report(organization=organization, campaign=campaign)

    assert report == CampaignReport(
        invited=12,
        pending=2,
        sent=5,
        delivered=4,
        opened=1,
        clicked=2,
        started=2,
        answered=1,
        bounced=1,
        complained=1,
        unsubscribed=1,
        failed=1,
        skipped=4,
        reminded=2,
        reminders_sent=3,
        skipped_by_reason=[
            SkipRow("cooldown", "Invited within the global cooldown", 2),
            SkipRow("erased", "Contact erased", 1),
            SkipRow("suppressed", "Address on the suppression list", 1),
        ],
        languages=[
            LanguageRow("", "—", 1, 0, 0),
            LanguageRow("en", "English", 8, 3, 1),
            LanguageRow("ru", "Russian", 3, 2, 0),
        ],
    )
    assert report.response_rate == 20.0
    assert [row.response_rate for row in report.languages] == [None, 33.3, 0.0]


def test_an_unsent_campaign_has_no_response_rate(organization, make_campaign, live_survey, make_audience):
    empty = make_campaign(live_survey, make_audience([]), status=CampaignStatus.DRAFT)

    report = campaign_report(organization=organization, campaign=empty)

    assert (
        report.invited,
        report.sent,
        report.response_rate,
        report.skipped_by_reason,
        report.languages,
    ) == (
        0,
        0,
        None,
        [],
        [],
    )


def stats(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-stat="([a-z-]+)">([^<]*)<', html))


def test_the_report_page_shows_the_numbers_and_the_skipped_contacts(
    client_for, viewer, organization, campaign
):
    client = client_for(viewer)
    url = f"/o/{organization.slug}/campaigns/{campaign.pk}/"

    page = client.get(url)
    cooldown = client.get(f"{url}?reason=cooldown")
    bogus = client.get(f"{url}?reason=bogus&page=last-but-one")

    assert page.status_code == 200
    assert stats(page.content.decode()) == {
        "invited": "12",
        "sent": "5",
        "delivered": "4",
        "opened": "1",
        "clicked": "2",
        "started": "2",
        "answered": "1",
        "response-rate": "20.0%",
        "bounced": "1",
        "complained": "1",
        "unsubscribed": "1",
        "failed": "1",
        "skipped": "4",
        "reminders-sent": "3",
    }
    assert [
        (str(row["contact"] or ""), row["address"], row["reason"]) for row in page.context["skipped_rows"]
    ] == [
        ("Customer 9", "c•••@example.net", "Address on the suppression list"),
        ("Customer 10", "c•••@example.net", "Invited within the global cooldown"),
        ("Customer 11", "c•••@example.net", "Invited within the global cooldown"),
        ("", "", "Contact erased"),
    ]
    assert [str(row["contact"]) for row in cooldown.context["skipped_rows"]] == ["Customer 10", "Customer 11"]
    assert (bogus.status_code, bogus.context["reason"], len(bogus.context["skipped_rows"])) == (200, "", 4)
