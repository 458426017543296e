"""The board dashboard in real headless Chromium: no CSP violation or console error, the charts are
visible images with alt text, and the page passes axe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from tests import factories
from tests.browser.conftest import BrowserIssues
from tests.dashboards.test_board import build_board

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_board_renders_its_charts_without_csp_violations(
    page: Page,
    live_server: Any,
    login: Callable[..., None],
    axe: Callable[[Page], list[dict[str, Any]]],
    browser_issues: BrowserIssues,
) -> None:
    organization = factories.OrganizationFactory(name="Acme", slug="acme")
    user = factories.UserFactory(email="exec@acme.test", name="Eve Executive")
    factories.MembershipFactory(organization=organization, user=user, role=Role.VIEWER)
    build_board(organization)

    login(page, live_server, user)
    page.goto(f"{live_server.url}/o/acme/insights/board/")

    expect(page.get_by_role("heading", name="Board dashboard", level=1)).to_be_visible()
    charts = page.locator("figure.chart img")
    # The NPS trend (no CSAT or CES answers: no trend for them), channel and stage bars, the backlog and
    # the theme trend.
    expect(charts).to_have_count(5)
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        expect(chart).to_be_visible()
        assert chart.get_attribute("alt")
        assert chart.evaluate("img => img.complete && img.naturalWidth > 0") is True
    assert page.evaluate("window.__cspViolations") == []
    assert browser_issues.all() == []
    assert axe(page) == []
