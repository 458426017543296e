"""Stored XSS, in real headless Chromium: an organisation whose every free-text field holds payloads
(tests/security/xss_world.py) is opened page by page, every organisation page of the route walker as its
owner plus the public pages (hosted survey in both layouts, its ending, the kiosk, the shared board, the
unsubscribe page) and the widget on a third-party page.

On each page, once it has loaded and its own requests (htmx, fetch) have settled: ``window.__xss`` is
unset, no element carries an injected event handler, script or ``javascript:`` link, no Content Security
Policy violation was reported, no dialog opened; and where a page shows a field, its payload reads as text.
A failure names the page and the field (each field has its own marker).
"""

# The browser and widget fixtures are imported by name (this folder's conftest belongs to other suites),
# so pytest finds them here and every test parameter named after one redefines the import.
# ruff: noqa: F811

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

import pytest
from django.urls import URLPattern
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from accounts.models import Membership
from core.tenancy import organization_context
from surveys.models import Touchpoint
from surveys.services import survey_create, survey_publish
from tests import factories
from tests.browser.conftest import (  # noqa: F401 -- fixtures
    BrowserIssues,
    browser,
    browser_issues,
    login,
    page,
    playwright_instance,
    viewport,
)
from tests.security.xss_world import Payloads, XssWorld, build_xss_world, xss_definition
from tests.test_tenancy_matrix import ALL_ROUTES, ORG_PREFIX, url_for
from tests.widgets.conftest import KEY, SURVEY_HOST, host, manager_member  # noqa: F401 -- fixtures
from tests.widgets.host_site import HostSite
from widgets.models import Site
from widgets.services import intercept_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Login = Callable[..., None]

# Counts the page's own requests in flight (htmx uses XMLHttpRequest, the tiles and the builder fetch),
# so that a check runs after the partials have settled rather than after a fixed sleep.
PENDING_COUNTER = """
window.__pending = 0;
const cxFetch = window.fetch;
window.fetch = function (...args) {
  window.__pending += 1;
  return cxFetch.apply(this, args).finally(() => { window.__pending -= 1; });
};
const cxSend = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.send = function (...args) {
  window.__pending += 1;
  this.addEventListener("loadend", () => { window.__pending -= 1; });
  return cxSend.apply(this, args);
};
"""

# A function, not a string expression: a host page's CSP (the widget test) forbids eval.
SETTLE = """
() => new Promise((resolve) => {
  const until = Date.now() + 10000;
  const tick = () => {
    if (window.__pending > 0 && Date.now() < until) setTimeout(tick, 20);
    else requestAnimationFrame(() => setTimeout(resolve, 0));
  };
  tick();
})
"""

# What a payload leaves behind when it was not escaped, in the document and in open shadow roots.
FIND_INJECTED = """
() => {
  const found = [];
  const getNames = Element.prototype.getAttributeNames;
  const getValue = Element.prototype.getAttribute;
  const visit = (root) => {
    for (const el of root.querySelectorAll("*")) {
      // Through the prototype: a form's field named "attributes" shadows the property on the form.
      for (const name of getNames.call(el)) {
        const value = getValue.call(el, name) || "";
        if (/^on/i.test(name) && value.includes("__xss")) found.push(el.outerHTML.slice(0, 160));
        if (/^\\s*javascript:/i.test(value)) found.push(el.outerHTML.slice(0, 160));
      }
      if (el instanceof HTMLScriptElement && el.type !== "application/json" && el.textContent.includes("__xss")) {
        found.push(el.outerHTML.slice(0, 160));
      }
      if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  visit(document);
  return { xss: window.__xss === undefined ? null : String(window.__xss), injected: found };
}
"""

# Files, redirects to files and beacons: nothing for a browser to render.
NOT_PAGES = re.compile(r"\.(pdf|svg|png|csv|json|gif|js)$|/download/$")


def settle(page: Page) -> None:
    """Wait until the page's own requests are done (10 s at most), then for one frame."""
    page.evaluate(SETTLE)


def problems_on(page: Page, payloads: Payloads) -> list[str]:
    """The fields whose payload ran or was injected on the current page, or [] when it is clean."""
    settle(page)
    state = page.evaluate(FIND_INJECTED)
    found = (
        [f"window.__xss set by {payloads.markers.get(state['xss'], state['xss'])}"] if state["xss"] else []
    )
    found += [f"{', '.join(payloads.named(html)) or 'unknown field'}: {html}" for html in state["injected"]]
    return found


@pytest.fixture
def world(transactional_db: Any) -> XssWorld:
    return build_xss_world("xss")


@pytest.fixture
def dialogs(page: Page) -> list[str]:
    opened: list[str] = []

    def record(dialog: Any) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    page.context.add_init_script(PENDING_COUNTER)
    return opened


def visit(page: Page, url: str) -> int:
    """Open ``url``; its status. Chromium refuses to show an empty error answer (a POST-only page's 405)."""
    try:
        response = page.goto(url)
    except PlaywrightError as error:
        if "ERR_HTTP_RESPONSE_CODE_FAILURE" not in str(error) and "chrome-error://" not in str(error):
            raise
        return page.request.get(url, max_redirects=0).status
    assert response is not None
    return response.status


def answers_get(pattern: URLPattern) -> bool:
    """False for a view that only takes POST (a 405 page is empty: nothing to render)."""
    view_class = getattr(pattern.callback, "view_class", None)
    return view_class is None or ("get" in view_class.http_method_names and hasattr(view_class, "get"))


def org_pages(world: XssWorld) -> list[str]:
    urls = [
        url_for(route, world.ids)
        for route, _name, pattern in ALL_ROUTES
        if route.startswith(ORG_PREFIX) and answers_get(pattern)
    ]
    return [url for url in dict.fromkeys(urls) if not NOT_PAGES.search(url)]


def test_no_payload_runs_on_any_organisation_page(
    page: Page,
    live_server: Any,
    login: Login,
    world: XssWorld,
    dialogs: list[str],
    browser_issues: BrowserIssues,
) -> None:
    login(page, live_server, world.owner.user)
    failures: dict[str, list[str]] = {}
    walked = 0

    for url in org_pages(world):
        status = visit(page, url)
        if status == 405:
            continue
        walked += 1
        found = problems_on(page, world.payloads)
        if status >= 500:
            found.append(f"HTTP {status}")
        if found:
            failures[url] = found

    assert failures == {}
    assert (dialogs, browser_issues.csp_violations, browser_issues.page_errors) == ([], [], [])
    assert walked >= 100


def test_payloads_read_as_text_where_the_pages_show_them(
    page: Page, live_server: Any, login: Login, world: XssWorld, dialogs: list[str]
) -> None:
    p, ids, org = world.payloads, world.ids, f"/o/{world.org.slug}"
    shown = {
        f"{org}/surveys/": ["survey.name", "organization.name"],
        f"{org}/surveys/{ids['survey_id']}/builder/": ["survey.nps.text"],
        f"{org}/feedback/responses/{ids['response_id']}/": [
            "response.answers.why",
            "response.hidden_fields.plan",
            "response.meta.referrer",
            "contact.attributes value",
        ],
        f"{org}/tickets/{ids['ticket_id']}/": ["ticket.subject", "ticketmessage.note"],
        f"{org}/contacts/{ids['contact_id']}/": ["contact.name"],
        f"{org}/settings/teams/": ["team.name"],
        f"{org}/insights/text/tags/": ["tag.name"],
    }
    login(page, live_server, world.owner.user)
    missing: list[tuple[str, str]] = []
    found: dict[str, list[str]] = {}

    for url, fields in shown.items():
        page.goto(url)
        found[url] = problems_on(page, p)
        missing += [(url, name) for name in fields if page.get_by_text(p.values[name]).count() == 0]

    assert (missing, [url for url, problems in found.items() if problems]) == ([], [])
    assert dialogs == []


def test_no_payload_runs_on_the_public_pages(
    page: Page, world: XssWorld, dialogs: list[str], browser_issues: BrowserIssues
) -> None:
    p = world.payloads
    failures: dict[str, list[str]] = {}

    def check(label: str) -> None:
        found = problems_on(page, p)
        if found:
            failures[label] = found

    survey = f"/s/{world.survey_public_id}/"
    page.goto(survey)
    expect(page.get_by_text(p.values["survey.nps.text"], exact=True)).to_be_visible()
    check("hosted survey, first question")
    for key in ("pick", "many", "drop", "why", "grid", "rank", "agree", "card"):
        page.goto(f"{survey}q/{key}/")
        check(f"hosted survey, question {key}")

    page.goto(f"/board/{world.board_token}/")
    check("shared board")
    page.goto(f"/u/{world.unsubscribe_token}/")
    expect(page.get_by_text(p.values["organization.name"], exact=False).first).to_be_visible()
    check("unsubscribe page")

    one_page = f"/s/{world.kiosk_public_id}/"
    page.goto(one_page)
    expect(page.get_by_text(p.values["kiosk.pick.choices[0]"], exact=True)).to_be_visible()
    check("hosted survey, all on one page")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text(p.values["kiosk.ending.title"], exact=True)).to_be_visible()
    check("hosted survey, ending")

    page.goto(f"{one_page}kiosk/")
    check("kiosk start")
    page.get_by_role("button", name="Tap to start").click()
    expect(page.get_by_text(p.values["kiosk.nps.text"], exact=True)).to_be_visible()
    check("kiosk, first question")

    assert failures == {}
    assert (dialogs, browser_issues.csp_violations, browser_issues.page_errors) == ([], [], [])


@pytest.fixture
def xss_widget_survey(organization: Any, manager_member: Membership, host: HostSite) -> Payloads:
    payloads = Payloads()
    with organization_context(organization):
        survey = survey_create(
            organization=organization,
            name=payloads("widget survey.name", 200),
            touchpoint=cast(Touchpoint, factories.TouchpointFactory(organization=organization)),
            created_by=manager_member.user,
            definition=xss_definition(payloads, prefix="widget", widget_only=True),
        )
        survey_publish(survey=survey, actor=manager_member)
        intercept_create(
            site=Site.objects.get(public_key=KEY),
            survey=survey,
            targeting={"trigger": {"type": "page_view"}},
            actor=manager_member,
        )
    return payloads


def test_the_widget_shows_payloads_as_text(
    page: Page, host: HostSite, xss_widget_survey: Payloads, dialogs: list[str], browser_issues: BrowserIssues
) -> None:
    p = xss_widget_survey
    page.goto(host.page("/", body="<p>Shop.</p>"))
    dialog = page.locator(SURVEY_HOST).get_by_role("dialog")
    expect(dialog.get_by_text(p.values["widget.nps.text"], exact=True)).to_be_visible()
    expect(dialog.get_by_text(p.values["widget.nps.low_label"], exact=True)).to_be_visible()

    assert problems_on(page, p) == []
    dialog.get_by_role("radio", name="3", exact=True).check()
    expect(dialog.get_by_text(p.values["widget.pick.text"], exact=True)).to_be_visible()
    expect(dialog.get_by_text(p.values["widget.pick.choices[0]"], exact=True)).to_be_visible()
    assert problems_on(page, p) == []
    assert (dialogs, browser_issues.csp_violations, browser_issues.page_errors) == ([], [], [])
