"""The queue and the ticket page in real headless Chromium: keyboard shortcuts (never while typing), bulk
actions, the canned response box, form errors, accessibility (axe) and the strict CSP."""

# ruff: noqa: F811 - the browser fixtures are imported by name and then requested as parameters.
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Membership
from accounts.roles import Role
from tests import factories
from tests.browser.conftest import (  # noqa: F401 - real-Chromium fixtures
    BrowserIssues,
    axe,
    browser,
    browser_issues,
    login,
    page,
    playwright_instance,
    viewport,
)
from tests.tickets.test_queue_views import open_ticket
from tickets.models import CannedResponse, MessageKind, RootCause, Ticket, TicketMessage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Login = Callable[..., None]
Axe = Callable[[Page], list[dict[str, Any]]]


@pytest.fixture
def agent() -> Membership:
    organization = factories.OrganizationFactory(name="Acme", slug="acme")
    user = factories.UserFactory(email="agent@acme.test", name="Ada Agent")
    return factories.MembershipFactory(organization=organization, user=user, role=Role.AGENT)


def test_an_agent_works_the_queue_with_the_keyboard_and_bulk_actions(
    page: Page, live_server: Any, login: Login, axe: Axe, browser_issues: BrowserIssues, agent: Membership
) -> None:
    organization = agent.organization
    now = timezone.now()
    overdue = open_ticket(
        organization, subject="Broken till", first_response_due_at=now - dt.timedelta(hours=2, minutes=5)
    )
    later = open_ticket(organization, subject="Late parcel")
    login(page, live_server, agent.user)

    page.goto("/o/acme/tickets/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ticket queue")
    expect(page.locator(f'tr[data-ticket-row="{overdue.pk}"]')).to_contain_text("overdue by 2 h")
    violations = axe(page)

    # j selects the first row (the earliest deadline), x ticks it.
    page.locator("body").press("j")
    expect(page.locator("tr.is-current")).to_have_attribute("data-ticket-row", str(overdue.pk))
    page.keyboard.press("x")
    expect(page.get_by_label(f"Select ticket #{overdue.pk}")).to_be_checked()
    # While typing in a field, the same keys only type.
    search = page.get_by_label("Search subject or contact")
    search.fill("")
    search.press_sequentially("jx?")
    expect(search).to_have_value("jx?")
    expect(page.locator("#shortcut-help")).not_to_be_visible()
    expect(page.get_by_label(f"Select ticket #{later.pk}")).not_to_be_checked()
    # ? shows the help; Escape closes it.
    page.locator("h1").click()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#shortcut-help")).not_to_be_visible()

    page.get_by_label("Action for the selected tickets").select_option("priority:urgent")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".messages")).to_contain_text("1 ticket changed.")

    # Enter on the current row opens the ticket.
    page.locator("h1").click()
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/o/acme/tickets/{overdue.pk}/")

    assert violations == []
    assert Ticket.all_orgs.get(pk=overdue.pk).priority == "urgent"
    assert Ticket.all_orgs.get(pk=later.pk).priority == "normal"
    assert browser_issues.all() == []


def test_an_agent_replies_with_a_canned_response_and_sees_the_resolve_errors(
    page: Page, live_server: Any, login: Login, axe: Axe, browser_issues: BrowserIssues, agent: Membership
) -> None:
    organization = agent.organization
    ticket = open_ticket(organization, subject="Late parcel")
    CannedResponse.all_orgs.create(
        organization=organization, name="Apology", body="Dear {contact_name}, sorry!"
    )
    RootCause.all_orgs.create(organization=organization, name="Delivery")
    login(page, live_server, agent.user)

    page.goto(f"/o/acme/tickets/{ticket.pk}/")
    expect(page.get_by_role("heading", name="Clocks")).to_be_visible()
    violations = axe(page)

    # r jumps to the reply box; n typed inside it stays text.
    page.locator("h1").click()
    page.keyboard.press("r")
    reply = page.get_by_label("Reply to the customer")
    expect(reply).to_be_focused()
    reply.press_sequentially("n")
    expect(reply).to_be_focused()
    reply.fill("")
    page.get_by_label("Canned response").select_option(label="Apology")
    expect(reply).to_have_value(f"Dear {ticket.contact.name}, sorry!")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".messages")).to_contain_text("The reply is on its way to the customer.")

    page.locator("#form-status").get_by_label("Status").select_option("resolved")
    page.get_by_role("button", name="Change status").click()
    errors = page.locator("#form-status [role=alert]")
    expect(errors.first).to_be_visible()
    error_text = " ".join(errors.all_inner_texts())
    violations_after_error = axe(page)

    assert violations == []
    assert violations_after_error == []
    assert "Choose the root cause before closing the ticket." in error_text
    assert "Choose the outcome before resolving the ticket." in error_text
    assert list(TicketMessage.all_orgs.filter(ticket=ticket).values_list("kind", "body")) == [
        (MessageKind.REPLY, f"Dear {ticket.contact.name}, sorry!")
    ]
    assert browser_issues.all() == []


@pytest.mark.parametrize(
    "path",
    [
        "/o/acme/tickets/notifications/",
        "/o/acme/tickets/notifications/preferences/",
        "/o/acme/tickets/settings/root-causes/new/",
        "/o/acme/tickets/settings/canned/new/",
        "/o/acme/tickets/settings/routing/new/",
    ],
)
def test_the_notification_and_settings_pages_are_accessible(
    page: Page, live_server: Any, login: Login, axe: Axe, browser_issues: BrowserIssues, path: str
) -> None:
    organization = factories.OrganizationFactory(name="Acme", slug="acme")
    user = factories.UserFactory(email="manager@acme.test", name="Mia Manager")
    factories.MembershipFactory(organization=organization, user=user, role=Role.CX_MANAGER)
    login(page, live_server, user)

    page.goto(path)

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert axe(page) == []
    assert browser_issues.all() == []
