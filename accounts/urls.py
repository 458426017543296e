"""Organisation settings pages: ``/o/<org_slug>/settings/...``."""

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("settings/organization/", views.OrgSettingsView.as_view(), name="org_settings"),
    # members and invitations
    path("settings/members/", views.MemberListView.as_view(), name="member_list"),
    path("settings/members/invite/", views.MemberInviteView.as_view(), name="member_invite"),
    path("settings/members/<int:membership_id>/role/", views.MemberRoleView.as_view(), name="member_role"),
    path("settings/members/<int:membership_id>/away/", views.MemberAwayView.as_view(), name="member_away"),
    path(
        "settings/members/<int:membership_id>/remove/", views.MemberRemoveView.as_view(), name="member_remove"
    ),
    path(
        "settings/invitations/<int:invitation_id>/resend/",
        views.InvitationResendView.as_view(),
        name="invitation_resend",
    ),
    path(
        "settings/invitations/<int:invitation_id>/withdraw/",
        views.InvitationRevokeView.as_view(),
        name="invitation_revoke",
    ),
    # teams
    path("settings/teams/", views.TeamListView.as_view(), name="team_list"),
    path("settings/teams/new/", views.TeamFormView.as_view(), name="team_create"),
    path("settings/teams/<int:team_id>/", views.TeamFormView.as_view(), name="team_edit"),
    path("settings/teams/<int:team_id>/delete/", views.TeamDeleteView.as_view(), name="team_delete"),
    # access groups
    path("settings/access-groups/", views.AccessGroupListView.as_view(), name="access_group_list"),
    path("settings/access-groups/new/", views.AccessGroupFormView.as_view(), name="access_group_create"),
    path(
        "settings/access-groups/<int:group_id>/",
        views.AccessGroupFormView.as_view(),
        name="access_group_edit",
    ),
    path(
        "settings/access-groups/<int:group_id>/delete/",
        views.AccessGroupDeleteView.as_view(),
        name="access_group_delete",
    ),
    # API keys
    path("settings/api-keys/", views.ApiKeyListView.as_view(), name="api_key_list"),
    path("settings/api-keys/new/", views.ApiKeyCreateView.as_view(), name="api_key_create"),
    path("settings/api-keys/<int:key_id>/revoke/", views.ApiKeyRevokeView.as_view(), name="api_key_revoke"),
    # audit log
    path("settings/audit-log/", views.AuditLogView.as_view(), name="audit_log"),
]
