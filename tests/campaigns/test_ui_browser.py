"""The campaign message editor in real headless Chromium: typing updates the live preview (htmx) in a
sandboxed frame, under the strict CSP, without console errors or serious accessibility violations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from campaigns.models import CampaignStatus, Invitation, InvitationStatus
from tests.browser.conftest import BrowserIssues

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_message_editor_previews_as_the_member_types_and_the_report_runs_clean(
    page: Page,
    live_server: Any,
    login: Callable[..., None],
    axe: Callable[[Page], list[dict[str, Any]]],
    browser_issues: BrowserIssues,
    organization,
    manager,
    live_survey,
    make_audience,
    make_campaign,
) -> None:
    audience = make_audience(n=1)
    campaign = make_campaign(live_survey, audience, status=CampaignStatus.DRAFT, scheduled_at=None)
    Invitation.all_orgs.create(
        organization=organization,
        campaign=campaign,
        survey=live_survey,
        channel="email",
        token="browser-skip",
        status=InvitationStatus.SKIPPED,
        skip_reason="cooldown",
    )
    login(page, live_server, manager.user)

    page.goto(f"/o/acme/campaigns/{campaign.pk}/messages/?language=en&kind=invitation")
    page.get_by_label("Subject").fill("Hello {first_name}")
    page.get_by_role("textbox", name="Text").fill("Dear {name},\n\nplease answer: {survey_link}")
    expect(page.locator("[data-preview=subject]")).to_have_text("Hello Alex")
    frame = page.frame_locator("iframe.campaign-preview-frame")
    expect(frame.locator("body")).to_contain_text("Dear Alex Example,")
    editor_violations = axe(page)
    page.get_by_role("button", name="Save text").click()
    expect(page.get_by_text("The text is saved.")).to_be_visible()

    page.goto(f"/o/acme/campaigns/{campaign.pk}/")
    expect(page.locator("[data-stat=skipped]")).to_have_text("1")
    report_violations = axe(page)

    assert (editor_violations, report_violations) == ([], [])
    assert browser_issues.all() == []
