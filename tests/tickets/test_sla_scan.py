"""The SLA scan: warnings, breaches and escalations raised exactly once, also with two scanners."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from accounts.models import Membership, Organization
from accounts.roles import Role
from tests.tickets.sla_fixtures import make_policy, make_queue, make_team, make_ticket
from tickets.models import Notification, SlaNotice, Ticket, TicketEvent
from tickets.sla.scan import sla_scan
from tickets.sla.tasks import sla_scan_task

T0 = datetime(2024, 6, 10, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)


def notices(ticket: Ticket) -> list[tuple[str, str]]:
    return list(
        SlaNotice.all_orgs.filter(ticket=ticket).order_by("raised_at", "pk").values_list("clock", "kind")
    )


def received(member: Membership) -> list[str]:
    return list(Notification.all_orgs.filter(recipient=member).order_by("pk").values_list("kind", flat=True))


def events(ticket: Ticket) -> list[str]:
    return list(TicketEvent.all_orgs.filter(ticket=ticket).order_by("pk").values_list("kind", flat=True))


@pytest.mark.django_db
def test_warning_then_breach_once_each(
    organization: Organization, make_member: Callable[..., Membership]
) -> None:
    agent = make_member(organization, Role.AGENT)
    ticket = make_ticket(organization, feedback_at=T0, assignee=agent)

    assert sla_scan(now=T0 + 35 * H) == 0
    assert sla_scan(now=T0 + 36 * H) == 1
    assert sla_scan(now=T0 + 37 * H) == 0
    assert sla_scan(now=T0 + 40 * H) == 0
    assert notices(ticket) == [("first_response", "warning_75")]
    assert received(agent) == ["sla_warning"]

    assert sla_scan(now=T0 + 48 * H) == 1
    assert sla_scan(now=T0 + 48 * H) == 0
    assert sla_scan(now=T0 + 49 * H) == 0
    assert notices(ticket) == [("first_response", "warning_75"), ("first_response", "breach")]
    assert received(agent) == ["sla_warning", "sla_breach"]
    assert events(ticket) == ["sla_warning", "sla_breach"]
    text = Notification.all_orgs.filter(recipient=agent, kind="sla_warning").get().text
    assert text.startswith(
        f"SLA warning: ticket #{ticket.pk} “Late delivery” has used 75 % of its First contact time"
    )
    ticket.refresh_from_db()
    assert ticket.sla_next_check_at == T0 + 52 * H  # the escalation, 4 hours after the breach


@pytest.mark.django_db
def test_breach_escalates_to_lead_then_manager(
    organization: Organization, make_member: Callable[..., Membership]
) -> None:
    agent = make_member(organization, Role.AGENT)
    lead = make_member(organization, Role.AGENT)
    manager = make_member(organization, Role.CX_MANAGER)
    boss = make_member(organization, Role.CX_MANAGER)
    team = make_team(organization, lead=lead)
    make_policy(
        organization,
        "fast",
        first_response_hours=2,
        resolution_hours=None,
        warn_at=[],
        escalate_to_manager_after_hours=3,
    )
    make_queue(organization, team, policy_key="fast", escalation_manager=boss)
    ticket = make_ticket(organization, feedback_at=T0, team=team, assignee=agent)

    assert sla_scan(now=T0 + 2 * H) == 1
    assert (received(agent), received(lead), received(boss), received(manager)) == (
        ["sla_breach"],
        ["sla_breach"],
        [],
        [],
    )
    assert sla_scan(now=T0 + 4 * H) == 0
    assert sla_scan(now=T0 + 5 * H) == 1
    assert sla_scan(now=T0 + 6 * H) == 0
    assert received(boss) == ["sla_escalation"]
    assert received(manager) == []
    assert notices(ticket) == [("first_response", "breach"), ("first_response", "escalation_manager")]
    escalation = TicketEvent.all_orgs.get(ticket=ticket, kind="sla_escalation")
    assert escalation.data == {
        "clock": "first_response",
        "notice": "escalation_manager",
        "due_at": (T0 + 2 * H).isoformat(),
        "level": 2,
        "notified": [boss.pk],
    }
    ticket.refresh_from_db()
    assert ticket.sla_next_check_at is None


@pytest.mark.django_db
def test_escalation_without_a_manager_goes_to_cx_managers(
    organization: Organization, make_member: Callable[..., Membership]
) -> None:
    manager = make_member(organization, Role.CX_MANAGER)
    make_member(organization, Role.AGENT)
    team = make_team(organization)
    make_policy(
        organization,
        "fast",
        first_response_hours=1,
        resolution_hours=None,
        warn_at=[50],
        escalate_to_manager_after_hours=1,
    )
    make_queue(organization, team, policy_key="fast")
    ticket = make_ticket(organization, feedback_at=T0, team=team)

    # Unassigned and no lead: the warning, the breach and the escalation all go to the managers.
    assert sla_scan(now=T0 + 0.5 * H) == 1
    assert sla_scan(now=T0 + 1 * H) == 1
    assert sla_scan(now=T0 + 2 * H) == 1
    assert received(manager) == ["sla_warning", "sla_breach", "sla_escalation"]
    assert events(ticket) == ["sla_warning", "sla_breach", "sla_escalation"]


@pytest.mark.django_db
def test_a_ticket_found_late_skips_the_stale_warning(
    organization: Organization, make_member: Callable[..., Membership]
) -> None:
    agent = make_member(organization, Role.AGENT)
    ticket = make_ticket(organization, feedback_at=T0, assignee=agent)
    assert sla_scan(now=T0 + 50 * H) == 1
    assert notices(ticket) == [("first_response", "warning_75"), ("first_response", "breach")]
    assert received(agent) == ["sla_breach"]


@pytest.mark.django_db
def test_paused_and_resolved_tickets_raise_nothing(
    organization: Organization, make_member: Callable[..., Membership]
) -> None:
    from tickets.sla.clocks import sla_pause, sla_resolved

    agent = make_member(organization, Role.AGENT)
    paused = make_ticket(organization, feedback_at=T0, assignee=agent)
    sla_pause(ticket=paused, now=T0 + H)
    resolved = make_ticket(organization, feedback_at=T0, assignee=agent, subject="Other")
    sla_resolved(ticket=resolved, at=T0 + H)
    assert sla_scan(now=T0 + 500 * H) == 0
    assert SlaNotice.all_orgs.count() == 0


@pytest.mark.django_db
def test_first_contact_stops_first_clock_notices(
    organization: Organization, make_member: Callable[..., Membership]
) -> None:
    from tickets.sla.clocks import sla_first_contact

    agent = make_member(organization, Role.AGENT)
    ticket = make_ticket(organization, feedback_at=T0, assignee=agent)
    sla_first_contact(ticket=ticket, at=T0 + H)
    assert sla_scan(now=T0 + 60 * H) == 0
    assert sla_scan(now=T0 + 90 * H) == 1
    assert notices(ticket) == [("resolution", "warning_75")]


@pytest.mark.django_db
def test_the_task_runs_the_scan(organization: Organization, make_member: Callable[..., Membership]) -> None:
    agent = make_member(organization, Role.AGENT)
    make_ticket(organization, feedback_at=datetime.now(UTC) - 49 * H, assignee=agent)
    assert sla_scan_task() == 1
    assert received(agent) == ["sla_breach"]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_raise_each_breach_once(
    organization: Organization, make_member: Callable[..., Membership]
) -> None:
    agent = make_member(organization, Role.AGENT)
    tickets = [make_ticket(organization, feedback_at=T0, assignee=agent, subject=f"T{n}") for n in range(12)]
    # Past the breach only: no warnings first (they are skipped as stale).
    now = T0 + 49 * H
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def scan() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(sla_scan(now=now, batch=3))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(results) == 12
    assert SlaNotice.all_orgs.filter(kind="breach").count() == 12
    assert Notification.all_orgs.filter(kind="sla_breach").count() == 12
    assert TicketEvent.all_orgs.filter(kind="sla_breach").count() == 12
    for ticket in tickets:
        assert notices(ticket) == [("first_response", "warning_75"), ("first_response", "breach")]
    assert sla_scan(now=now) == 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_on_one_ticket(
    organization: Organization, make_member: Callable[..., Membership]
) -> None:
    agent = make_member(organization, Role.AGENT)
    ticket = make_ticket(organization, feedback_at=T0, assignee=agent)
    barrier = threading.Barrier(2)
    results: list[int] = []

    def scan() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(sla_scan(now=T0 + 48 * H))
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results) == [0, 1]
    assert notices(ticket) == [("first_response", "warning_75"), ("first_response", "breach")]
    assert received(agent) == ["sla_breach"]
