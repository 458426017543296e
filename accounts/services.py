"""Every write about organisations and people. Keyword-only, atomic, audited."""

from __future__ import annotations

import functools
import hashlib
import secrets
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import (
    AccessGroup,
    AccessGroupMembership,
    ApiKey,
    ApiKeyScope,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    Team,
    TeamMembership,
    User,
)
from accounts.roles import ASSIGNABLE_ROLES, Role
from core.tenancy import organization_context

INVITATION_TTL = timedelta(days=7)


# --- audit -------------------------------------------------------------------------------------------


def audit_record(
    *,
    organization: Organization,
    actor: User | None,
    action: str,
    target: Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.all_orgs.create(
        organization=organization,
        actor=actor,
        actor_label=actor.email if actor is not None else "system",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:254] if target is not None else "",
        before=before,
        after=after,
    )


# --- organisations -----------------------------------------------------------------------------------


@functools.cache
def _known_timezones() -> frozenset[str]:
    # Listing the zones walks the tz database on disk (~50 ms): once per process is enough.
    return frozenset(zoneinfo.available_timezones())


def _check_timezone(timezone_name: str) -> None:
    # The model column is free text; an unknown zone would only fail later, when a page activates it.
    if timezone_name not in _known_timezones():
        raise ValidationError({"timezone": _("Choose a time zone from the list.")})


def _check_language(language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose a language from the list.")})


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    slug = base
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(2)}"
    return slug


@transaction.atomic
def organization_create(*, name: str, owner: User, slug: str | None = None) -> Organization:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the organisation a name.")})
    organization = Organization.objects.create(
        name=name, slug=slug or _unique_slug(name), default_language=owner.language, timezone=owner.timezone
    )
    membership = Membership.all_orgs.create(organization=organization, user=owner, role=Role.OWNER)
    owner.last_organization = organization
    owner.save(update_fields=["last_organization"])
    audit_record(
        organization=organization,
        actor=owner,
        action="organization.created",
        target=organization,
        after={"name": name, "owner": owner.email, "membership": membership.pk},
    )
    return organization


@transaction.atomic
def organization_update(
    *,
    organization: Organization,
    actor: User,
    name: str,
    default_language: str,
    timezone_name: str,
    retention_days: int | None,
) -> Organization:
    fields = ("name", "default_language", "timezone", "retention_days")
    _check_timezone(timezone_name)
    before = {f: getattr(organization, f) for f in fields}
    organization.name = name.strip()
    organization.default_language = default_language
    organization.timezone = timezone_name
    organization.retention_days = retention_days
    organization.full_clean()
    organization.save(update_fields=list(fields))
    after = {f: getattr(organization, f) for f in fields}
    if before != after:
        audit_record(
            organization=organization,
            actor=actor,
            action="organization.updated",
            target=organization,
            before=before,
            after=after,
        )
    return organization


def user_switch_organization(*, user: User, organization: Organization) -> None:
    if not Membership.all_orgs.filter(organization=organization, user=user).exists():
        raise ValidationError(_("You are not a member of this organisation."))
    User.objects.filter(pk=user.pk).update(last_organization=organization)
    user.last_organization = organization


@transaction.atomic
def user_update_preferences(*, user: User, name: str, language: str, timezone_name: str) -> User:
    _check_language(language)
    _check_timezone(timezone_name)
    user.name = name.strip()
    user.language = language
    user.timezone = timezone_name
    user.full_clean(exclude=["password", "email"])
    user.save(update_fields=["name", "language", "timezone"])
    return user


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """The language switcher: remembered on the account so that it follows the person across devices."""
    _check_language(language)
    user.language = language
    user.save(update_fields=["language"])
    return user


# --- members -----------------------------------------------------------------------------------------


def _check_may_assign(*, actor_role: str, role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role from the list.")})
    allowed = ASSIGNABLE_ROLES.get(Role(actor_role), frozenset())
    if Role(role) not in allowed:
        raise ValidationError({"role": _("You may not grant this role.")})


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, actor: Membership) -> Membership:
    # Lock the organisation's owner rows so that two admins cannot demote the last two owners at once.
    owners = list(
        Membership.all_orgs.select_for_update()
        .filter(organization_id=membership.organization_id, role=Role.OWNER)
        .values_list("pk", flat=True)
    )
    _check_may_assign(actor_role=actor.role, role=role)
    if membership.role == Role.OWNER and actor.role != Role.OWNER:
        raise ValidationError({"role": _("Only an owner can change another owner's role.")})
    if membership.role == Role.OWNER and role != Role.OWNER and owners == [membership.pk]:
        raise ValidationError({"role": _("An organisation needs at least one owner.")})
    before = {"role": membership.role}
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        organization=membership.organization,
        actor=actor.user,
        action="member.role_changed",
        target=membership,
        before=before,
        after={"role": role},
    )
    return membership


@transaction.atomic
def membership_set_away(*, membership: Membership, is_away: bool, actor: Membership) -> Membership:
    before = {"is_away": membership.is_away}
    membership.is_away = is_away
    membership.save(update_fields=["is_away"])
    audit_record(
        organization=membership.organization,
        actor=actor.user,
        action="member.away_changed",
        target=membership,
        before=before,
        after={"is_away": is_away},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: Membership) -> None:
    owners = list(
        Membership.all_orgs.select_for_update()
        .filter(organization_id=membership.organization_id, role=Role.OWNER)
        .values_list("pk", flat=True)
    )
    if membership.role == Role.OWNER and actor.role != Role.OWNER:
        raise ValidationError(_("Only an owner can remove another owner."))
    if membership.role == Role.OWNER and owners == [membership.pk]:
        raise ValidationError(_("An organisation needs at least one owner."))
    organization = membership.organization
    user = membership.user
    audit_record(
        organization=organization,
        actor=actor.user,
        action="member.removed",
        target=membership,
        before={"email": user.email, "role": membership.role},
    )
    Team.all_orgs.filter(organization=organization, lead=membership).update(lead=None)
    membership.delete()
    if user.last_organization_id == organization.pk:
        User.objects.filter(pk=user.pk).update(last_organization=None)


# --- invitations -------------------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str  # shown only in the email; only its hash is stored


@transaction.atomic
def invitation_create(
    *, organization: Organization, email: str, role: str, actor: Membership
) -> IssuedInvitation:
    email = email.strip().lower()
    _check_may_assign(actor_role=actor.role, role=role)
    if Membership.all_orgs.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member.")})
    now = timezone.now()
    # Inviting again replaces a pending invitation: the old link stops working.
    Invitation.all_orgs.filter(
        organization=organization, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.all_orgs.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=_hash_token(token),
        invited_by=actor.user,
        expires_at=now + INVITATION_TTL,
    )
    audit_record(
        organization=organization,
        actor=actor.user,
        action="invitation.created",
        target=invitation,
        after={"email": email, "role": role},
    )
    return IssuedInvitation(invitation=invitation, token=token)


def invitation_get_by_token(*, token: str) -> Invitation | None:
    # Invitations are opened from an email link before any organisation is in context.
    return (
        Invitation.all_orgs.select_related("organization", "invited_by")
        .filter(token_hash=_hash_token(token))
        .first()
    )


class InvitationError(ValidationError):
    """Why an invitation cannot be used. ``code`` is one of: invalid, revoked, used, expired,
    wrong_email, already_member (pages map it to a status code)."""


def invitation_check(*, invitation: Invitation | None, user: User | None = None) -> Invitation:
    """Raise ``InvitationError`` when the invitation cannot be accepted (by ``user``, when given)."""
    if invitation is None:
        raise InvitationError(_("This invitation link is not valid."), code="invalid")
    if invitation.revoked_at is not None:
        raise InvitationError(_("This invitation was withdrawn. Ask for a new one."), code="revoked")
    if invitation.accepted_at is not None:
        raise InvitationError(_("This invitation has already been used."), code="used")
    if invitation.expires_at <= timezone.now():
        raise InvitationError(_("This invitation has expired. Ask for a new one."), code="expired")
    if user is not None and invitation.email.lower() != user.email.lower():
        raise InvitationError(_("This invitation was sent to another email address."), code="wrong_email")
    if (
        user is not None
        and Membership.all_orgs.filter(organization_id=invitation.organization_id, user=user).exists()
    ):
        raise InvitationError(_("You are already a member of this organisation."), code="already_member")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    invitation = invitation_check(
        invitation=Invitation.all_orgs.select_for_update()
        .select_related("organization")
        .filter(token_hash=_hash_token(token))
        .first(),
        user=user,
    )
    organization = invitation.organization
    try:
        with transaction.atomic():
            membership = Membership.all_orgs.create(
                organization=organization, user=user, role=invitation.role
            )
    except IntegrityError:
        raise InvitationError(
            _("You are already a member of this organisation."), code="already_member"
        ) from None
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    User.objects.filter(pk=user.pk).update(last_organization=organization)
    audit_record(
        organization=organization,
        actor=user,
        action="invitation.accepted",
        target=membership,
        after={"email": user.email, "role": invitation.role},
    )
    return membership


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor: Membership) -> IssuedInvitation:
    """A fresh link for the same person and role; the previous link stops working."""
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been accepted."))
    return invitation_create(
        organization=invitation.organization, email=invitation.email, role=invitation.role, actor=actor
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: Membership) -> None:
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise ValidationError(_("Only a pending invitation can be withdrawn."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        organization=invitation.organization,
        actor=actor.user,
        action="invitation.revoked",
        target=invitation,
        before={"email": invitation.email},
    )


# --- teams -------------------------------------------------------------------------------------------


def _members_of(organization: Organization, membership_ids: Iterable[int]) -> list[Membership]:
    wanted = set(membership_ids)
    found = list(Membership.all_orgs.filter(organization=organization, pk__in=wanted))
    if len(found) != len(wanted):
        raise ValidationError(
            {"members": _("Some of the chosen people are not members of this organisation.")}
        )
    return found


def _team_snapshot(team: Team) -> dict[str, Any]:
    return {
        "name": team.name,
        "lead": team.lead_id,
        "members": sorted(TeamMembership.all_orgs.filter(team=team).values_list("membership_id", flat=True)),
    }


@transaction.atomic
def team_save(
    *,
    organization: Organization,
    actor: Membership,
    name: str,
    description: str = "",
    lead_id: int | None,
    member_ids: Iterable[int],
    team: Team | None = None,
) -> Team:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the team a name.")})
    members = _members_of(organization, member_ids)
    if lead_id is not None:
        _members_of(organization, [lead_id])
    duplicate = Team.all_orgs.filter(organization=organization, name__iexact=name)
    if team is not None:
        duplicate = duplicate.exclude(pk=team.pk)
    if duplicate.exists():
        raise ValidationError({"name": _("A team with this name already exists.")})
    before = _team_snapshot(team) if team is not None else None
    if team is None:
        team = Team.all_orgs.create(
            organization=organization, name=name, description=description, lead_id=lead_id
        )
    else:
        team.name, team.description, team.lead_id = name, description, lead_id
        team.save(update_fields=["name", "description", "lead"])
    wanted = {m.pk for m in members} | ({lead_id} if lead_id else set())
    TeamMembership.all_orgs.filter(team=team).exclude(membership_id__in=wanted).delete()
    existing = set(TeamMembership.all_orgs.filter(team=team).values_list("membership_id", flat=True))
    TeamMembership.all_orgs.bulk_create(
        [TeamMembership(organization=organization, team=team, membership_id=pk) for pk in wanted - existing]
    )
    audit_record(
        organization=organization,
        actor=actor.user,
        action="team.created" if before is None else "team.updated",
        target=team,
        before=before,
        after=_team_snapshot(team),
    )
    return team


@transaction.atomic
def team_delete(*, team: Team, actor: Membership) -> None:
    audit_record(
        organization=team.organization,
        actor=actor.user,
        action="team.deleted",
        target=team,
        before=_team_snapshot(team),
    )
    team.delete()


# --- access groups -----------------------------------------------------------------------------------


def _same_org_ids(
    model: type[Model], organization: Organization, ids: Iterable[int], field: str
) -> list[int]:
    wanted = set(ids)
    found = set(
        model._base_manager.filter(organization=organization, pk__in=wanted).values_list("pk", flat=True)
    )
    if found != wanted:
        raise ValidationError({field: _("Some of the chosen items do not belong to this organisation.")})
    return sorted(found)


def _access_group_snapshot(group: AccessGroup) -> dict[str, Any]:
    return {
        "name": group.name,
        "members": sorted(
            AccessGroupMembership.all_orgs.filter(access_group=group).values_list("membership_id", flat=True)
        ),
        # Read the link tables directly: they are plain rows, usable with or without a tenancy context.
        "surveys": sorted(
            AccessGroup.surveys.through.objects.filter(accessgroup=group).values_list("survey_id", flat=True)
        ),
        "touchpoints": sorted(
            AccessGroup.touchpoints.through.objects.filter(accessgroup=group).values_list(
                "touchpoint_id", flat=True
            )
        ),
        "teams": sorted(
            AccessGroup.teams.through.objects.filter(accessgroup=group).values_list("team_id", flat=True)
        ),
    }


@transaction.atomic
def access_group_save(
    *,
    organization: Organization,
    actor: Membership,
    name: str,
    description: str = "",
    member_ids: Iterable[int],
    survey_ids: Iterable[int],
    touchpoint_ids: Iterable[int],
    team_ids: Iterable[int],
    group: AccessGroup | None = None,
) -> AccessGroup:
    from surveys.models import Survey, Touchpoint

    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the access group a name.")})
    members = _members_of(organization, member_ids)
    surveys = _same_org_ids(Survey, organization, survey_ids, "surveys")
    touchpoints = _same_org_ids(Touchpoint, organization, touchpoint_ids, "touchpoints")
    teams = _same_org_ids(Team, organization, team_ids, "teams")
    duplicate = AccessGroup.all_orgs.filter(organization=organization, name__iexact=name)
    if group is not None:
        duplicate = duplicate.exclude(pk=group.pk)
    if duplicate.exists():
        raise ValidationError({"name": _("An access group with this name already exists.")})
    before = _access_group_snapshot(group) if group is not None else None
    if group is None:
        group = AccessGroup.all_orgs.create(organization=organization, name=name, description=description)
    else:
        group.name, group.description = name, description
        group.save(update_fields=["name", "description"])
    # Related managers go through the scoped default managers; the ids were checked above.
    with organization_context(organization):
        group.surveys.set(surveys)
        group.touchpoints.set(touchpoints)
        group.teams.set(teams)
    AccessGroupMembership.all_orgs.filter(access_group=group).delete()
    AccessGroupMembership.all_orgs.bulk_create(
        [AccessGroupMembership(organization=organization, access_group=group, membership=m) for m in members]
    )
    audit_record(
        organization=organization,
        actor=actor.user,
        action="access_group.created" if before is None else "access_group.updated",
        target=group,
        before=before,
        after=_access_group_snapshot(group),
    )
    return group


@transaction.atomic
def access_group_delete(*, group: AccessGroup, actor: Membership) -> None:
    audit_record(
        organization=group.organization,
        actor=actor.user,
        action="access_group.deleted",
        target=group,
        before=_access_group_snapshot(group),
    )
    group.delete()


# --- API keys ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedApiKey:
    key: ApiKey
    secret: str  # shown once, never stored


@transaction.atomic
def api_key_create(
    *, organization: Organization, actor: Membership, name: str, scopes: Iterable[str]
) -> IssuedApiKey:
    from core.authentication import SECRET_KEY_PREFIX, hash_secret

    name = name.strip()
    scopes = sorted(set(scopes))
    if not name:
        raise ValidationError({"name": _("Give the key a name so you can recognise it later.")})
    if not scopes or not set(scopes) <= set(ApiKeyScope.values):
        raise ValidationError({"scopes": _("Choose read, write or both.")})
    prefix = secrets.token_hex(4)
    secret = f"{SECRET_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.all_orgs.create(
        organization=organization,
        name=name,
        prefix=prefix,
        secret_hash=hash_secret(secret),
        scopes=scopes,
        created_by=actor.user,
    )
    audit_record(
        organization=organization,
        actor=actor.user,
        action="api_key.created",
        target=key,
        after={"name": name, "scopes": scopes, "prefix": prefix},
    )
    return IssuedApiKey(key=key, secret=secret)


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: Membership) -> ApiKey:
    updated = ApiKey.all_orgs.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if not updated:
        raise ValidationError(_("This key is already revoked."))
    key.refresh_from_db()
    audit_record(
        organization=key.organization,
        actor=actor.user,
        action="api_key.revoked",
        target=key,
        before={"revoked": False},
        after={"revoked": True},
    )
    return key
