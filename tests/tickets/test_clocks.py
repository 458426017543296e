"""SLA clocks: applying a policy, pausing, first contact, resolution, reopening, what the page shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Organization
from tests.tickets.sla_fixtures import make_calendar, make_policy, make_queue, make_team, make_ticket
from tickets.models import SlaNotice, SlaPolicy, Ticket
from tickets.sla.clocks import (
    clock_states,
    sla_first_contact,
    sla_pause,
    sla_policy_for,
    sla_reopened,
    sla_resolved,
    sla_resume,
)

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2024, 6, 10, 8, 0, tzinfo=UTC)  # Monday 10:00 in Berlin
H = timedelta(hours=1)


def reload(ticket: Ticket) -> Ticket:
    fresh: Ticket = Ticket.all_orgs.get(pk=ticket.pk)
    return fresh


def test_default_policy_is_created_once(organization: Organization) -> None:
    first = sla_policy_for(organization=organization, team=None)
    again = sla_policy_for(organization=organization, team=None)
    assert first.pk == again.pk
    assert (first.key, first.version, first.name, first.first_response_hours, first.resolution_hours) == (
        "default",
        1,
        "Default",
        48,
        120,
    )
    assert first.warn_at == [75]
    assert SlaPolicy.all_orgs.filter(organization=organization).count() == 1


def test_team_queue_policy_is_used(organization: Organization) -> None:
    team = make_team(organization)
    policy = make_policy(organization, "vip", first_response_hours=4)
    make_queue(organization, team, policy_key="vip")
    assert sla_policy_for(organization=organization, team=team) == policy
    other_team = make_team(organization)
    assert sla_policy_for(organization=organization, team=other_team).key == "default"


def test_apply_stores_deadlines_and_next_check(organization: Organization) -> None:
    ticket = reload(make_ticket(organization, feedback_at=T0))
    assert ticket.sla_policy is not None
    assert ticket.sla_policy.key == "default"
    assert ticket.first_response_due_at == T0 + 48 * H
    assert ticket.resolution_due_at == T0 + 120 * H
    assert ticket.sla_next_check_at == T0 + 36 * H  # the 75 % warning of first contact


def test_apply_with_business_hours(organization: Organization) -> None:
    team = make_team(organization)
    make_policy(organization, "office", business_hours=True, first_response_hours=16, resolution_hours=None)
    make_queue(organization, team, calendar=make_calendar(organization), policy_key="office")
    ticket = reload(make_ticket(organization, feedback_at=T0, team=team))
    # Monday 10:00 + 16 working hours (9–17) = Wednesday 10:00 Berlin.
    assert ticket.first_response_due_at == datetime(2024, 6, 12, 10, 0, tzinfo=BERLIN)
    assert ticket.resolution_due_at is None
    # 75 % used = 4 working hours left = Tuesday 14:00.
    assert ticket.sla_next_check_at == datetime(2024, 6, 11, 14, 0, tzinfo=BERLIN)


def test_pause_and_resume_keep_the_business_time_left(organization: Organization) -> None:
    team = make_team(organization)
    make_policy(organization, "office", business_hours=True, first_response_hours=16, resolution_hours=24)
    make_queue(organization, team, calendar=make_calendar(organization), policy_key="office")
    ticket = make_ticket(organization, feedback_at=T0, team=team)

    paused_at = datetime(2024, 6, 10, 15, 0, tzinfo=BERLIN)  # 5 working hours used
    sla_pause(ticket=ticket, now=paused_at)
    ticket = reload(ticket)
    assert ticket.paused_at == paused_at
    assert ticket.first_response_due_at is None
    assert ticket.first_response_remaining_seconds == 11 * 3600
    assert ticket.resolution_remaining_seconds == 19 * 3600
    assert ticket.sla_next_check_at is None
    assert [(c.clock, c.state, c.remaining_seconds) for c in clock_states(ticket, paused_at + 100 * H)] == [
        ("first_response", "paused", 11 * 3600),
        ("resolution", "paused", 19 * 3600),
    ]

    resumed_at = datetime(2024, 6, 14, 16, 0, tzinfo=BERLIN)  # Friday 16:00, days later
    sla_resume(ticket=ticket, now=resumed_at)
    ticket = reload(ticket)
    assert ticket.paused_at is None
    assert ticket.first_response_remaining_seconds is None
    # 1 hour on Friday, then 8 on Monday and 2 on Tuesday.
    assert ticket.first_response_due_at == datetime(2024, 6, 18, 11, 0, tzinfo=BERLIN)
    assert ticket.resolution_due_at == datetime(2024, 6, 19, 11, 0, tzinfo=BERLIN)


def test_pause_twice_and_resume_twice_change_nothing(organization: Organization) -> None:
    ticket = make_ticket(organization, feedback_at=T0)
    sla_pause(ticket=ticket, now=T0 + 10 * H)
    sla_pause(ticket=ticket, now=T0 + 20 * H)
    assert reload(ticket).first_response_remaining_seconds == 38 * 3600
    sla_resume(ticket=ticket, now=T0 + 30 * H)
    sla_resume(ticket=ticket, now=T0 + 40 * H)
    assert reload(ticket).first_response_due_at == T0 + 68 * H


def test_first_contact_stops_the_first_clock(organization: Organization) -> None:
    ticket = make_ticket(organization, feedback_at=T0)
    sla_first_contact(ticket=ticket, at=T0 + 5 * H)
    ticket = reload(ticket)
    assert ticket.first_responded_at == T0 + 5 * H
    assert ticket.sla_next_check_at == T0 + 90 * H  # the resolution clock's 75 % warning
    states = {c.clock: c for c in clock_states(ticket, T0 + 60 * H)}
    assert (states["first_response"].state, states["first_response"].percent) == ("met", 10)
    assert (states["resolution"].state, states["resolution"].percent) == ("running", 50)
    sla_first_contact(ticket=ticket, at=T0 + 9 * H)
    assert reload(ticket).first_responded_at == T0 + 5 * H


def test_first_contact_late(organization: Organization) -> None:
    ticket = make_ticket(organization, feedback_at=T0)
    sla_first_contact(ticket=ticket, at=T0 + 50 * H)
    state = clock_states(reload(ticket), T0 + 60 * H)[0]
    assert (state.state, state.remaining_seconds, state.percent) == ("met_late", -2 * 3600, 104)


def test_first_contact_while_paused(organization: Organization) -> None:
    ticket = make_ticket(organization, feedback_at=T0)
    sla_pause(ticket=ticket, now=T0 + 10 * H)
    sla_first_contact(ticket=ticket, at=T0 + 100 * H)
    ticket = reload(ticket)
    assert ticket.first_response_due_at == T0 + 138 * H
    assert ticket.first_response_remaining_seconds is None
    assert ticket.paused_at == T0 + 10 * H  # still pending: the resolution clock stays paused
    assert clock_states(ticket, T0 + 101 * H)[0].state == "met"


def test_resolution_stops_every_clock_and_reopen_carries_on(organization: Organization) -> None:
    ticket = make_ticket(organization, feedback_at=T0)
    sla_first_contact(ticket=ticket, at=T0 + 1 * H)
    sla_resolved(ticket=ticket, at=T0 + 20 * H)
    ticket = reload(ticket)
    assert ticket.resolved_at == T0 + 20 * H
    assert ticket.sla_next_check_at is None
    assert [c.state for c in clock_states(ticket, T0 + 500 * H)] == ["met", "met"]

    sla_reopened(ticket=ticket, now=T0 + 200 * H)
    ticket = reload(ticket)
    assert ticket.resolved_at is None
    assert ticket.resolution_due_at == T0 + 300 * H  # 100 hours were left at resolution
    assert ticket.sla_next_check_at == T0 + 270 * H


def test_resolving_a_paused_ticket(organization: Organization) -> None:
    ticket = make_ticket(organization, feedback_at=T0)
    sla_pause(ticket=ticket, now=T0 + 10 * H)
    sla_resolved(ticket=ticket, at=T0 + 30 * H)
    ticket = reload(ticket)
    assert (ticket.paused_at, ticket.resolution_remaining_seconds) == (None, None)
    assert ticket.resolution_due_at == T0 + 140 * H
    assert [c.state for c in clock_states(ticket, T0 + 31 * H)] == ["stopped", "met"]


def test_clock_states_running_and_breached(organization: Organization) -> None:
    ticket = make_ticket(organization, feedback_at=T0)
    running, resolution = clock_states(reload(ticket), T0 + 12 * H)
    assert (running.clock, running.state, running.percent, running.remaining_seconds) == (
        "first_response",
        "running",
        25,
        36 * 3600,
    )
    assert running.due_at == T0 + 48 * H
    assert resolution.percent == 10
    late = clock_states(reload(ticket), T0 + 60 * H)[0]
    assert (late.state, late.breached, late.remaining_seconds) == ("breached", True, -12 * 3600)


def test_policy_edit_keeps_the_version_on_existing_tickets(organization: Organization) -> None:
    from tickets.sla.services import sla_policy_update

    ticket = make_ticket(organization, feedback_at=T0)
    old = sla_policy_for(organization=organization, team=None)
    new = sla_policy_update(
        policy=old,
        actor=None,
        name="Default",
        first_response_hours=24,
        resolution_hours=72,
        business_hours=False,
        warn_at=[50, 90],
        escalate_to_manager_after_hours=2,
    )
    assert (new.version, new.is_current, new.key) == (2, True, "default")
    old.refresh_from_db()
    assert old.is_current is False
    ticket = reload(ticket)
    assert ticket.sla_policy_id == old.pk
    assert ticket.first_response_due_at == T0 + 48 * H
    fresh = reload(make_ticket(organization, feedback_at=T0))
    assert fresh.sla_policy_id == new.pk
    assert fresh.first_response_due_at == T0 + 24 * H
    assert fresh.sla_next_check_at == T0 + 12 * H
    assert SlaNotice.all_orgs.count() == 0
