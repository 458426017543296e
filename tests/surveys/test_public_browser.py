"""The hosted link survey in real headless Chromium on a phone-sized window: answered end to end in two
languages with a logic jump and a resume after reload, by keyboard only, on the one-page layout with the
page script's show/hide logic and saving as you go; no serious accessibility violation and no CSP
violation on any of its pages."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from feedback.models import Response
from surveys.models import SurveyStatus
from surveys.services import survey_create, survey_publish, survey_set_status
from tests.browser.conftest import BrowserIssues
from tests.factories import TouchpointFactory
from tests.surveys.test_public_views import EVERY_TYPE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Axe = Callable[[Page], list[dict[str, Any]]]
PHONE = {"width": 375, "height": 667}


@pytest.fixture
def viewport() -> dict[str, int]:
    return dict(PHONE)


@pytest.fixture
def publish(organization, manager):
    def make(definition: dict[str, Any]) -> Any:
        survey = survey_create(
            organization=organization,
            name="Link survey",
            touchpoint=TouchpointFactory(organization=organization),
            created_by=manager.user,
            definition=definition,
        )
        survey_publish(survey=survey, actor=manager)
        survey.refresh_from_db()
        return survey

    return make


def start(survey: Any) -> str:
    return f"/s/{survey.public_id}/"


def next_button(page: Page) -> Any:
    return page.locator("form.survey-form button[type=submit]")


def no_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_detractor_answers_in_english_on_a_phone_and_resumes_after_reload(
    page: Page, live_survey: Any, axe: Axe, browser_issues: BrowserIssues
) -> None:
    page.goto(start(live_survey))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "How likely are you to recommend us? (required)"
    )
    expect(page.get_by_text("Question 1 of 3")).to_be_visible()
    question_violations = axe(page)
    assert no_horizontal_scroll(page)
    # The answer buttons are big enough to touch.
    box = page.locator("label[for=p-nps-3]").bounding_box()
    assert box is not None
    assert (box["width"] >= 44, box["height"] >= 44) == (True, True)

    page.get_by_role("radio", name="3", exact=True).check()
    next_button(page).click()
    page.wait_for_url(re.compile(r"/q/why/$"))
    page.get_by_label("What went wrong?").fill("Delivery took two weeks")
    next_button(page).click()
    page.wait_for_url(re.compile(r"/q/email/$"))

    page.reload()
    expect(page.get_by_text("Question 3 of 3")).to_be_visible()
    page.goto(start(live_survey))
    page.wait_for_url(re.compile(r"/q/email/$"))
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_label("What went wrong?")).to_have_value("Delivery took two weeks")
    next_button(page).click()
    page.get_by_label("Your email").fill("ann@example.com")
    expect(next_button(page)).to_have_text("Submit")
    next_button(page).click()

    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    ending_violations = axe(page)
    [response] = Response.all_orgs.filter(survey=live_survey)
    assert response.answers == {"nps": 3, "why": "Delivery took two weeks", "email": "ann@example.com"}
    assert (response.survey_version_id, response.language, response.channel) == (
        live_survey.current_version_id,
        "en",
        "link",
    )
    assert response.finished_at is not None
    assert question_violations == []
    assert ending_violations == []
    assert browser_issues.all() == []


def test_a_promoter_answers_in_russian_chosen_in_the_switcher_and_jumps_over_a_question(
    page: Page, live_survey: Any, browser_issues: BrowserIssues
) -> None:
    page.goto(start(live_survey))
    page.get_by_role("link", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Порекомендуете ли вы нас?")

    page.get_by_role("radio", name="10", exact=True).check()
    next_button(page).click()
    page.wait_for_url(re.compile(r"/q/email/$"))
    page.reload()
    page.goto(start(live_survey))
    page.wait_for_url(re.compile(r"/q/email/$"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.locator("#q-email-input").fill("ivan@example.ru")
    next_button(page).click()

    expect(page.get_by_role("heading", name="Спасибо!")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    [response] = Response.all_orgs.filter(survey=live_survey)
    assert response.answers == {"nps": 10, "email": "ivan@example.ru"}
    assert (response.language, response.survey_version_id) == ("ru", live_survey.current_version_id)
    assert response.finished_at is not None
    assert browser_issues.all() == []


def test_the_survey_can_be_completed_with_the_keyboard_only(
    page: Page, live_survey: Any, browser_issues: BrowserIssues
) -> None:
    page.goto(start(live_survey))

    # Skip link, the two languages, then the answers.
    for _ in range(4):
        page.keyboard.press("Tab")
    first_focus = page.evaluate("document.activeElement.id")
    page.keyboard.press("Space")
    for _ in range(8):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Tab")
    button_focus = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/q/why/$"))
    for _ in range(4):
        page.keyboard.press("Tab")
    page.keyboard.type("Too many steps")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/q/email/$"))
    for _ in range(4):
        page.keyboard.press("Tab")
    page.keyboard.type("kim@example.com")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    [response] = Response.all_orgs.filter(survey=live_survey)
    assert (first_focus, button_focus) == ("p-nps-0", "Next")
    assert response.answers == {"nps": 8, "why": "Too many steps", "email": "kim@example.com"}
    assert browser_issues.all() == []


def test_an_error_is_announced_focused_and_accessible(
    page: Page, live_survey: Any, axe: Axe, browser_issues: BrowserIssues
) -> None:
    page.goto(start(live_survey))

    next_button(page).click()

    summary = page.get_by_role("alert").filter(has_text="Please check your answer")
    expect(summary).to_be_focused()
    expect(page.locator("#q-nps-error")).to_have_text("Error: Please answer this question.")
    expect(page.locator("#q-nps")).to_have_attribute("aria-describedby", "q-nps-error")
    assert axe(page) == []
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "p-nps-0"
    assert browser_issues.all() == []


def test_the_one_page_layout_hides_questions_by_logic_and_saves_as_you_go(
    page: Page,
    publish: Callable[..., Any],
    definition: dict[str, Any],
    axe: Axe,
    browser_issues: BrowserIssues,
) -> None:
    definition["settings"] = {"layout": "all_on_one", "progress": False}
    survey = publish(definition)
    page.goto(start(survey))
    why = page.locator("[data-question=why]")
    expect(why).to_be_visible()

    page.get_by_role("radio", name="10", exact=True).check()
    expect(why).to_be_hidden()
    page.get_by_role("radio", name="4", exact=True).check()
    expect(why).to_be_visible()
    with page.expect_response(lambda r: 'name="nps"\r\n\r\n9\r\n' in (r.request.post_data or "")) as saved:
        page.get_by_role("radio", name="9", exact=True).check()
    expect(why).to_be_hidden()
    violations = axe(page)
    # The answer was saved before the page answered the script.
    [partial] = Response.all_orgs.filter(survey=survey)
    assert (saved.value.status, partial.answers, partial.finished_at) == (200, {"nps": 9}, None)

    page.reload()
    expect(page.get_by_role("radio", name="9", exact=True)).to_be_checked()
    expect(why).to_be_hidden()
    page.get_by_label("Your email").fill("lee@example.com")
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    [response] = Response.all_orgs.filter(survey=survey)
    assert response.answers == {"nps": 9, "email": "lee@example.com"}
    assert violations == []
    assert browser_issues.all() == []


@pytest.mark.parametrize("viewport", [{"width": 320, "height": 640}, {"width": 1280, "height": 800}])
def test_every_question_type_is_accessible_and_fits_the_screen(
    page: Page, publish: Callable[..., Any], axe: Axe, browser_issues: BrowserIssues
) -> None:
    definition = copy.deepcopy(EVERY_TYPE)
    definition["theme"] = {"brand_color": "#ffcc00", "mode": "light", "logo_url": ""}
    survey = publish(definition)
    page.goto(start(survey))

    submit = page.get_by_role("button", name="Submit")
    order = page.locator("[data-question=order] select")
    page.get_by_role("button", name="Move down: Place 1").click()

    # The brand colour is applied with a readable text colour: black on yellow.
    assert submit.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 204, 0)"
    assert submit.evaluate("el => getComputedStyle(el).color") == "rgb(0, 0, 0)"
    assert [order.nth(i).input_value() for i in range(3)] == ["y", "x", "z"]
    assert no_horizontal_scroll(page)
    assert axe(page) == []
    assert browser_issues.all() == []


def test_the_dark_theme_and_the_unavailable_pages_are_accessible(
    page: Page,
    live_server: Any,
    publish: Callable[..., Any],
    definition: dict[str, Any],
    manager: Any,
    axe: Axe,
    browser_issues: BrowserIssues,
) -> None:
    definition["theme"] = {"brand_color": "#1a7f37", "mode": "dark", "logo_url": ""}
    survey = publish(definition)

    page.goto(start(survey))
    dark_violations = axe(page)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    survey_set_status(survey=survey, status=SurveyStatus.PAUSED, actor=manager)
    page.goto(start(survey) + "?lang=ru")
    paused_violations = axe(page)
    paused_lang = page.locator("html").get_attribute("lang")
    page.goto("/s/no-such-survey/")
    missing_violations = axe(page)

    expect(page.get_by_role("heading", name="Survey not found")).to_be_visible()
    assert background == "rgb(15, 20, 25)"
    assert paused_lang == "ru"
    assert (dark_violations, paused_violations, missing_violations) == ([], [], [])
    assert browser_issues.csp_violations + browser_issues.page_errors == []
    # The only complaint is the browser noting the 404 status of the missing survey's page.
    assert browser_issues.console_errors == [
        "Failed to load resource: the server responded with a status of 404 (Not Found) "
        f"({live_server.url}/s/no-such-survey/)"
    ]
