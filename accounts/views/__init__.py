"""Organisation settings and account pages, one module per noun."""

from accounts.views.access_groups import AccessGroupDeleteView, AccessGroupFormView, AccessGroupListView
from accounts.views.api_keys import ApiKeyCreateView, ApiKeyListView, ApiKeyRevokeView
from accounts.views.audit import AuditLogView
from accounts.views.invitations import InvitationAcceptView
from accounts.views.members import (
    InvitationResendView,
    InvitationRevokeView,
    MemberAwayView,
    MemberInviteView,
    MemberListView,
    MemberRemoveView,
    MemberRoleView,
)
from accounts.views.organization import OrgSettingsView
from accounts.views.teams import TeamDeleteView, TeamFormView, TeamListView
from accounts.views.user import (
    HomeView,
    LanguageSetView,
    OrganizationCreateView,
    OrganizationSwitchView,
    PreferencesView,
)

__all__ = [
    "AccessGroupDeleteView",
    "AccessGroupFormView",
    "AccessGroupListView",
    "ApiKeyCreateView",
    "ApiKeyListView",
    "ApiKeyRevokeView",
    "AuditLogView",
    "HomeView",
    "InvitationAcceptView",
    "InvitationResendView",
    "InvitationRevokeView",
    "LanguageSetView",
    "MemberAwayView",
    "MemberInviteView",
    "MemberListView",
    "MemberRemoveView",
    "MemberRoleView",
    "OrgSettingsView",
    "OrganizationCreateView",
    "OrganizationSwitchView",
    "PreferencesView",
    "TeamDeleteView",
    "TeamFormView",
    "TeamListView",
]
