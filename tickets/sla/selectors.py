"""Reads of the SLA settings pages."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from accounts.models import Organization, Team
from tickets.models import BusinessCalendar, Holiday, SlaPolicy, TeamQueue


@dataclass
class PolicyVersions:
    current: SlaPolicy
    older: list[SlaPolicy] = field(default_factory=list)


def sla_policy_versions(*, organization: Organization) -> list[PolicyVersions]:
    """Each policy with its current version first and the older ones (still used by older tickets)."""
    groups: dict[str, PolicyVersions] = {}
    older: dict[str, list[SlaPolicy]] = {}
    for policy in SlaPolicy.all_orgs.filter(organization=organization).order_by("key", "-version"):
        if policy.is_current:
            groups[policy.key] = PolicyVersions(current=policy)
        else:
            older.setdefault(policy.key, []).append(policy)
    for key, versions in older.items():
        if key in groups:
            groups[key].older = versions
    return sorted(
        groups.values(), key=lambda group: (group.current.key != "default", group.current.name.casefold())
    )


def sla_policy_get(*, organization: Organization, policy_id: int) -> QuerySet[SlaPolicy]:
    return SlaPolicy.all_orgs.filter(organization=organization, pk=policy_id)


def calendar_list(*, organization: Organization) -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.all_orgs.filter(organization=organization).order_by("name")


def holiday_list(*, calendar: BusinessCalendar) -> QuerySet[Holiday]:
    return Holiday.all_orgs.filter(organization_id=calendar.organization_id, calendar=calendar).order_by(
        "date"
    )


def team_queues(*, organization: Organization) -> list[tuple[Team, TeamQueue | None]]:
    queues = {
        queue.team_id: queue
        for queue in TeamQueue.all_orgs.filter(organization=organization).select_related(
            "calendar", "escalation_manager__user"
        )
    }
    teams = Team.all_orgs.filter(organization=organization).order_by("name")
    return [(team, queues.get(team.pk)) for team in teams]
