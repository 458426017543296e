"""SLA settings pages: policies (versions), calendars with holidays, team queues; tenancy and permissions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import Membership, Organization
from accounts.roles import Role
from tests.browser.conftest import (  # noqa: F401 - real-Chromium fixtures for the browser test here
    BrowserIssues,
    axe,
    browser,
    browser_issues,
    login,
    page,
    playwright_instance,
    viewport,
)
from tests.tickets.sla_fixtures import make_calendar, make_policy, make_team
from tickets.models import BusinessCalendar, Holiday, SlaPolicy, TeamQueue

pytestmark = pytest.mark.django_db

POLICY = {
    "name": "VIP",
    "first_response_hours": "4",
    "resolution_hours": "24",
    "business_hours": "on",
    "warn_at": "50, 90",
    "escalate_to_manager_after_hours": "2",
}
WEEK = {
    "name": "Berlin office",
    "timezone": "Europe/Berlin",
    "hours_mon": "09:00-12:00, 13:00-17:00",
    "hours_tue": "09:00–17:00",
    "hours_wed": "9:00-17:00",
    "hours_thu": "09:00-17:00",
    "hours_fri": "09:00-15:00",
    "hours_sat": "",
    "hours_sun": "",
}


def url(name: str, organization: Organization, **kwargs: Any) -> str:
    return reverse(f"sla:{name}", kwargs={"org_slug": organization.slug, **kwargs})


@pytest.fixture
def manager(organization: Organization, make_member: Callable[..., Membership]) -> Membership:
    return make_member(organization, Role.CX_MANAGER, email="manager@acme.test")


@pytest.fixture
def manager_client(manager: Membership, client_for: Callable[[Membership], Client]) -> Client:
    return client_for(manager)


def test_pages_render(organization: Organization, manager_client: Client) -> None:
    calendar = make_calendar(organization)
    team = make_team(organization, name="Support")
    policy = make_policy(organization)
    for target in (
        url("policy_list", organization),
        url("policy_create", organization),
        url("policy_edit", organization, policy_id=policy.pk),
        url("calendar_list", organization),
        url("calendar_create", organization),
        url("calendar_edit", organization, calendar_id=calendar.pk),
        url("team_queue_edit", organization, team_id=team.pk),
    ):
        assert manager_client.get(target).status_code == 200, target


def test_create_then_edit_policy_makes_a_version(organization: Organization, manager_client: Client) -> None:
    response = manager_client.post(url("policy_create", organization), POLICY)
    assert response.status_code == 302
    first = SlaPolicy.all_orgs.get(organization=organization)
    assert (first.key, first.version, first.first_response_hours, first.warn_at, first.business_hours) == (
        "vip",
        1,
        4,
        [50, 90],
        True,
    )
    response = manager_client.post(
        url("policy_edit", organization, policy_id=first.pk), {**POLICY, "first_response_hours": "8"}
    )
    assert response.status_code == 302
    versions = list(
        SlaPolicy.all_orgs.filter(organization=organization)
        .order_by("version")
        .values_list("version", "is_current", "first_response_hours")
    )
    assert versions == [(1, False, 4), (2, True, 8)]
    html = manager_client.get(url("policy_list", organization)).content.decode()
    assert "v2" in html
    assert "Older versions:" in html


def test_policy_validation(organization: Organization, manager_client: Client) -> None:
    response = manager_client.post(
        url("policy_create", organization), {**POLICY, "warn_at": "150", "first_response_hours": "0"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "warn_at": ["Warnings are percentages between 1 and 99."],
        "first_response_hours": ["Ensure this value is greater than or equal to 1."],
    }
    response = manager_client.post(url("policy_create", organization), {**POLICY, "resolution_hours": "2"})
    assert response.context["form"].errors == {
        "resolution_hours": ["Resolution cannot be due before first contact."]
    }
    make_policy(organization, "vip", name="VIP")
    response = manager_client.post(url("policy_create", organization), POLICY)
    assert response.context["form"].errors == {"name": ["A policy with this name already exists."]}
    assert SlaPolicy.all_orgs.filter(organization=organization).count() == 1


def test_editing_an_old_version_is_refused(organization: Organization, manager_client: Client) -> None:
    old = make_policy(organization, "vip", is_current=False)
    make_policy(organization, "vip", version=2)
    response = manager_client.post(url("policy_edit", organization, policy_id=old.pk), POLICY)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "This policy was changed meanwhile: open its latest version and try again."
    ]


def test_calendar_create(organization: Organization, manager_client: Client) -> None:
    response = manager_client.post(url("calendar_create", organization), WEEK)
    calendar = BusinessCalendar.all_orgs.get(organization=organization)
    assert response.status_code == 302
    assert response["Location"] == url("calendar_edit", organization, calendar_id=calendar.pk)
    assert calendar.timezone == "Europe/Berlin"
    assert calendar.hours == {
        "mon": [["09:00", "12:00"], ["13:00", "17:00"]],
        "tue": [["09:00", "17:00"]],
        "wed": [["09:00", "17:00"]],
        "thu": [["09:00", "17:00"]],
        "fri": [["09:00", "15:00"]],
        "sat": [],
        "sun": [],
    }
    shown = manager_client.get(url("calendar_edit", organization, calendar_id=calendar.pk))
    assert shown.context["form"]["hours_mon"].value() == "09:00–12:00, 13:00–17:00"


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"hours_mon": "22:00-02:00"},
            {
                "hours_mon": [
                    "Each interval must end after it starts on the same day (use 24:00 for midnight), in order, without overlaps."
                ]
            },
        ),
        (
            {"hours_tue": "nine to five"},
            {
                "hours_tue": [
                    "Write intervals like 09:00–17:00, separated by commas; “nine to five” is not one."
                ]
            },
        ),
        (
            {"hours_wed": "25:00-26:00"},
            {
                "hours_wed": [
                    "Each interval must end after it starts on the same day (use 24:00 for midnight), in order, without overlaps."
                ]
            },
        ),
        (
            {"hours_thu": "09:00-13:00, 12:00-17:00"},
            {
                "hours_thu": [
                    "Each interval must end after it starts on the same day (use 24:00 for midnight), in order, without overlaps."
                ]
            },
        ),
        (
            {"timezone": "Mars/Olympus"},
            {"timezone": ["Select a valid choice. Mars/Olympus is not one of the available choices."]},
        ),
        (
            {f"hours_{day}": "" for day in ("mon", "tue", "wed", "thu", "fri")},
            {"hours": ["Give at least one working interval in the week."]},
        ),
    ],
)
def test_calendar_validation(
    organization: Organization, manager_client: Client, changes: dict[str, str], errors: dict[str, list[str]]
) -> None:
    response = manager_client.post(url("calendar_create", organization), {**WEEK, **changes})
    assert response.status_code == 200
    form_errors = response.context["form"].errors
    if "hours" in errors:
        assert form_errors == {"__all__": errors["hours"]}
    else:
        assert form_errors == errors
    assert BusinessCalendar.all_orgs.filter(organization=organization).count() == 0


def test_calendar_until_midnight(organization: Organization, manager_client: Client) -> None:
    response = manager_client.post(url("calendar_create", organization), {**WEEK, "hours_sat": "18:00-24:00"})
    assert response.status_code == 302
    assert BusinessCalendar.all_orgs.get(organization=organization).hours["sat"] == [["18:00", "24:00"]]


def test_duplicate_calendar_name(organization: Organization, manager_client: Client) -> None:
    make_calendar(organization, name="berlin OFFICE")
    response = manager_client.post(url("calendar_create", organization), WEEK)
    assert response.status_code == 200
    assert response.context["form"].errors == {"name": ["A calendar with this name already exists."]}


def test_holidays_add_duplicate_and_remove(organization: Organization, manager_client: Client) -> None:
    calendar = make_calendar(organization)
    add = url("holiday_add", organization, calendar_id=calendar.pk)
    response = manager_client.post(add, {"holiday-date": "2024-12-25", "holiday-name": "Christmas"})
    assert response.status_code == 302
    holiday = Holiday.all_orgs.get(calendar=calendar)
    assert (holiday.date, holiday.name) == (date(2024, 12, 25), "Christmas")

    duplicate = manager_client.post(add, {"holiday-date": "2024-12-25", "holiday-name": "Again"})
    assert duplicate.status_code == 400
    assert duplicate.context["holiday_form"].errors == {"date": ["This date is already a holiday."]}
    bad = manager_client.post(add, {"holiday-date": "2024-13-45"})
    assert bad.status_code == 400
    assert bad.context["holiday_form"].errors == {"date": ["Enter a valid date."]}
    assert Holiday.all_orgs.filter(calendar=calendar).count() == 1

    response = manager_client.post(
        url("holiday_remove", organization, calendar_id=calendar.pk, holiday_id=holiday.pk)
    )
    assert response.status_code == 302
    assert Holiday.all_orgs.filter(calendar=calendar).count() == 0


def test_team_queue_edit(organization: Organization, manager_client: Client, manager: Membership) -> None:
    team = make_team(organization, name="Support")
    calendar = make_calendar(organization)
    make_policy(organization, "vip", name="VIP")
    response = manager_client.post(
        url("team_queue_edit", organization, team_id=team.pk),
        {
            "assignment": "least_loaded",
            "calendar": str(calendar.pk),
            "sla_policy_key": "vip",
            "escalation_manager": str(manager.pk),
        },
    )
    assert response.status_code == 302
    queue = TeamQueue.all_orgs.get(team=team)
    assert (queue.assignment, queue.calendar_id, queue.sla_policy_key, queue.escalation_manager_id) == (
        "least_loaded",
        calendar.pk,
        "vip",
        manager.pk,
    )


def test_team_queue_refuses_other_tenants_choices(
    organization: Organization, other_organization: Organization, manager_client: Client, outsider: Membership
) -> None:
    team = make_team(organization)
    foreign_calendar = make_calendar(other_organization)
    response = manager_client.post(
        url("team_queue_edit", organization, team_id=team.pk),
        {
            "assignment": "round_robin",
            "calendar": str(foreign_calendar.pk),
            "escalation_manager": str(outsider.pk),
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"calendar", "escalation_manager"}
    assert TeamQueue.all_orgs.count() == 0


def test_other_tenants_objects_are_404(
    organization: Organization, other_organization: Organization, manager_client: Client
) -> None:
    calendar = make_calendar(other_organization)
    holiday = Holiday.all_orgs.create(
        organization=other_organization, calendar=calendar, date=date(2024, 1, 1)
    )
    policy = make_policy(other_organization)
    team = make_team(other_organization)
    assert manager_client.get(url("policy_edit", organization, policy_id=policy.pk)).status_code == 404
    assert manager_client.get(url("calendar_edit", organization, calendar_id=calendar.pk)).status_code == 404
    assert (
        manager_client.post(
            url("holiday_add", organization, calendar_id=calendar.pk), {"holiday-date": "2024-02-02"}
        ).status_code
        == 404
    )
    assert (
        manager_client.post(
            url("holiday_remove", organization, calendar_id=calendar.pk, holiday_id=holiday.pk)
        ).status_code
        == 404
    )
    assert manager_client.get(url("team_queue_edit", organization, team_id=team.pk)).status_code == 404
    assert Holiday.all_orgs.filter(calendar=calendar).count() == 1


def test_outsider_gets_404_and_agent_403(
    organization: Organization,
    outsider: Membership,
    make_member: Callable[..., Membership],
    client_for: Callable[[Membership], Client],
) -> None:
    agent = make_member(organization, Role.AGENT)
    calendar = make_calendar(organization)
    team = make_team(organization)
    pages = [
        url("policy_list", organization),
        url("policy_create", organization),
        url("calendar_list", organization),
        url("calendar_edit", organization, calendar_id=calendar.pk),
        url("team_queue_edit", organization, team_id=team.pk),
    ]
    for target in pages:
        assert client_for(outsider).get(target).status_code == 404, target
        assert client_for(agent).get(target).status_code == 403, target
        assert client_for(agent).post(target, WEEK).status_code == 403, target
    add = url("holiday_add", organization, calendar_id=calendar.pk)
    assert client_for(outsider).post(add, {"holiday-date": "2024-02-02"}).status_code == 404
    assert client_for(agent).post(add, {"holiday-date": "2024-02-02"}).status_code == 403
    assert Holiday.all_orgs.count() == 0
    assert Client().get(url("policy_list", organization)).status_code == 302


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_calendar_pages_in_chromium(
    organization: Organization, manager: Membership, live_server: Any, request: pytest.FixtureRequest
) -> None:
    # The Chromium fixtures are imported above; fetched by name so that no parameter shadows the import.
    tab: Page = request.getfixturevalue("page")
    issues: BrowserIssues = request.getfixturevalue("browser_issues")
    run_axe: Callable[[Page], list[dict[str, Any]]] = request.getfixturevalue("axe")
    request.getfixturevalue("login")(tab, live_server, manager.user)

    tab.goto(url("calendar_create", organization))
    form = tab.locator("main form").first
    form.get_by_label("Name").fill("Berlin office")
    form.get_by_label("Time zone").select_option("Europe/Berlin")
    form.get_by_label("Monday").fill("22:00-02:00")
    form.get_by_role("button", name="Save calendar").click()
    expect(tab.get_by_role("alert").first).to_contain_text("Each interval must end after it starts")
    tab.locator("main form").first.get_by_label("Monday").fill("09:00-17:00")
    tab.get_by_role("button", name="Save calendar").click()
    expect(tab.get_by_role("heading", name="Edit calendar “Berlin office”")).to_be_visible()
    holiday_form = tab.locator("section form").last
    holiday_form.get_by_label("Date").fill("2024-12-25")
    holiday_form.get_by_label("Name").fill("Christmas")
    holiday_form.get_by_role("button", name="Add holiday").click()
    expect(tab.locator("section li")).to_contain_text("Christmas")
    assert run_axe(tab) == []
    tab.goto(url("policy_list", organization))
    assert run_axe(tab) == []
    assert issues.all() == []
    assert Holiday.all_orgs.filter(calendar__name="Berlin office").count() == 1
