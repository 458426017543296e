"""SLA clocks on a ticket: apply a policy, pause, resume, stop, and the next moment the scan must look.

Two clocks per ticket: first contact (``first_response_*``) and resolution (``resolution_*``). Each
clock counts the working time of the ticket's team calendar when its policy counts business hours,
else real time. A clock is

* running  — its ``*_due_at`` is set, its stop time (``first_responded_at`` / ``resolved_at``) is not
  and the ticket is not paused;
* paused   — ``paused_at`` is set: ``*_due_at`` is cleared (None) and the signed business time left
  is kept in ``*_remaining_seconds`` (negative when the clock had already run out). Queue selectors
  therefore see no deadline on a paused ticket; "breached while paused" is
  ``*_remaining_seconds < 0``;
* stopped  — its stop time is set (``*_due_at`` keeps the deadline, so "met" or "late" can be told).

Contract for callers (the tickets services): call these functions inside your transaction, on the
ticket instance you hold (ideally locked with ``select_for_update``). **Each function sets the SLA
fields on that instance and saves them itself** with ``save(update_fields=SLA_FIELDS)`` — callers need
not know or save which fields changed (saving the whole ticket again afterwards is harmless). None of
them touches ``status``, ``updated_at`` or any non-SLA field, and none records events or notifies.
All of them are idempotent: pausing a paused ticket, resuming a running one, a second first contact
or a second resolution change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import SlaClock, SlaNotice, SlaPolicy, TeamQueue, Ticket
from tickets.sla.calendar import (
    WorkingTime,
    add_working_seconds,
    signed_working_seconds,
    working_time_for,
)

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from accounts.models import Organization, Team

DEFAULT_POLICY_KEY = "default"

# Every field these functions may change; each function saves exactly these.
SLA_FIELDS: list[str] = [
    "sla_policy",
    "first_response_due_at",
    "first_responded_at",
    "resolution_due_at",
    "resolved_at",
    "paused_at",
    "first_response_remaining_seconds",
    "resolution_remaining_seconds",
    "sla_next_check_at",
]

BREACH = "breach"
ESCALATION = "escalation_manager"


def warning_kind(percent: int) -> str:
    return f"warning_{percent}"


@dataclass(frozen=True)
class _ClockSpec:
    key: str
    due_field: str
    remaining_field: str
    stop_field: str

    def total_seconds(self, policy: SlaPolicy) -> int | None:
        hours = (
            policy.first_response_hours if self.key == SlaClock.FIRST_RESPONSE else policy.resolution_hours
        )
        return None if hours is None else int(hours) * 3600


CLOCKS: tuple[_ClockSpec, ...] = (
    _ClockSpec(
        SlaClock.FIRST_RESPONSE.value,
        "first_response_due_at",
        "first_response_remaining_seconds",
        "first_responded_at",
    ),
    _ClockSpec(SlaClock.RESOLUTION.value, "resolution_due_at", "resolution_remaining_seconds", "resolved_at"),
)


# --- policy and working time ---------------------------------------------------------------------


def team_queue_for(organization_id: int, team_id: int | None) -> TeamQueue | None:
    if team_id is None:
        return None
    queue: TeamQueue | None = (
        TeamQueue.all_orgs.filter(organization_id=organization_id, team_id=team_id)
        .select_related("calendar", "escalation_manager")
        .first()
    )
    return queue


@transaction.atomic
def sla_policy_for(*, organization: Organization, team: Team | None) -> SlaPolicy:
    """The current version of the team queue's policy, else of the "default" policy.

    The default policy is created on first use: "Default", 48 h first contact, 120 h resolution,
    warning at 75 %, version 1. Safe when two transactions create it at once.
    """
    queue = team_queue_for(organization.pk, team.pk if team is not None else None)
    keys = [queue.sla_policy_key] if queue is not None and queue.sla_policy_key else []
    keys.append(DEFAULT_POLICY_KEY)
    for key in keys:
        policy: SlaPolicy | None = SlaPolicy.all_orgs.filter(
            organization_id=organization.pk, key=key, is_current=True
        ).first()
        if policy is not None:
            return policy
    try:
        with transaction.atomic():
            created: SlaPolicy = SlaPolicy.all_orgs.create(
                organization_id=organization.pk,
                key=DEFAULT_POLICY_KEY,
                version=1,
                is_current=True,
                name=str(_("Default")),
                first_response_hours=48,
                resolution_hours=120,
                warn_at=[75],
            )
            return created
    except IntegrityError:
        found: SlaPolicy = SlaPolicy.all_orgs.get(
            organization_id=organization.pk, key=DEFAULT_POLICY_KEY, is_current=True
        )
        return found


def ticket_working_time(ticket: Ticket, policy: SlaPolicy | None = None) -> WorkingTime:
    """The working time the ticket's clocks count (its team's calendar when the policy says so)."""
    policy = policy if policy is not None else ticket.sla_policy
    if policy is None or not policy.business_hours:
        return WorkingTime.always()
    queue = team_queue_for(ticket.organization_id, ticket.team_id)
    return working_time_for(calendar=queue.calendar if queue else None, business_hours=True)


def _save(ticket: Ticket) -> None:
    ticket.save(update_fields=SLA_FIELDS)


def _now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


# --- the clock operations --------------------------------------------------------------------------


@transaction.atomic
def sla_apply(*, ticket: Ticket, now: datetime | None = None) -> None:
    """Apply the current policy of the ticket's team (or the default) and store the deadlines.

    The clocks start when the feedback arrived (``ticket.feedback_at``). Applying again (e.g. after a
    team change) recomputes both deadlines from ``feedback_at`` with the new team's policy and
    calendar; clocks already stopped keep their stop times. On a paused ticket the business time
    left is computed as of ``paused_at``.
    """
    assert ticket.pk is not None, "save the ticket before applying its SLA"
    now = _now(now)
    policy = sla_policy_for(organization=ticket.organization, team=ticket.team)
    ticket.sla_policy = policy
    wt = ticket_working_time(ticket, policy)
    for spec in CLOCKS:
        total = spec.total_seconds(policy)
        if total is None:
            setattr(ticket, spec.due_field, None)
            setattr(ticket, spec.remaining_field, None)
            continue
        due = add_working_seconds(wt, ticket.feedback_at, total)
        stopped_at = getattr(ticket, spec.stop_field)
        if ticket.paused_at is not None and stopped_at is None:
            setattr(ticket, spec.due_field, None)
            setattr(ticket, spec.remaining_field, signed_working_seconds(wt, ticket.paused_at, due))
        else:
            setattr(ticket, spec.due_field, due)
            setattr(ticket, spec.remaining_field, None)
    _reschedule(ticket)
    _save(ticket)


@transaction.atomic
def sla_pause(*, ticket: Ticket, now: datetime | None = None) -> None:
    """Stop the running clocks, keeping the business time left (the ticket went pending)."""
    now = _now(now)
    if ticket.paused_at is not None:
        return
    wt = ticket_working_time(ticket)
    for spec in CLOCKS:
        due = getattr(ticket, spec.due_field)
        if due is None or getattr(ticket, spec.stop_field) is not None:
            continue
        setattr(ticket, spec.remaining_field, signed_working_seconds(wt, now, due))
        setattr(ticket, spec.due_field, None)
    ticket.paused_at = now
    ticket.sla_next_check_at = None
    _save(ticket)


def _unpause(ticket: Ticket, at: datetime, wt: WorkingTime) -> None:
    for spec in CLOCKS:
        remaining = getattr(ticket, spec.remaining_field)
        if remaining is None:
            continue
        if getattr(ticket, spec.stop_field) is None:
            setattr(ticket, spec.due_field, add_working_seconds(wt, at, int(remaining)))
        setattr(ticket, spec.remaining_field, None)
    ticket.paused_at = None


@transaction.atomic
def sla_resume(*, ticket: Ticket, now: datetime | None = None) -> None:
    """Restart the paused clocks: new deadlines = now + the business time that was left."""
    now = _now(now)
    if ticket.paused_at is None:
        return
    _unpause(ticket, now, ticket_working_time(ticket))
    _reschedule(ticket)
    _save(ticket)


def _stop(ticket: Ticket, spec: _ClockSpec, at: datetime, wt: WorkingTime) -> None:
    remaining = getattr(ticket, spec.remaining_field)
    if remaining is not None:
        # Stopped while paused: the deadline as if the clock had resumed at ``at``, so that met/late
        # reads the same as the time that was left.
        setattr(ticket, spec.due_field, add_working_seconds(wt, at, int(remaining)))
        setattr(ticket, spec.remaining_field, None)
    setattr(ticket, spec.stop_field, at)


@transaction.atomic
def sla_first_contact(*, ticket: Ticket, at: datetime) -> None:
    """The first contact with the customer happened at ``at``: the first-contact clock stops."""
    if ticket.first_responded_at is not None:
        return
    _stop(ticket, CLOCKS[0], at, ticket_working_time(ticket))
    _reschedule(ticket)
    _save(ticket)


@transaction.atomic
def sla_resolved(*, ticket: Ticket, at: datetime) -> None:
    """The ticket was resolved (or closed) at ``at``: every clock stops; a paused ticket is unpaused.

    Sets ``resolved_at`` when the caller has not set it yet. An unmet first-contact clock stays unmet
    (the ticket page shows it as "stopped", or "breached" if it had run out). Safe to call on close too.
    """
    wt = ticket_working_time(ticket)
    for spec in CLOCKS:
        remaining = getattr(ticket, spec.remaining_field)
        if remaining is not None and (spec.key == SlaClock.RESOLUTION or ticket.first_responded_at is None):
            setattr(ticket, spec.due_field, add_working_seconds(wt, at, int(remaining)))
        setattr(ticket, spec.remaining_field, None)
    if ticket.resolved_at is None:
        ticket.resolved_at = at
    ticket.paused_at = None
    ticket.sla_next_check_at = None
    _save(ticket)


@transaction.atomic
def sla_reopened(*, ticket: Ticket, now: datetime | None = None) -> None:
    """A resolved or closed ticket was reopened: the resolution clock carries on where it stopped.

    The business time that was left at resolution is counted from ``now`` (a clock that was already
    late stays late by as much). Clears ``resolved_at``. An unmet first-contact clock carries on too.
    """
    now = _now(now)
    stopped = ticket.resolved_at
    if stopped is None:
        return
    wt = ticket_working_time(ticket)
    for spec in CLOCKS:
        due = getattr(ticket, spec.due_field)
        if spec.key == SlaClock.FIRST_RESPONSE and ticket.first_responded_at is not None:
            continue
        if due is not None:
            left = signed_working_seconds(wt, stopped, due)
            setattr(ticket, spec.due_field, add_working_seconds(wt, now, left))
    ticket.resolved_at = None
    ticket.paused_at = None
    ticket.first_response_remaining_seconds = None
    ticket.resolution_remaining_seconds = None
    _reschedule(ticket)
    _save(ticket)


# --- moments: warnings, breach, escalation ----------------------------------------------------------


@dataclass(frozen=True)
class Moment:
    clock: str
    kind: str
    at: datetime
    due_at: datetime


def _running(ticket: Ticket, spec: _ClockSpec) -> datetime | None:
    if ticket.paused_at is not None or getattr(ticket, spec.stop_field) is not None:
        return None
    due: datetime | None = getattr(ticket, spec.due_field)
    return due


def clock_moments(ticket: Ticket, wt: WorkingTime | None = None) -> list[Moment]:
    """Every warning, breach and escalation moment of the running clocks, raised or not, in order."""
    policy = ticket.sla_policy
    if policy is None:
        return []
    wt = wt if wt is not None else ticket_working_time(ticket, policy)
    moments: list[Moment] = []
    for spec in CLOCKS:
        due = _running(ticket, spec)
        total = spec.total_seconds(policy)
        if due is None or total is None:
            continue
        for percent in sorted(set(policy.warn_at or [])):
            if 0 < percent < 100:
                left = round(total * (100 - percent) / 100)
                moments.append(
                    Moment(spec.key, warning_kind(percent), add_working_seconds(wt, due, -left), due)
                )
        moments.append(Moment(spec.key, BREACH, due, due))
        escalate_after = int(policy.escalate_to_manager_after_hours) * 3600
        moments.append(Moment(spec.key, ESCALATION, add_working_seconds(wt, due, escalate_after), due))
    moments.sort(key=lambda m: m.at)
    return moments


def raised_notices(ticket: Ticket) -> set[tuple[str, str]]:
    return set(
        SlaNotice.all_orgs.filter(organization_id=ticket.organization_id, ticket_id=ticket.pk).values_list(
            "clock", "kind"
        )
    )


def pending_moments(ticket: Ticket) -> list[Moment]:
    raised = raised_notices(ticket) if ticket.pk is not None else set()
    return [m for m in clock_moments(ticket) if (m.clock, m.kind) not in raised]


def _reschedule(ticket: Ticket) -> None:
    pending = pending_moments(ticket)
    ticket.sla_next_check_at = pending[0].at if pending else None


@transaction.atomic
def sla_reschedule(*, ticket: Ticket) -> None:
    """Store the next warning/breach/escalation moment not raised yet (None when nothing runs)."""
    _reschedule(ticket)
    ticket.save(update_fields=["sla_next_check_at"])


# --- what the ticket page shows ---------------------------------------------------------------------


@dataclass
class ClockState:
    clock: str
    label: str | Promise
    due_at: datetime | None
    started_at: datetime
    stopped_at: datetime | None
    # "running" | "paused" | "met" | "met_late" | "breached" (running or paused past its deadline)
    # | "stopped" (the ticket was resolved before this clock was met, in time).
    state: str
    percent: int
    remaining_seconds: int
    total_seconds: int
    business_hours: bool
    warnings_raised: list[str] = field(default_factory=list)
    breached: bool = False
    escalated: bool = False


def clock_states(ticket: Ticket, now: datetime | None = None) -> list[ClockState]:
    """The ticket's clocks as the ticket page shows them (business seconds, percent of the target)."""
    now = _now(now)
    policy = ticket.sla_policy
    if policy is None:
        return []
    wt = ticket_working_time(ticket, policy)
    raised = raised_notices(ticket)
    labels = dict(SlaClock.choices)
    states: list[ClockState] = []
    for spec in CLOCKS:
        total = spec.total_seconds(policy)
        due: datetime | None = getattr(ticket, spec.due_field)
        remaining_stored = getattr(ticket, spec.remaining_field)
        stopped_at: datetime | None = getattr(ticket, spec.stop_field)
        if total is None or (due is None and remaining_stored is None):
            continue
        met = stopped_at is not None
        if stopped_at is None:
            # Resolved or closed before this clock was met: it stopped then, unmet.
            stopped_at = ticket.resolved_at or (ticket.closed_at if not ticket.is_open else None)
        if remaining_stored is not None and stopped_at is None:
            remaining = int(remaining_stored)
            state = "breached" if remaining < 0 else "paused"
        elif due is None:
            continue
        elif stopped_at is not None:
            remaining = signed_working_seconds(wt, stopped_at, due)
            if met:
                state = "met" if remaining >= 0 else "met_late"
            else:
                state = "stopped" if remaining >= 0 else "breached"
        else:
            remaining = signed_working_seconds(wt, now, due)
            state = "running" if remaining >= 0 else "breached"
        percent = max(0, round((total - remaining) * 100 / total)) if total else 100
        kinds = sorted(kind for clock, kind in raised if clock == spec.key)
        states.append(
            ClockState(
                clock=spec.key,
                label=labels[spec.key],
                due_at=due if remaining_stored is None else None,
                started_at=ticket.feedback_at,
                stopped_at=stopped_at,
                state=state,
                percent=percent,
                remaining_seconds=remaining,
                total_seconds=total,
                business_hours=policy.business_hours,
                warnings_raised=[k for k in kinds if k.startswith("warning_")],
                breached=BREACH in kinds or remaining < 0,
                escalated=ESCALATION in kinds,
            )
        )
    return states
