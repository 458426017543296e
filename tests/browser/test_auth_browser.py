"""Signing in, switching language, two-factor activation, and the accessibility and CSP health of the
account pages, in real headless Chromium against the live server."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import Page, expect

from accounts.models import Membership, User
from accounts.roles import Role
from tests import factories
from tests.browser.conftest import BrowserIssues

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Login = Callable[..., None]
Axe = Callable[[Page], list[dict[str, Any]]]


@pytest.fixture
def member() -> Membership:
    organization = factories.OrganizationFactory(name="Acme", slug="acme")
    user = factories.UserFactory(email="manager@acme.test", name="Mira Manager")
    return factories.MembershipFactory(organization=organization, user=user, role=Role.CX_MANAGER)


def test_static_assets_are_served_by_the_live_server(page: Page) -> None:
    stylesheet = page.request.get("/static/build/app.css")
    axe_core = page.request.get("/static/build/axe.min.js")

    assert stylesheet.status == 200
    assert stylesheet.headers["content-type"].startswith("text/css")
    assert axe_core.status == 200


def test_login_page_has_no_serious_accessibility_violations(page: Page, axe: Axe) -> None:
    page.goto("/accounts/login/")

    assert axe(page) == []


def test_sign_in_lands_on_the_overview_and_the_language_switcher_changes_the_page(
    page: Page, live_server: Any, login: Login, browser_issues: BrowserIssues, member: Membership
) -> None:
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    login_page_violations = page.evaluate("window.__cspViolations")

    login(page, live_server, member.user)

    assert page.url == f"{live_server.url}/o/acme/"
    expect(page.get_by_role("link", name="Mira Manager")).to_be_visible()
    # The stylesheet is applied (the header is laid out by app.css, not the browser's defaults).
    assert page.locator(".app-header").evaluate("el => getComputedStyle(el).display") == "flex"
    overview_violations = page.evaluate("window.__cspViolations")

    with page.expect_navigation():
        page.get_by_label("Language").select_option("ru")

    expect(page.locator("html")).to_have_attribute("lang", "ru")
    assert page.url == f"{live_server.url}/o/acme/"
    assert login_page_violations == []
    assert overview_violations == []
    assert browser_issues.all() == []


def test_a_wrong_password_is_announced_on_the_page(page: Page, member: Membership) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(member.user.email)
    page.get_by_label("Password").fill("not-the-password")
    page.locator("main form").get_by_role("button", name="Sign In").click()

    alert = page.get_by_role("alert")
    expect(alert).to_have_text("The email address and/or password you specified are not correct.")
    assert page.url.endswith("/accounts/login/")


def test_totp_activation_in_the_browser(
    page: Page, live_server: Any, login: Login, axe: Axe, browser_issues: BrowserIssues, member: Membership
) -> None:
    login(page, live_server, member.user)

    page.goto("/accounts/2fa/totp/activate/")
    qr = page.locator("img.qr")
    expect(qr).to_be_visible()
    # The QR code is a data: URI image, allowed by img-src; it must actually decode and draw.
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0") is True
    assert axe(page) == []
    secret = page.get_by_label("Authenticator secret").input_value()
    code = format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
    page.get_by_label("Authenticator code").fill(code)
    page.locator("main form").get_by_role("button", name="Activate").click()

    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    assert len(page.get_by_label("Unused codes").input_value().split()) == 10
    assert Authenticator.objects.filter(user=member.user).count() == 2
    assert browser_issues.all() == []


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/confirm-email/",
    ],
)
def test_signed_out_account_pages_are_accessible_and_csp_clean(
    page: Page, axe: Axe, browser_issues: BrowserIssues, path: str
) -> None:
    page.goto(path)

    assert axe(page) == []
    assert browser_issues.all() == []


@pytest.mark.parametrize("path", ["/accounts/email/", "/accounts/password/change/", "/accounts/2fa/"])
def test_account_management_pages_are_accessible_and_csp_clean(
    page: Page, live_server: Any, login: Login, axe: Axe, browser_issues: BrowserIssues, path: str
) -> None:
    user: User = factories.UserFactory(email="someone@example.com")
    login(page, live_server, user)

    page.goto(path)

    expect(page.locator('.subnav a[aria-current="page"]')).to_have_count(1)
    assert axe(page) == []
    assert browser_issues.all() == []


@pytest.mark.parametrize("viewport", [{"width": 360, "height": 740}])
def test_login_page_fits_a_phone_screen(page: Page, viewport: dict[str, int]) -> None:
    page.goto("/accounts/login/")

    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    expect(page.get_by_label("Email")).to_be_visible()
