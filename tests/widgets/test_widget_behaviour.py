"""The widget's targeting and delivery rules, in real headless Chromium on a third-party page with a strict
CSP, against pytest-django's live server and the real database (no fake config).

Display frequency, the site's cooldown, one survey at a time, sampling, devices and languages, exit intent
on touch devices, single-page-app navigation, retries and refusals on delivery, ``cx("identify")``, and
the hidden fields and meta a response carries. Every test also finds no CSP violation and no page error.

The visitor's state is the widget's localStorage entry ``cx.<site key>`` (frontend/widget/store.ts):
``{v: visitor id, s: {survey: {r: sampling roll, s: last shown ms, f: last finished ms}}, l: last
automatic display ms, c: contact, q: delivery queue}``; tests read it, and move its times back to stand
for days passing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Route, expect

from accounts.models import Membership
from core.tenancy import organization_context
from feedback.models import Response
from surveys.models import Survey
from surveys.services import survey_update_settings
from tests.browser.conftest import CSP_RECORDER, BrowserIssues
from tests.widgets.conftest import BUTTON_HOST, KEY, SURVEY_HOST
from tests.widgets.host_site import HostSite
from tests.widgets.test_widget_e2e import _intercept, _responses, _survey
from widgets.models import Site
from widgets.services import site_set_button, site_update

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STORE = f"cx.{KEY}"
DAY_MS = 86_400_000
MOBILE = {"viewport": {"width": 390, "height": 800}, "is_mobile": True, "has_touch": True}


def _yes_no(question: str, russian: str = "Вопрос?") -> dict[str, Any]:
    """A one-question survey: a tap on Yes or No finishes it."""
    return {
        "schema": 1,
        "base_language": "en",
        "languages": ["en", "ru"],
        "hidden_fields": ["plan"],
        "questions": [
            {"key": "ok", "type": "yes_no", "required": True, "text": {"en": question, "ru": russian}}
        ],
        "endings": [{"key": "thanks", "type": "message", "title": {"en": "Thank you!", "ru": "Спасибо!"}}],
        "theme": {"brand_color": "#0b5cad", "mode": "light", "logo_url": ""},
        "settings": {"layout": "one_per_screen", "progress": False},
    }


@pytest.fixture
def visitor(
    browser: Browser, live_server: Any, browser_issues: BrowserIssues
) -> Iterator[Callable[..., Page]]:
    """``visitor(**context_options)``: a page in a browser context of its own (a phone, another locale),
    its console errors, page errors and CSP violations collected in ``browser_issues`` like ``page``."""
    contexts = []

    def open_page(**options: Any) -> Page:
        context = browser.new_context(**{"locale": "en-US", **options})
        context.expose_binding(
            "__reportCspViolation", lambda _source, text: browser_issues.csp_violations.append(text)
        )
        context.add_init_script(CSP_RECORDER)
        contexts.append(context)
        new_page = context.new_page()

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                browser_issues.console_errors.append(message.text)

        new_page.on("console", on_console)
        new_page.on("pageerror", lambda error: browser_issues.page_errors.append(str(error)))
        return new_page

    yield open_page
    for context in contexts:
        context.close()


# -- helpers ----------------------------------------------------------------------------------------------


def _site(organization: Any) -> Site:
    with organization_context(organization):
        return Site.objects.get(public_key=KEY)


def _set_cooldown(organization: Any, member: Membership, days: int) -> None:
    with organization_context(organization):
        site = Site.objects.get(public_key=KEY)
        site_update(site=site, actor=member, name=site.name, origins=site.origins, cooldown_days=days)


def _set_sampling(organization: Any, member: Membership, survey: Survey, percent: int) -> None:
    with organization_context(organization):
        survey_update_settings(
            survey=survey,
            actor=member,
            name=survey.name,
            touchpoint=survey.touchpoint,
            starts_at=survey.starts_at,
            ends_at=survey.ends_at,
            response_limit=survey.response_limit,
            sampling_percent=percent,
            recontact_days=survey.recontact_days,
        )


def _dialog(page: Page) -> Locator:
    return page.locator(SURVEY_HOST).get_by_role("dialog")


def _view(page: Page, url: str) -> None:
    """A page view, returning once the widget has its config."""
    with page.expect_response(lambda response: response.url.endswith("/config")) as config:
        page.goto(url)
    config.value.finished()


def _expect_nothing_shown(page: Page) -> None:
    """Time enough for a due survey to load its renderer and open (a few ms on the loopback)."""
    page.wait_for_timeout(300)
    expect(page.locator(SURVEY_HOST)).to_have_count(0)


def _expect_shown(page: Page, question: str) -> None:
    expect(_dialog(page)).to_be_visible()
    expect(_dialog(page)).to_contain_text(question)
    expect(page.locator(SURVEY_HOST)).to_have_count(1)


def _close(page: Page) -> None:
    page.keyboard.press("Escape")
    expect(page.locator(SURVEY_HOST)).to_have_count(0)


def _answer_yes(page: Page) -> None:
    _dialog(page).get_by_role("radio", name="Yes").check()
    expect(_dialog(page).get_by_role("heading", name="Thank you!")).to_be_visible()


def _stored(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate("(key) => JSON.parse(localStorage.getItem(key))", STORE)
    return state


def _days_pass(page: Page, days: float, survey: str | None = None) -> None:
    """Move back the time ``survey`` was last shown (or, with None, the last automatic display)."""
    page.evaluate(
        """([key, survey, ms]) => {
          const state = JSON.parse(localStorage.getItem(key));
          if (survey) state.s[survey].s -= ms; else state.l -= ms;
          localStorage.setItem(key, JSON.stringify(state));
        }""",
        [STORE, survey, days * DAY_MS],
    )


def _until(page: Page, predicate: Callable[[], bool], timeout_ms: int = 10_000) -> bool:
    """Poll ``predicate`` while Playwright keeps serving the page (routes need its event loop)."""
    for _ in range(timeout_ms // 100):
        if predicate():
            return True
        page.wait_for_timeout(100)
    return predicate()


def _finished(organization: Any) -> list[Response]:
    return [r for r in _responses(organization) if r.finished_at]


def _clean(issues: BrowserIssues, *allowed_statuses: int) -> list[str]:
    """Everything the pages complained about, less Chromium's log line for a refused request."""
    expected = tuple(f"the server responded with a status of {code}" for code in allowed_statuses)
    return [issue for issue in issues.all() if not (expected and any(e in issue for e in expected))]


# -- display frequency ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "days_later", "shown_again"),
    [
        pytest.param({"frequency": "once"}, 400, False, id="once"),
        pytest.param({"frequency": "every_days", "every_days": 3}, 3, True, id="every_3_days"),
    ],
)
def test_a_closed_survey_waits_for_its_frequency(
    page: Page,
    host: HostSite,
    organization: Any,
    manager_member: Membership,
    browser_issues: BrowserIssues,
    frequency: dict[str, Any],
    days_later: int,
    shown_again: bool,
) -> None:
    survey = _survey(organization, manager_member, _yes_no("Finding everything?"))
    _intercept(organization, manager_member, survey, {"trigger": {"type": "page_view"}, **frequency})
    _set_cooldown(organization, manager_member, 0)
    url = host.page("/")

    _view(page, url)
    _expect_shown(page, "Finding everything?")
    _close(page)
    _view(page, url)
    _expect_nothing_shown(page)
    # A day short of the period changes nothing; the full period brings it back for every_days only.
    _days_pass(page, days_later - 1, survey.public_id)
    _view(page, url)
    _expect_nothing_shown(page)
    _days_pass(page, 1, survey.public_id)
    _view(page, url)
    if shown_again:
        _expect_shown(page, "Finding everything?")
    else:
        _expect_nothing_shown(page)
    assert _responses(organization) == []
    assert browser_issues.all() == []


def test_until_answered_comes_back_after_closing_and_not_after_answering(
    page: Page, host: HostSite, organization: Any, manager_member: Membership, browser_issues: BrowserIssues
) -> None:
    survey = _survey(organization, manager_member, _yes_no("Finding everything?"))
    _intercept(
        organization,
        manager_member,
        survey,
        {"trigger": {"type": "page_view"}, "frequency": "until_answered"},
    )
    _set_cooldown(organization, manager_member, 0)
    url = host.page("/")

    _view(page, url)
    _expect_shown(page, "Finding everything?")
    _close(page)
    _view(page, url)
    _expect_shown(page, "Finding everything?")
    _answer_yes(page)
    assert _until(page, lambda: len(_finished(organization)) == 1)
    _view(page, url)
    _expect_nothing_shown(page)
    assert [(r.survey_id, r.answers) for r in _responses(organization)] == [(survey.pk, {"ok": True})]
    assert browser_issues.all() == []


# -- the site's cooldown, one survey at a time --------------------------------------------------------------


@pytest.mark.parametrize(("cooldown_days", "second_shown"), [(7, False), (0, True)])
def test_the_site_cooldown_holds_back_the_next_survey(
    page: Page,
    host: HostSite,
    organization: Any,
    manager_member: Membership,
    browser_issues: BrowserIssues,
    cooldown_days: int,
    second_shown: bool,
) -> None:
    questions = ["First question?", "Second question?"]
    for question in questions:
        survey = _survey(organization, manager_member, _yes_no(question), name=question)
        _intercept(
            organization, manager_member, survey, {"trigger": {"type": "page_view"}, "frequency": "once"}
        )
    _set_cooldown(organization, manager_member, cooldown_days)
    url = host.page("/")

    _view(page, url)
    expect(_dialog(page)).to_be_visible()
    first = next(q for q in questions if q in _dialog(page).inner_text())
    _close(page)
    _view(page, url)
    if second_shown:
        _expect_shown(page, next(q for q in questions if q != first))
    else:
        _expect_nothing_shown(page)
    assert browser_issues.all() == []


def test_the_feedback_button_opens_its_survey_during_the_cooldown(
    page: Page, host: HostSite, organization: Any, manager_member: Membership, browser_issues: BrowserIssues
) -> None:
    automatic = _survey(organization, manager_member, _yes_no("Finding everything?"), name="Auto")
    _intercept(organization, manager_member, automatic, {"trigger": {"type": "page_view"}})
    tab = _survey(organization, manager_member, _yes_no("Anything to tell us?"), name="Tab")
    with organization_context(organization):
        site_set_button(site=_site(organization), survey=tab, label="", side="right", actor=manager_member)
    assert _site(organization).cooldown_days == 7
    url = host.page("/")

    _view(page, url)
    _expect_shown(page, "Finding everything?")
    _close(page)
    # Not answered (until_answered), yet held back by the seven days' cooldown...
    _view(page, url)
    _expect_nothing_shown(page)
    # ...which the button ignores.
    page.locator(BUTTON_HOST).get_by_role("button", name="Feedback").click()
    _expect_shown(page, "Anything to tell us?")
    _close(page)
    # Seven days later the automatic survey is back.
    _days_pass(page, 7)
    _view(page, url)
    _expect_shown(page, "Finding everything?")
    assert browser_issues.all() == []


def test_two_surveys_due_at_once_open_one_dialog(
    page: Page, host: HostSite, organization: Any, manager_member: Membership, browser_issues: BrowserIssues
) -> None:
    for question in ("First question?", "Second question?"):
        survey = _survey(organization, manager_member, _yes_no(question), name=question)
        _intercept(organization, manager_member, survey, {"trigger": {"type": "page_view"}})
    _set_cooldown(organization, manager_member, 0)

    _view(page, host.page("/"))
    expect(_dialog(page)).to_be_visible()
    page.wait_for_timeout(300)
    expect(page.locator(SURVEY_HOST)).to_have_count(1)
    expect(page.locator(f"{SURVEY_HOST} >> role=dialog")).to_have_count(1)
    # The other one was not queued behind it: closing leaves the page without a survey.
    _close(page)
    _expect_nothing_shown(page)
    assert browser_issues.all() == []


# -- sampling -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("roll", [50.0, 0.5, None], ids=["stored_roll_above", "stored_roll_below", "fresh"])
def test_sampling_rolls_once_per_visitor_and_remembers_it(
    page: Page,
    host: HostSite,
    organization: Any,
    manager_member: Membership,
    browser_issues: BrowserIssues,
    roll: float | None,
) -> None:
    survey = _survey(organization, manager_member, _yes_no("Finding everything?"))
    _intercept(organization, manager_member, survey, {"trigger": {"type": "page_view"}, "frequency": "once"})
    _set_sampling(organization, manager_member, survey, 1)
    _set_cooldown(organization, manager_member, 0)
    if roll is not None:
        # The visitor's roll, as an earlier page view on this site would have stored it.
        page.goto(host.page("/welcome", snippet=""))
        page.evaluate(
            "([key, state]) => localStorage.setItem(key, JSON.stringify(state))",
            [
                STORE,
                {"v": "8b0e5c1e-2d1f-4c55-9d3a-0c7f3e1b2a44", "s": {survey.public_id: {"r": roll}}, "q": []},
            ],
        )
    url = host.page("/")

    _view(page, url)
    stored = _stored(page)["s"][survey.public_id]["r"]
    assert 0 <= stored < 100
    if roll is not None:
        assert stored == roll
    if stored < 1:
        _expect_shown(page, "Finding everything?")
        _close(page)
    else:
        _expect_nothing_shown(page)
    _view(page, url)
    _expect_nothing_shown(page)
    assert _stored(page)["s"][survey.public_id]["r"] == stored
    assert browser_issues.all() == []


# -- devices and languages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("targeting", "context", "shown"),
    [
        pytest.param({"devices": ["mobile"]}, {}, False, id="mobile_only_on_desktop"),
        pytest.param({"devices": ["mobile"]}, MOBILE, True, id="mobile_only_on_a_phone"),
        pytest.param({"languages": ["ru"]}, {"locale": "ru-RU"}, True, id="russian_only_in_ru_RU"),
        pytest.param({"languages": ["ru"]}, {"locale": "en-US"}, False, id="russian_only_in_en_US"),
    ],
)
def test_devices_and_languages(
    visitor: Callable[..., Page],
    host: HostSite,
    organization: Any,
    manager_member: Membership,
    browser_issues: BrowserIssues,
    targeting: dict[str, Any],
    context: dict[str, Any],
    shown: bool,
) -> None:
    survey = _survey(organization, manager_member, _yes_no("Finding everything?", "Всё нашли?"))
    _intercept(organization, manager_member, survey, {"trigger": {"type": "page_view"}, **targeting})
    page = visitor(**context)

    _view(page, host.page("/"))
    if shown:
        russian = context.get("locale") == "ru-RU"
        _expect_shown(page, "Всё нашли?" if russian else "Finding everything?")
    else:
        _expect_nothing_shown(page)
    assert browser_issues.all() == []


# -- triggers that need a touch screen or a single-page app -------------------------------------------------


def test_a_fast_scroll_up_on_a_touch_screen_is_exit_intent(
    visitor: Callable[..., Page],
    host: HostSite,
    organization: Any,
    manager_member: Membership,
    browser_issues: BrowserIssues,
) -> None:
    survey = _survey(organization, manager_member, _yes_no("Leaving already?"))
    _intercept(organization, manager_member, survey, {"trigger": {"type": "exit_intent"}})
    page = visitor(**MOBILE)
    _view(page, host.page("/article", body='<div class="tall">A long read.</div>'))

    # Reading down, then a slow scroll back up (400 px, but not within 300 ms): no exit intent.
    page.evaluate("window.scrollTo(0, 1000)")
    page.wait_for_timeout(400)
    page.evaluate("window.scrollTo(0, 600)")
    page.wait_for_timeout(400)
    expect(page.locator(SURVEY_HOST)).to_have_count(0)
    # A fast flick up (300 px within 300 ms, timed in the page itself): exit intent.
    page.evaluate(
        """async () => {
          window.scrollTo(0, 570);
          await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 50)));
          window.scrollTo(0, 300);
        }"""
    )
    _expect_shown(page, "Leaving already?")
    assert browser_issues.all() == []


def test_a_single_page_app_navigation_is_a_page_view_for_url_rules(
    page: Page, host: HostSite, organization: Any, manager_member: Membership, browser_issues: BrowserIssues
) -> None:
    survey = _survey(organization, manager_member, _yes_no("Finding the right size?"))
    _intercept(
        organization,
        manager_member,
        survey,
        {
            "trigger": {"type": "page_view"},
            "urls": [{"op": "starts_with", "value": "/shop", "exclude": False}],
        },
    )
    _view(page, host.page("/"))
    _expect_nothing_shown(page)

    page.evaluate("history.pushState({}, '', '/shop/x')")
    _expect_shown(page, "Finding the right size?")
    assert browser_issues.all() == []


# -- delivery -----------------------------------------------------------------------------------------------


def _cors(host: HostSite, **headers: str) -> dict[str, str]:
    """What the platform's CORS layer adds, so that the page may read a fulfilled response."""
    return {
        "Access-Control-Allow-Origin": host.url,
        "Access-Control-Expose-Headers": "Retry-After",
        "Content-Type": "application/json",
        **headers,
    }


def test_a_429_is_retried_after_retry_after_and_the_answer_arrives_once(
    page: Page, host: HostSite, organization: Any, manager_member: Membership, browser_issues: BrowserIssues
) -> None:
    survey = _survey(organization, manager_member, _yes_no("Finding everything?"))
    _intercept(organization, manager_member, survey, {"trigger": {"type": "page_view"}})
    attempts: list[float] = []

    def busy_once(route: Route) -> None:
        attempts.append(time.monotonic())
        if len(attempts) == 1:
            body = '{"detail": "Too many requests. Try again later."}'
            route.fulfill(status=429, headers=_cors(host, **{"Retry-After": "3"}), body=body)
        else:
            route.continue_()

    page.route("**/responses", busy_once)
    _view(page, host.page("/"))
    _answer_yes(page)

    assert _until(page, lambda: len(_finished(organization)) == 1)
    # Retry-After (3 s) outlasts the first backoff step (at most 2 s).
    assert len(attempts) == 2
    assert attempts[1] - attempts[0] >= 2.9
    page.wait_for_timeout(500)
    assert [(r.survey_id, r.answers) for r in _responses(organization)] == [(survey.pk, {"ok": True})]
    assert len(attempts) == 2
    assert _stored(page)["q"] == []
    assert _clean(browser_issues, 429) == []


def test_a_400_drops_the_answer_from_the_queue_without_retrying(
    page: Page, host: HostSite, organization: Any, manager_member: Membership, browser_issues: BrowserIssues
) -> None:
    survey = _survey(organization, manager_member, _yes_no("Finding everything?"))
    _intercept(organization, manager_member, survey, {"trigger": {"type": "page_view"}})
    attempts: list[str] = []

    def refuse(route: Route) -> None:
        attempts.append(route.request.url)
        body = '{"detail": "Some answers are not valid."}'
        route.fulfill(status=400, headers=_cors(host), body=body)

    page.route("**/responses", refuse)
    url = host.page("/")
    _view(page, url)
    _answer_yes(page)

    # Refused for good: out of the queue at once (a retry would have kept it there, with a time to wait).
    assert _until(page, lambda: len(attempts) == 1 and _stored(page)["q"] == [])
    # Nor sent again by the next page view.
    _view(page, url)
    _expect_nothing_shown(page)
    assert len(attempts) == 1
    assert _stored(page)["q"] == []
    assert _responses(organization) == []
    assert _clean(browser_issues, 400) == []


# -- who answered, and from where --------------------------------------------------------------------------


def test_identify_before_the_snippet_attaches_the_contact(
    page: Page, host: HostSite, organization: Any, manager_member: Membership, browser_issues: BrowserIssues
) -> None:
    survey = _survey(organization, manager_member, _yes_no("Finding everything?"))
    _intercept(organization, manager_member, survey, {"trigger": {"type": "page_view"}})
    identify = 'cx("identify", {id: "u-42", email: "ann@example.com", attributes: {plan: "pro"}});'

    _view(page, host.page("/account", script=identify))
    _answer_yes(page)

    assert _until(page, lambda: len(_finished(organization)) == 1)
    with organization_context(organization):
        stored = Response.objects.select_related("contact").get()
    assert stored.contact is not None
    assert (stored.contact.external_id, stored.contact.email, stored.contact.attributes) == (
        "u-42",
        "ann@example.com",
        {"plan": "pro"},
    )
    assert browser_issues.all() == []


def test_a_response_keeps_the_declared_hidden_fields_and_the_page_meta(
    page: Page, host: HostSite, organization: Any, manager_member: Membership, browser_issues: BrowserIssues
) -> None:
    survey = _survey(organization, manager_member, _yes_no("Finding everything?"))
    _intercept(
        organization,
        manager_member,
        survey,
        {
            "trigger": {"type": "page_view"},
            "urls": [{"op": "starts_with", "value": "/pricing", "exclude": False}],
        },
    )
    page.goto(host.page("/start", body='<a id="go" href="/pricing?ref=ad#plans">Pricing</a>'))
    host.page("/pricing", script="cx('hidden', {plan: 'pro', coupon: 'SAVE10'});")

    page.click("#go")
    page.wait_for_url("**/pricing?ref=ad#plans")
    _answer_yes(page)
    visitor_id = _stored(page)["v"]

    assert _until(page, lambda: len(_finished(organization)) == 1)
    stored = _responses(organization)[0]
    assert stored.hidden_fields == {"plan": "pro"}
    assert {key: value for key, value in stored.meta.items() if key not in ("ip_hash", "site")} == {
        "url": f"{host.url}/pricing?ref=ad",
        "referrer": f"{host.url}/start",
        "device": "desktop",
        "locale": "en-US",
        "visitor": visitor_id,
        "source": "widget",
    }
    assert len(visitor_id) == 36
    assert browser_issues.all() == []
