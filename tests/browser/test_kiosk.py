"""Kiosk mode in real headless Chromium on a tablet-sized window: three people answer while the network is
down, and when it is back each response reaches the server exactly once (a reload sends nothing again);
the kiosk goes back to its start screen after the idle time and after the thank-you screen; after one
online visit its service worker brings the kiosk back on a reload with no network; no serious
accessibility violation and no CSP violation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.signals import request_started
from playwright.sync_api import Page, expect

from feedback.models import Response
from surveys.services import survey_create, survey_publish
from tests.browser.conftest import BrowserIssues
from tests.conftest import wait_for
from tests.factories import TouchpointFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Axe = Callable[[Page], list[dict[str, Any]]]

KIOSK_SURVEY = {
    "schema": 1,
    "base_language": "en",
    "languages": ["en"],
    "hidden_fields": [],
    "questions": [
        {
            "key": "nps",
            "type": "nps",
            "required": True,
            "text": {"en": "How likely are you to recommend us?"},
        },
        {
            "key": "visit",
            "type": "single_choice",
            "required": True,
            "text": {"en": "Why did you come today?"},
            "choices": [
                {"key": "buy", "label": {"en": "To buy"}},
                {"key": "return", "label": {"en": "To return something"}},
                {"key": "browse", "label": {"en": "Just looking"}},
            ],
        },
        {"key": "comment", "type": "text", "text": {"en": "Anything else?"}, "options": {"variant": "long"}},
    ],
    "endings": [{"key": "thanks", "type": "message", "title": {"en": "Thank you!"}}],
    "theme": {"brand_color": "#0b5cad", "mode": "light"},
    "settings": {"layout": "one_per_screen", "progress": True},
}
PEOPLE = [
    (9, "To buy", "buy", "Friendly staff"),
    (4, "To return something", "return", ""),
    (7, "Just looking", "browse", "Ok"),
]


@pytest.fixture
def viewport() -> dict[str, int]:
    return {"width": 1024, "height": 768}


@pytest.fixture
def kiosk_survey(organization, manager) -> Any:
    survey = survey_create(
        organization=organization,
        name="Store survey",
        touchpoint=TouchpointFactory(organization=organization, name="Online"),
        created_by=manager.user,
        definition=KIOSK_SURVEY,
    )
    survey_publish(survey=survey, actor=manager)
    survey.refresh_from_db()
    return survey


@pytest.fixture
def server_paths() -> Iterator[list[str]]:
    """The path of every request that reached the live server (it runs in this process)."""
    paths: list[str] = []

    def record(sender: Any, environ: dict[str, Any], **kwargs: Any) -> None:
        paths.append(environ["PATH_INFO"])

    request_started.connect(record)
    yield paths
    request_started.disconnect(record)


def kiosk_rows() -> list[tuple[Any, ...]]:
    return [
        (r.channel, r.touchpoint.name, r.answers, r.finished_at is not None)
        for r in Response.all_orgs.select_related("touchpoint").order_by("nps", "pk")
    ]


def answer(page: Page, nps: int, visit: str, comment: str) -> None:
    page.get_by_role("button", name="Tap to start").click()
    expect(page.get_by_text("How likely are you to recommend us?")).to_be_visible()
    # A tap on a score or a choice answers and moves on.
    page.get_by_role("radio", name=str(nps), exact=True).click()
    expect(page.get_by_text("Why did you come today?")).to_be_visible()
    page.get_by_role("radio", name=visit).click()
    field = page.get_by_label("Anything else?")
    expect(field).to_be_visible()
    field.fill(comment)
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    page.get_by_role("button", name="Start again").click()


def test_three_responses_collected_offline_are_each_delivered_once(
    page: Page, kiosk_survey: Any, organization: Any, axe: Axe, browser_issues: BrowserIssues
) -> None:
    shop = TouchpointFactory(organization=organization, name="Shop Berlin")
    page.goto(f"/s/{kiosk_survey.public_id}/kiosk/?tp={shop.pk}")
    start = page.get_by_role("button", name="Tap to start")
    expect(start).to_be_visible()
    box = start.bounding_box()
    assert box is not None
    assert (box["width"] >= 200, box["height"] >= 64) == (True, True)
    assert axe(page) == []
    queue = page.locator("#kiosk-queue")
    expect(queue).to_be_hidden()

    page.context.set_offline(True)
    for nps, visit, _key, comment in PEOPLE:
        answer(page, nps, visit, comment)
    expect(queue).to_have_text("Waiting to send: 3")
    expect(queue).to_have_attribute("data-count", "3")
    assert Response.all_orgs.count() == 0

    page.context.set_offline(False)
    expect(queue).to_be_hidden(timeout=20_000)
    assert wait_for(lambda: Response.all_orgs.filter(finished_at__isnull=False).count() == 3)
    expected = [
        ("kiosk", "Shop Berlin", {"nps": 4, "visit": "return"}, True),
        ("kiosk", "Shop Berlin", {"nps": 7, "visit": "browse", "comment": "Ok"}, True),
        ("kiosk", "Shop Berlin", {"nps": 9, "visit": "buy", "comment": "Friendly staff"}, True),
    ]
    assert kiosk_rows() == expected

    # Nothing is left to send after a reload: the same three responses, no fourth.
    page.reload()
    expect(page.get_by_role("button", name="Tap to start")).to_be_visible()
    page.wait_for_timeout(2_000)
    expect(queue).to_be_hidden()
    assert (
        page.evaluate(f"JSON.parse(localStorage.getItem('cx.kiosk.{kiosk_survey.public_id}')).q.length") == 0
    )
    assert kiosk_rows() == expected
    assert browser_issues.all() == []


def test_the_kiosk_returns_to_the_start_when_idle_and_after_thanking(
    page: Page, kiosk_survey: Any, axe: Axe, browser_issues: BrowserIssues
) -> None:
    page.clock.install()
    page.goto(f"/s/{kiosk_survey.public_id}/kiosk/?idle=10")
    expect(page.locator("#kiosk")).to_have_attribute("data-idle", "10")
    page.get_by_role("button", name="Tap to start").click()
    expect(page.get_by_text("Question 1 of 3")).to_be_visible()
    assert axe(page) == []
    page.get_by_role("radio", name="6", exact=True).click()
    expect(page.get_by_text("Why did you come today?")).to_be_visible()
    expect(page.get_by_text("Question 2 of 3")).to_be_visible()

    # Someone walked away after one answer: the kiosk waits 10 seconds, then starts over.
    page.clock.run_for(8_000)
    expect(page.get_by_text("Why did you come today?")).to_be_visible()
    page.clock.run_for(3_000)
    expect(page.get_by_role("button", name="Tap to start")).to_be_visible()
    expect(page.get_by_text("Why did you come today?")).to_have_count(0)
    # Their one answer is kept as a partial response.
    assert wait_for(lambda: Response.all_orgs.count() == 1)
    assert [(r.answers, r.finished_at) for r in Response.all_orgs.all()] == [({"nps": 6}, None)]

    # The next person finishes; the thank-you screen gives way to the start screen by itself.
    page.get_by_role("button", name="Tap to start").click()
    page.get_by_role("radio", name="10", exact=True).click()
    page.get_by_role("radio", name="Just looking").click()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    page.clock.run_for(9_000)
    expect(page.get_by_role("button", name="Tap to start")).to_be_visible()
    assert wait_for(lambda: Response.all_orgs.filter(finished_at__isnull=False).count() == 1)
    assert browser_issues.all() == []


def test_after_one_online_visit_the_kiosk_reloads_offline(
    page: Page, kiosk_survey: Any, organization: Any, server_paths: list[str], browser_issues: BrowserIssues
) -> None:
    shop = TouchpointFactory(organization=organization, name="Shop Berlin")
    kiosk = f"/s/{kiosk_survey.public_id}/kiosk/"
    page.goto(f"{kiosk}?tp={shop.pk}")
    expect(page.get_by_role("button", name="Tap to start")).to_be_visible()
    scope = page.evaluate("navigator.serviceWorker.ready.then((registration) => registration.scope)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    assert scope.endswith(kiosk)

    # The browser restarts while the Wi-Fi is down: the page, its script and its styles come from the worker.
    page.context.set_offline(True)
    server_paths.clear()
    reloaded = page.reload()
    expect(page.get_by_role("button", name="Tap to start")).to_be_visible()
    assert reloaded is not None
    assert (reloaded.status, reloaded.from_service_worker) == (200, True)
    assert page.evaluate("getComputedStyle(document.querySelector('.kiosk-go')).cursor") == "pointer"
    answer(page, 9, "To buy", "Back again")
    expect(page.locator("#kiosk-queue")).to_have_text("Waiting to send: 1")
    assert (server_paths, Response.all_orgs.count()) == ([], 0)

    page.context.set_offline(False)
    expect(page.locator("#kiosk-queue")).to_be_hidden(timeout=20_000)
    assert wait_for(lambda: Response.all_orgs.filter(finished_at__isnull=False).count() == 1)
    assert kiosk_rows() == [
        ("kiosk", "Shop Berlin", {"nps": 9, "visit": "buy", "comment": "Back again"}, True)
    ]
    assert browser_issues.all() == []
