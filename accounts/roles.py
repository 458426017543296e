"""What each role may do: the one table, mirrored in docs/roles.md (a test keeps them equal)."""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    CX_MANAGER = "cx_manager", _("CX manager")
    AGENT = "agent", _("Agent")
    VIEWER = "viewer", _("Viewer")


class Perm(StrEnum):
    ORG_MANAGE = "org.manage"
    ORG_DELETE = "org.delete"
    MEMBERS_MANAGE = "members.manage"
    TEAMS_MANAGE = "teams.manage"
    ACCESS_GROUPS_MANAGE = "access_groups.manage"
    API_KEYS_MANAGE = "api_keys.manage"
    SITES_MANAGE = "sites.manage"
    AUDIT_VIEW = "audit.view"
    SURVEYS_VIEW = "surveys.view"
    SURVEYS_EDIT = "surveys.edit"
    RESPONSES_VIEW = "responses.view"
    RESPONSES_EXPORT = "responses.export"
    ALERTS_MANAGE = "alerts.manage"
    TICKETS_VIEW = "tickets.view"
    TICKETS_WORK = "tickets.work"
    DASHBOARDS_VIEW = "dashboards.view"
    DASHBOARDS_EDIT = "dashboards.edit"


_ALL = frozenset(Role)
_MANAGERS = frozenset({Role.OWNER, Role.ADMIN, Role.CX_MANAGER})
_ADMINS = frozenset({Role.OWNER, Role.ADMIN})

PERMISSIONS: dict[Perm, frozenset[Role]] = {
    Perm.ORG_MANAGE: _ADMINS,
    Perm.ORG_DELETE: frozenset({Role.OWNER}),
    Perm.MEMBERS_MANAGE: _ADMINS,
    Perm.TEAMS_MANAGE: _ADMINS,
    Perm.ACCESS_GROUPS_MANAGE: _ADMINS,
    Perm.API_KEYS_MANAGE: _ADMINS,
    Perm.SITES_MANAGE: _MANAGERS,
    Perm.AUDIT_VIEW: _ADMINS,
    Perm.SURVEYS_VIEW: _ALL,
    Perm.SURVEYS_EDIT: _MANAGERS,
    Perm.RESPONSES_VIEW: _ALL,
    Perm.RESPONSES_EXPORT: _MANAGERS,
    Perm.ALERTS_MANAGE: _MANAGERS,
    Perm.TICKETS_VIEW: _ALL,
    Perm.TICKETS_WORK: frozenset({Role.OWNER, Role.ADMIN, Role.CX_MANAGER, Role.AGENT}),
    Perm.DASHBOARDS_VIEW: _ALL,
    Perm.DASHBOARDS_EDIT: _MANAGERS,
}

PERMISSION_LABELS: dict[Perm, str | Promise] = {
    Perm.ORG_MANAGE: _("Change organisation settings"),
    Perm.ORG_DELETE: _("Delete the organisation"),
    Perm.MEMBERS_MANAGE: _("Invite and manage members"),
    Perm.TEAMS_MANAGE: _("Manage teams"),
    Perm.ACCESS_GROUPS_MANAGE: _("Manage access groups"),
    Perm.API_KEYS_MANAGE: _("Manage API keys"),
    Perm.SITES_MANAGE: _("Manage websites and publishable keys"),
    Perm.AUDIT_VIEW: _("Read the audit log"),
    Perm.SURVEYS_VIEW: _("See surveys"),
    Perm.SURVEYS_EDIT: _("Build and publish surveys"),
    Perm.RESPONSES_VIEW: _("Read responses"),
    Perm.RESPONSES_EXPORT: _("Export responses"),
    Perm.ALERTS_MANAGE: _("Manage alert and routing rules"),
    Perm.TICKETS_VIEW: _("See tickets"),
    Perm.TICKETS_WORK: _("Work tickets"),
    Perm.DASHBOARDS_VIEW: _("Read dashboards"),
    Perm.DASHBOARDS_EDIT: _("Build dashboards"),
}

# Roles that are never limited by access groups.
UNRESTRICTED_ROLES = _ADMINS
# An admin may grant any role except owner; only owners create or demote owners.
ASSIGNABLE_ROLES: dict[Role, frozenset[Role]] = {
    Role.OWNER: _ALL,
    Role.ADMIN: _ALL - {Role.OWNER},
}


def role_has(role: str, perm: Perm) -> bool:
    return Role(role) in PERMISSIONS[perm]
