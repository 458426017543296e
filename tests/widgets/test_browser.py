"""The settings pages (websites, members, teams, access groups, keys, audit log) in real headless
Chromium: no serious accessibility violations, no CSP violations, the copy buttons and confirmations work.

The browser fixtures live in tests/browser/conftest.py (made available here by tests/widgets/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Membership
from accounts.roles import Role
from tests import factories
from tests.browser.conftest import BrowserIssues
from widgets.models import Site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Login = Callable[..., None]
Axe = Callable[[Page], list[dict[str, Any]]]


@pytest.fixture
def admin_member() -> Membership:
    organization = factories.OrganizationFactory(name="Acme", slug="acme")
    user = factories.UserFactory(email="owner@acme.test", name="Olga Owner")
    owner = factories.MembershipFactory(organization=organization, user=user, role=Role.OWNER)
    agent = factories.MembershipFactory(
        organization=organization, user=factories.UserFactory(email="agent@acme.test"), role=Role.AGENT
    )
    team = factories.TeamFactory(organization=organization, name="Support")
    factories.TeamMembershipFactory(team=team, membership=agent)
    factories.AccessGroupFactory(organization=organization, name="Europe")
    factories.SiteFactory(organization=organization, name="Shop", public_key="cx_pk_shopkey")
    return owner


PAGES = [
    "/o/acme/settings/organization/",
    "/o/acme/settings/members/",
    "/o/acme/settings/members/invite/",
    "/o/acme/settings/teams/",
    "/o/acme/settings/teams/new/",
    "/o/acme/settings/access-groups/",
    "/o/acme/settings/access-groups/new/",
    "/o/acme/settings/api-keys/",
    "/o/acme/settings/api-keys/new/",
    "/o/acme/settings/audit-log/",
    "/o/acme/sites/",
    "/o/acme/sites/new/",
    "/me/preferences/",
]


def test_settings_pages_are_accessible_and_csp_clean(
    page: Page,
    live_server: Any,
    login: Login,
    axe: Axe,
    browser_issues: BrowserIssues,
    admin_member: Membership,
) -> None:
    login(page, live_server, admin_member.user)
    site = Site.all_orgs.get(name="Shop")
    violations = {}

    for path in [*PAGES, f"/o/acme/sites/{site.pk}/", f"/o/acme/sites/{site.pk}/edit/"]:
        page.goto(path)
        violations[path] = axe(page)

    assert {path: found for path, found in violations.items() if found} == {}
    assert browser_issues.csp_violations == []
    assert browser_issues.page_errors == []


def test_site_snippet_copy_button_copies_the_snippet(
    page: Page,
    live_server: Any,
    login: Login,
    browser_issues: BrowserIssues,
    admin_member: Membership,
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    login(page, live_server, admin_member.user)
    site = Site.all_orgs.get(name="Shop")
    page.goto(f"/o/acme/sites/{site.pk}/")

    page.get_by_role("button", name="Copy snippet").click()

    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == (
        '<script async src="http://localhost:8000/static/widgets/cx.js" data-site-key="cx_pk_shopkey"></script>'
    )
    assert browser_issues.csp_violations == []
    assert browser_issues.page_errors == []


def test_api_key_is_shown_once_with_a_working_copy_button(
    page: Page,
    live_server: Any,
    login: Login,
    browser_issues: BrowserIssues,
    admin_member: Membership,
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    login(page, live_server, admin_member.user)
    page.goto("/o/acme/settings/api-keys/new/")
    page.get_by_label("Name").fill("Warehouse")
    page.get_by_label("Write").check()
    page.get_by_role("button", name="Create key").click()

    secret = page.locator("#api-key-secret").inner_text()
    page.get_by_role("button", name="Copy secret key").click()

    assert secret.startswith("cx_sk_")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    page.get_by_role("link", name="I have copied the key").click()
    expect(page.get_by_role("rowheader", name="Warehouse")).to_be_visible()
    assert secret not in page.content()
    assert browser_issues.csp_violations == []
    assert browser_issues.page_errors == []


def test_removing_a_member_asks_first(
    page: Page,
    live_server: Any,
    login: Login,
    admin_member: Membership,
) -> None:
    login(page, live_server, admin_member.user)
    page.goto("/o/acme/settings/members/")
    agent_row = page.get_by_role("row").filter(has_text="agent@acme.test")

    page.once("dialog", lambda dialog: dialog.dismiss())
    agent_row.get_by_role("button", name="Remove").click()
    expect(agent_row).to_be_visible()
    assert Membership.all_orgs.filter(user__email="agent@acme.test").count() == 1

    page.once("dialog", lambda dialog: dialog.accept())
    agent_row.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("is removed from the organisation.")).to_be_visible()
    assert Membership.all_orgs.filter(user__email="agent@acme.test").count() == 0


def test_the_pages_of_a_websites_surveys_are_accessible_with_and_without_errors(
    page: Page,
    live_server: Any,
    login: Login,
    axe: Axe,
    browser_issues: BrowserIssues,
    admin_member: Membership,
) -> None:
    site = Site.all_orgs.get(name="Shop")
    intercept = factories.InterceptFactory(site=site, survey__name="Checkout NPS")
    login(page, live_server, admin_member.user)
    base = f"/o/acme/sites/{site.pk}"
    violations = {}

    for path in [f"{base}/", f"{base}/surveys/new/", f"{base}/surveys/{intercept.pk}/", f"{base}/button/"]:
        page.goto(path)
        violations[path] = axe(page)
    # The form again with errors next to its fields: nothing typed is lost.
    page.goto(f"{base}/surveys/{intercept.pk}/")
    page.get_by_label("Trigger").select_option("time_on_page")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    expect(page.get_by_label("Trigger")).to_have_value("time_on_page")
    violations["form with errors"] = axe(page)

    assert {path: found for path, found in violations.items() if found} == {}
    assert browser_issues.csp_violations == []
    assert browser_issues.page_errors == []
