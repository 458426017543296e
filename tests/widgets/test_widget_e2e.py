"""The widget end to end, in real headless Chromium: a third-party page on another origin with a strict
CSP embeds the snippet; the platform is pytest-django's live server with the real database.

Each trigger fires when it should and not before; answers reach the database; offline answers are
delivered exactly once when the browser is back online; a host page that throws does not stop the
widget, and a failing config endpoint leaves the host page untouched; axe-core finds no serious or
critical violation in the open widget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import Membership
from core.tenancy import organization_context
from feedback.models import Response
from surveys.models import Survey
from surveys.services import survey_create, survey_publish
from tests import factories
from tests.browser.conftest import CSP_RECORDER, BrowserIssues
from tests.widgets.conftest import BUTTON_HOST, KEY, SURVEY_HOST
from tests.widgets.host_site import HostSite, serve
from widgets.models import Site
from widgets.services import intercept_create, site_set_button

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NPS_DEFINITION: dict[str, Any] = {
    "schema": 1,
    "base_language": "en",
    "languages": ["en", "ru"],
    "hidden_fields": ["plan"],
    "questions": [
        {
            "key": "nps",
            "type": "nps",
            "required": True,
            "text": {"en": "How likely are you to recommend us?", "ru": "Порекомендуете ли вы нас?"},
            "options": {
                "low_label": {"en": "Not at all likely", "ru": "Маловероятно"},
                "high_label": {"en": "Extremely likely", "ru": "Очень вероятно"},
            },
        },
        {
            "key": "why",
            "type": "text",
            "text": {"en": "Why a {{answer.nps}}?", "ru": "Почему {{answer.nps}}?"},
            "options": {"variant": "long", "max_length": 500},
        },
    ],
    "endings": [{"key": "thanks", "type": "message", "title": {"en": "Thank you!", "ru": "Спасибо!"}}],
    "theme": {"brand_color": "#0b5cad", "mode": "light", "logo_url": ""},
    "settings": {"layout": "one_per_screen", "progress": True},
}


def _survey(organization: Any, member: Membership, definition: dict[str, Any], name: str = "NPS") -> Survey:
    with organization_context(organization):
        survey = survey_create(
            organization=organization,
            name=name,
            touchpoint=factories.TouchpointFactory(organization=organization),
            created_by=member.user,
            definition=definition,
        )
        survey_publish(survey=survey, actor=member)
        survey.refresh_from_db()
        return survey


def _intercept(organization: Any, member: Membership, survey: Survey, targeting: dict[str, Any]) -> None:
    with organization_context(organization):
        site = Site.objects.get(public_key=KEY)
        intercept_create(site=site, survey=survey, targeting=targeting, actor=member)


def _responses(organization: Any) -> list[Response]:
    with organization_context(organization):
        return list(Response.objects.order_by("pk"))


def _answer_nps(page: Page, score: int, comment: str) -> None:
    dialog = page.locator(SURVEY_HOST).get_by_role("dialog")
    dialog.get_by_role("radio", name=str(score), exact=True).check()
    textbox = dialog.get_by_role("textbox")
    expect(textbox).to_be_visible()
    textbox.fill(comment)
    dialog.get_by_role("button", name="Submit").click()
    expect(dialog.get_by_role("heading", name="Thank you!")).to_be_visible()


def _wait_delivered(organization: Any, count: int, finished: int) -> list[Response]:
    from tests.conftest import wait_for

    assert wait_for(
        lambda: len(_responses(organization)) == count
        and sum(1 for r in _responses(organization) if r.finished_at) == finished,
        timeout=10,
    ), [(r.answers, r.finished_at) for r in _responses(organization)]
    return _responses(organization)


def test_exit_intent_nps_appears_on_leaving_and_its_answers_reach_the_database(
    page: Page,
    host: HostSite,
    organization: Any,
    manager_member: Membership,
    browser_issues: BrowserIssues,
    axe: Callable[[Page], list[dict[str, Any]]],
) -> None:
    survey = _survey(organization, manager_member, NPS_DEFINITION)
    _intercept(organization, manager_member, survey, {"trigger": {"type": "exit_intent"}})
    loaded: list[str] = []
    page.on("request", lambda request: loaded.append(request.url))

    page.goto(host.page("/checkout", body="<p>Your cart.</p>"))
    page.wait_for_load_state("networkidle")
    # Nothing beyond the loader and its configuration until a survey is due.
    platform = [url for url in loaded if url.startswith(host.api)]
    assert [url.split("?")[0].removeprefix(host.api) for url in platform] == [
        "/static/widgets/cx.js",
        f"/api/v1/public/{KEY}/config",
    ]
    page.mouse.move(600, 300)
    page.wait_for_timeout(300)
    expect(page.locator(SURVEY_HOST)).to_have_count(0)

    page.mouse.move(600, 2)
    page.mouse.move(600, -20)
    dialog = page.locator(SURVEY_HOST).get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("How likely are you to recommend us?")
    assert axe(page) == []

    _answer_nps(page, 9, "Fast delivery")
    stored = _wait_delivered(organization, 1, 1)[0]
    assert (stored.survey_id, stored.nps, stored.answers) == (
        survey.pk,
        9,
        {"nps": 9, "why": "Fast delivery"},
    )
    assert stored.channel == "web"
    assert stored.meta["url"] == f"{host.url}/checkout"
    assert stored.meta["source"] == "widget"
    assert browser_issues.all() == []


def test_a_score_is_saved_before_the_visitor_finishes(
    page: Page, host: HostSite, organization: Any, manager_member: Membership
) -> None:
    survey = _survey(organization, manager_member, NPS_DEFINITION)
    _intercept(organization, manager_member, survey, {"trigger": {"type": "page_view"}})

    page.goto(host.page("/"))
    dialog = page.locator(SURVEY_HOST).get_by_role("dialog")
    dialog.get_by_role("radio", name="3", exact=True).check()
    expect(dialog.get_by_role("textbox")).to_be_visible()
    expect(dialog).to_contain_text("Why a 3?")

    stored = _wait_delivered(organization, 1, 0)[0]
    assert stored.answers == {"nps": 3}


TRIGGERS = {
    # trigger, the page's body, what the visitor does to fire it, what they did before that must not.
    "time_on_page": ({"type": "time_on_page", "seconds": 2}, "<p>Read me.</p>", "wait:2500", "wait:800"),
    "scroll": (
        {"type": "scroll", "percent": 50},
        '<div class="tall">Long page</div>',
        "scroll:2200",
        "scroll:600",
    ),
    "click": (
        {"type": "click", "selector": "#buy"},
        '<button id="buy" type="button">Buy</button> <button id="other" type="button">Other</button>',
        "click:#buy",
        "click:#other",
    ),
    "rage_click": (
        {"type": "rage_click", "clicks": 3, "within_ms": 1000},
        '<button id="pay" type="button">Pay</button>',
        "clicks:#pay:3",
        "clicks:#pay:2",
    ),
    "event": (
        {"type": "event", "name": "checkout_done"},
        "<p>Paid.</p>",
        "track:checkout_done",
        "track:other",
    ),
}


def _act(page: Page, action: str) -> None:
    kind, _, arg = action.partition(":")
    if kind == "wait":
        page.wait_for_timeout(int(arg))
    elif kind == "scroll":
        page.evaluate(f"window.scrollTo(0, {int(arg)})")
        page.wait_for_timeout(300)
    elif kind == "click":
        page.click(arg)
        page.wait_for_timeout(300)
    elif kind == "clicks":
        selector, _, times = arg.partition(":")
        for _ in range(int(times)):
            page.click(selector)
        page.wait_for_timeout(300)
    elif kind == "track":
        page.evaluate(f"window.cx('track', {arg!r})")
        page.wait_for_timeout(300)


@pytest.mark.parametrize("trigger", sorted(TRIGGERS))
def test_each_trigger_fires_when_it_should_and_not_before(
    page: Page,
    host: HostSite,
    organization: Any,
    manager_member: Membership,
    browser_issues: BrowserIssues,
    trigger: str,
) -> None:
    rule, body, fire, not_yet = TRIGGERS[trigger]
    survey = _survey(organization, manager_member, NPS_DEFINITION)
    _intercept(organization, manager_member, survey, {"trigger": rule})

    page.goto(host.page("/page", body=body))
    page.wait_for_load_state("networkidle")
    _act(page, not_yet)
    expect(page.locator(SURVEY_HOST)).to_have_count(0)
    _act(page, fire)
    expect(page.locator(SURVEY_HOST).get_by_role("dialog")).to_be_visible()
    assert browser_issues.all() == []


def test_url_rules_and_delay(
    page: Page, host: HostSite, organization: Any, manager_member: Membership
) -> None:
    survey = _survey(organization, manager_member, NPS_DEFINITION)
    _intercept(
        organization,
        manager_member,
        survey,
        {
            "trigger": {"type": "page_view"},
            "delay_seconds": 1,
            "urls": [
                {"op": "starts_with", "value": "/shop", "exclude": False},
                {"op": "contains", "value": "admin", "exclude": True},
            ],
        },
    )
    page.goto(host.page("/blog"))
    page.wait_for_timeout(1500)
    expect(page.locator(SURVEY_HOST)).to_have_count(0)
    page.goto(host.page("/shop/admin"))
    page.wait_for_timeout(1500)
    expect(page.locator(SURVEY_HOST)).to_have_count(0)

    page.goto(host.page("/shop/shoes"))
    page.wait_for_timeout(400)
    expect(page.locator(SURVEY_HOST)).to_have_count(0)
    expect(page.locator(SURVEY_HOST).get_by_role("dialog")).to_be_visible()


def test_offline_answers_are_delivered_exactly_once_when_back_online(
    page: Page, host: HostSite, organization: Any, manager_member: Membership
) -> None:
    survey = _survey(organization, manager_member, NPS_DEFINITION)
    _intercept(organization, manager_member, survey, {"trigger": {"type": "page_view"}})
    page.goto(host.page("/"))
    expect(page.locator(SURVEY_HOST).get_by_role("dialog")).to_be_visible()

    page.context.set_offline(True)
    _answer_nps(page, 10, "Great")
    page.wait_for_timeout(1000)
    assert _responses(organization) == []

    page.context.set_offline(False)
    stored = _wait_delivered(organization, 1, 1)[0]
    assert stored.answers == {"nps": 10, "why": "Great"}
    # A later page view finds nothing left to send and sends nothing twice.
    page.goto(host.page("/again"))
    page.wait_for_timeout(1500)
    assert len(_responses(organization)) == 1


def test_a_host_page_that_throws_does_not_stop_the_widget(
    page: Page, host: HostSite, organization: Any, manager_member: Membership, browser_issues: BrowserIssues
) -> None:
    survey = _survey(organization, manager_member, NPS_DEFINITION)
    _intercept(organization, manager_member, survey, {"trigger": {"type": "event", "name": "go"}})
    page.goto(
        host.page(
            "/broken",
            script="cx('hidden', {plan: 'pro'}); cx('track', 'go'); undefinedFunction();",
        )
    )
    expect(page.locator(SURVEY_HOST).get_by_role("dialog")).to_be_visible()
    assert [e for e in browser_issues.page_errors if "undefinedFunction" not in e] == []
    _answer_nps(page, 8, "ok")
    assert _wait_delivered(organization, 1, 1)[0].hidden_fields == {"plan": "pro"}


def test_a_failing_config_endpoint_leaves_the_host_page_untouched(
    page: Page, host: HostSite, organization: Any, manager_member: Membership, browser_issues: BrowserIssues
) -> None:
    survey = _survey(organization, manager_member, NPS_DEFINITION)
    _intercept(organization, manager_member, survey, {"trigger": {"type": "page_view"}})
    page.route("**/config", lambda route: route.fulfill(status=500, body="oops"))
    page.goto(host.page("/"))
    page.wait_for_load_state("networkidle")
    before = page.evaluate("document.documentElement.outerHTML")
    page.wait_for_timeout(1500)
    assert page.evaluate("document.documentElement.outerHTML") == before
    # The page's own header, main and two scripts: nothing added.
    assert page.evaluate("[...document.body.children].map((e) => e.tagName)") == [
        "HEADER",
        "MAIN",
        "SCRIPT",
        "SCRIPT",
    ]
    assert browser_issues.page_errors == []


def test_the_feedback_button_opens_its_survey_in_the_visitors_language(
    browser: Browser, live_server: Any, host: HostSite, organization: Any, manager_member: Membership
) -> None:
    survey = _survey(organization, manager_member, NPS_DEFINITION)
    with organization_context(organization):
        site_set_button(
            site=Site.objects.get(public_key=KEY), survey=survey, label="", side="right", actor=manager_member
        )
    context = browser.new_context(locale="ru-RU", viewport={"width": 390, "height": 800})
    context.add_init_script(CSP_RECORDER)
    page = context.new_page()
    try:
        page.goto(host.page("/"))
        button = page.locator(BUTTON_HOST).get_by_role("button")
        expect(button).to_be_visible()
        button.click()
        dialog = page.locator(SURVEY_HOST).get_by_role("dialog")
        expect(dialog).to_contain_text("Порекомендуете ли вы нас?")
        # A bottom sheet on a small screen: the full width of the window.
        box = dialog.bounding_box()
        assert box is not None
        assert box["width"] >= 380
        # Focus moves into the dialog (a scale's first radio), and back to the button on Escape.
        expect(dialog.get_by_role("radio").first).to_be_focused()
        page.keyboard.press("Escape")
        expect(page.locator(SURVEY_HOST).get_by_role("dialog")).to_have_count(0)
        expect(button).to_be_focused()
        assert page.evaluate("window.__cspViolations") == []
    finally:
        context.close()


def test_a_new_user_adds_a_website_in_the_ui_and_sees_the_answer_within_seconds(
    page: Page,
    browser: Browser,
    live_server: Any,
    login: Callable[..., None],
    organization: Any,
    manager_member: Membership,
    settings: Any,
    axe: Callable[[Page], list[dict[str, Any]]],
) -> None:
    """The issue's "done when": add a site in the UI, paste the snippet into a plain page served on
    another port, watch an exit-intent NPS survey appear, answer it, see the response in the UI."""
    settings.SITE_URL = live_server.url
    _survey(organization, manager_member, NPS_DEFINITION, name="Exit NPS")
    for shop in serve(HostSite(api=live_server.url, key="")):
        login(page, live_server, manager_member.user)
        page.goto(f"/o/{organization.slug}/sites/")
        page.get_by_role("link", name="Add a website").click()
        page.get_by_label("Name").fill("My shop")
        page.get_by_label("Allowed origins").fill(shop.url)
        page.get_by_role("button", name="Save website").click()
        page.get_by_role("link", name="Add a survey").click()
        page.get_by_label("Survey").select_option(label="Exit NPS (Live)")
        page.get_by_label("Trigger").select_option("exit_intent")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Shown", exact=True)).to_be_visible()
        assert axe(page) == []
        snippet = page.locator("#site-snippet").inner_text()

        visitor = browser.new_context(viewport={"width": 1280, "height": 800})
        try:
            customer = visitor.new_page()
            customer.goto(shop.page("/", snippet=snippet))
            customer.wait_for_load_state("networkidle")
            customer.mouse.move(600, 300)
            customer.mouse.move(600, -20)
            _answer_nps(customer, 9, "Fast delivery")
        finally:
            visitor.close()

        _wait_delivered(organization, 1, 1)
        page.goto(f"/o/{organization.slug}/feedback/responses/")
        expect(page.get_by_text("Fast delivery")).to_be_visible()
        page.goto(f"/o/{organization.slug}/sites/")
        page.get_by_role("link", name="My shop").click()
        expect(page.get_by_text("never")).to_have_count(0)
