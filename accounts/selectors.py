"""Reads about organisations and people. Tenant reads take the organisation first."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from accounts.models import (
    AccessGroup,
    ApiKey,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    Team,
    User,
)
from accounts.roles import UNRESTRICTED_ROLES, Role


def memberships_of_user(*, user: User) -> QuerySet[Membership]:
    # A user's memberships span organisations by definition: the explicit unscoped manager.
    return Membership.all_orgs.filter(user=user).select_related("organization").order_by("organization__name")


def member_list(*, organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.all_orgs.filter(organization=organization)
        .select_related("user")
        # Explicit unscoped prefetches: this selector is also used outside a request (seeding, tasks).
        .prefetch_related(
            Prefetch("teams", queryset=Team.all_orgs.filter(organization=organization)),
            Prefetch("access_groups", queryset=AccessGroup.all_orgs.filter(organization=organization)),
        )
        .order_by("user__email")
    )


def membership_get(*, organization: Organization, membership_id: int) -> Membership:
    return Membership.all_orgs.select_related("user").get(organization=organization, pk=membership_id)


def owner_count(*, organization: Organization) -> int:
    return Membership.all_orgs.filter(organization=organization, role=Role.OWNER).count()


def invitation_list_pending(*, organization: Organization) -> QuerySet[Invitation]:
    return (
        Invitation.all_orgs.filter(
            organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
        )
        .select_related("invited_by")
        .order_by("-created_at")
    )


def team_list(*, organization: Organization) -> QuerySet[Team]:
    return (
        Team.all_orgs.filter(organization=organization)
        .select_related("lead__user")
        .annotate(member_count=Count("team_memberships"))
        .order_by("name")
    )


def access_group_list(*, organization: Organization) -> QuerySet[AccessGroup]:
    return (
        AccessGroup.all_orgs.filter(organization=organization)
        .annotate(member_count=Count("group_memberships", distinct=True))
        .prefetch_related(*_scope_prefetches(organization.pk))
        .order_by("name")
    )


def api_key_list(*, organization: Organization) -> QuerySet[ApiKey]:
    return (
        ApiKey.all_orgs.filter(organization=organization).select_related("created_by").order_by("-created_at")
    )


def audit_event_list(*, organization: Organization) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.all_orgs.filter(organization=organization).select_related("actor").order_by("-created_at")
    )


def _scope_prefetches(organization_id: int) -> list[Prefetch[Any]]:
    from surveys.models import Survey, Touchpoint

    return [
        Prefetch("surveys", queryset=Survey.all_orgs.filter(organization_id=organization_id)),
        Prefetch("touchpoints", queryset=Touchpoint.all_orgs.filter(organization_id=organization_id)),
        Prefetch("teams", queryset=Team.all_orgs.filter(organization_id=organization_id)),
    ]


@dataclass(frozen=True)
class AccessScope:
    """What a member may see. ``unrestricted`` members see everything in their organisation.

    A restricted member sees a survey when it is listed in one of their access groups or belongs to a
    listed touchpoint, and a team's tickets when the team is listed. Later features filter every list,
    number, export and API answer through this one object.
    """

    unrestricted: bool
    survey_ids: frozenset[int] = field(default_factory=frozenset)
    touchpoint_ids: frozenset[int] = field(default_factory=frozenset)
    team_ids: frozenset[int] = field(default_factory=frozenset)


def access_scope_for(*, membership: Membership) -> AccessScope:
    if membership.role in UNRESTRICTED_ROLES:
        return AccessScope(unrestricted=True)
    groups = list(
        AccessGroup.all_orgs.filter(
            organization_id=membership.organization_id, group_memberships__membership=membership
        ).prefetch_related(*_scope_prefetches(membership.organization_id))
    )
    if not groups:
        return AccessScope(unrestricted=True)
    return AccessScope(
        unrestricted=False,
        survey_ids=frozenset(s.pk for g in groups for s in g.surveys.all()),
        touchpoint_ids=frozenset(t.pk for g in groups for t in g.touchpoints.all()),
        team_ids=frozenset(t.pk for g in groups for t in g.teams.all()),
    )
