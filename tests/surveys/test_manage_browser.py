"""Creating a survey from a template in real Chromium: the management form lands in the builder with
the template's questions, in the chosen base language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Membership
from surveys.library import TEMPLATES, template_definition
from surveys.models import Survey
from tests.browser.conftest import BrowserIssues

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_survey_created_from_a_template_opens_in_the_builder_with_its_questions(
    page: Page,
    live_server: Any,
    login: Callable[..., None],
    browser_issues: BrowserIssues,
    manager: Membership,
) -> None:
    login(page, live_server, manager.user)
    page.goto(f"/o/{manager.organization.slug}/surveys/new/")
    page.get_by_label("Survey name").fill("Relationship NPS 2027")
    page.get_by_label("…or create a new touchpoint").fill("Account")
    page.get_by_label("Base language").select_option("ru")
    page.get_by_label(str(TEMPLATES["relationship_nps"].name)).check()
    page.get_by_role("button", name="Create survey").click()

    survey = Survey.all_orgs.get(name="Relationship NPS 2027")
    expect(page).to_have_url(f"{live_server.url}/o/{manager.organization.slug}/surveys/{survey.pk}/builder/")
    expect(page.locator(".bld-qitem").first).to_be_visible()
    assert (survey.draft, survey.touchpoint.name, survey.status) == (
        template_definition("relationship_nps", "ru"),
        "Account",
        "draft",
    )
    assert page.locator(".bld-qitem").count() == len(survey.draft["questions"])
    assert browser_issues.all() == []
