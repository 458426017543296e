import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from accounts.models import (
    AccessGroup,
    AccessGroupMembership,
    ApiKey,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
    Team,
    TeamMembership,
    User,
)
from accounts.roles import Role
from accounts.services import audit_record, invitation_create
from tests.factories import (
    AccessGroupFactory,
    ApiKeyFactory,
    SurveyFactory,
    TeamFactory,
    TeamMembershipFactory,
    TouchpointFactory,
)

pytestmark = pytest.mark.django_db


def db_snapshot():
    """Every row a settings page could change: equal before and after a refused request."""
    return {
        "organizations": list(Organization.objects.order_by("pk").values()),
        "memberships": list(Membership.all_orgs.order_by("pk").values()),
        "invitations": list(Invitation.all_orgs.order_by("pk").values()),
        "teams": list(Team.all_orgs.order_by("pk").values()),
        "team_members": list(TeamMembership.all_orgs.order_by("pk").values()),
        "groups": list(AccessGroup.all_orgs.order_by("pk").values()),
        "group_members": list(AccessGroupMembership.all_orgs.order_by("pk").values()),
        "keys": list(ApiKey.all_orgs.order_by("pk").values()),
        "audit": AuditEvent.all_orgs.count(),
        "users": list(User.objects.order_by("pk").values("pk", "language", "timezone", "name")),
    }


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def objects(organization, owner, make_member):
    agent = make_member(organization, Role.AGENT, email="agent@acme.test", name="Agnes Agent")
    team = TeamFactory(organization=organization, name="Support")
    TeamMembershipFactory(team=team, membership=agent)
    group = AccessGroupFactory(organization=organization, name="Europe")
    key = ApiKeyFactory(organization=organization, name="CRM sync")
    invitation = invitation_create(
        organization=organization, email="new@acme.test", role=Role.AGENT, actor=owner
    ).invitation
    return SimpleNamespace(agent=agent, team=team, group=group, key=key, invitation=invitation)


def url(name, **kwargs):
    return reverse(f"accounts:{name}", kwargs={"org_slug": "acme", **kwargs})


# (url name, {kwarg: attribute path on `objects`})
PAGES = [
    ("org_settings", {}),
    ("member_list", {}),
    ("member_invite", {}),
    ("team_list", {}),
    ("team_create", {}),
    ("team_edit", {"team_id": "team"}),
    ("access_group_list", {}),
    ("access_group_create", {}),
    ("access_group_edit", {"group_id": "group"}),
    ("api_key_list", {}),
    ("api_key_create", {}),
    ("audit_log", {}),
]
ACTIONS = [
    ("org_settings", {}, {"name": "Hacked", "default_language": "en", "timezone": "UTC"}),
    ("member_invite", {}, {"email": "x@example.com", "role": "viewer"}),
    ("member_role", {"membership_id": "agent"}, {"role": "admin"}),
    ("member_away", {"membership_id": "agent"}, {"is_away": "1"}),
    ("member_remove", {"membership_id": "agent"}, {}),
    ("invitation_resend", {"invitation_id": "invitation"}, {}),
    ("invitation_revoke", {"invitation_id": "invitation"}, {}),
    ("team_create", {}, {"name": "New team"}),
    ("team_edit", {"team_id": "team"}, {"name": "Renamed"}),
    ("team_delete", {"team_id": "team"}, {}),
    ("access_group_create", {}, {"name": "New group"}),
    ("access_group_edit", {"group_id": "group"}, {"name": "Renamed"}),
    ("access_group_delete", {"group_id": "group"}, {}),
    ("api_key_create", {}, {"name": "Stolen", "scopes": ["read"]}),
    ("api_key_revoke", {"key_id": "key"}, {}),
]


def resolve(objects, name, kwargs):
    return url(name, **{key: getattr(objects, attr).pk for key, attr in kwargs.items()})


@pytest.mark.parametrize(("name", "kwargs"), PAGES, ids=[p[0] for p in PAGES])
def test_every_page_renders_for_an_owner(client_for, owner, objects, name, kwargs):
    response = client_for(owner).get(resolve(objects, name, kwargs))

    assert response.status_code == 200


@pytest.mark.parametrize(("name", "kwargs"), PAGES, ids=[p[0] for p in PAGES])
def test_an_outsider_gets_404_on_every_page(client_for, outsider, objects, name, kwargs):
    response = client_for(outsider).get(resolve(objects, name, kwargs))

    assert response.status_code == 404


@pytest.mark.parametrize(("name", "kwargs", "data"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_an_outsider_gets_404_on_every_post_and_changes_nothing(
    client_for, outsider, objects, name, kwargs, data
):
    before = db_snapshot()

    response = client_for(outsider).post(resolve(objects, name, kwargs), data)

    assert response.status_code == 404
    assert db_snapshot() == before


@pytest.mark.parametrize(("name", "kwargs", "data"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_a_viewer_gets_403_on_every_change_and_changes_nothing(
    client_for, viewer, objects, name, kwargs, data
):
    before = db_snapshot()

    response = client_for(viewer).post(resolve(objects, name, kwargs), data)

    assert response.status_code == 403
    assert db_snapshot() == before


@pytest.mark.parametrize(
    "name",
    ["org_settings", "member_invite", "team_create", "access_group_list", "api_key_list", "audit_log"],
)
def test_a_viewer_gets_403_on_admin_pages(client_for, viewer, objects, name):
    assert client_for(viewer).get(url(name)).status_code == 403


@pytest.mark.parametrize(("name", "shown"), [("member_list", b"agent@acme.test"), ("team_list", b"Support")])
def test_a_viewer_sees_members_and_teams_without_change_controls(client_for, viewer, objects, name, shown):
    response = client_for(viewer).get(url(name))

    assert response.status_code == 200
    assert shown in response.content
    assert b'method="post" action="/o/acme/settings/' not in response.content


def test_another_organisations_object_is_404_for_an_owner(client_for, owner, other_organization):
    foreign_team = TeamFactory(organization=other_organization)
    foreign_key = ApiKeyFactory(organization=other_organization)
    client = client_for(owner)
    before = db_snapshot()

    assert client.get(url("team_edit", team_id=foreign_team.pk)).status_code == 404
    assert client.post(url("team_delete", team_id=foreign_team.pk)).status_code == 404
    assert client.post(url("api_key_revoke", key_id=foreign_key.pk)).status_code == 404
    assert db_snapshot() == before


def test_anonymous_is_sent_to_sign_in(client, objects):
    response = client.get(url("member_list"))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/o/acme/settings/members/"


# --- organisation settings ---------------------------------------------------------------------------


def test_owner_updates_the_organisation_settings(client_for, owner, organization):
    response = client_for(owner).post(
        url("org_settings"),
        {"name": "Acme Corp", "default_language": "ru", "timezone": "Europe/Moscow", "retention_days": "365"},
    )

    assert response.status_code == 302
    organization.refresh_from_db()
    assert (organization.name, organization.default_language, organization.timezone) == (
        "Acme Corp",
        "ru",
        "Europe/Moscow",
    )
    assert organization.retention_days == 365
    event = AuditEvent.all_orgs.get(action="organization.updated")
    assert event.after == {
        "name": "Acme Corp",
        "default_language": "ru",
        "timezone": "Europe/Moscow",
        "retention_days": 365,
    }


def test_organisation_settings_reject_an_unknown_time_zone(client_for, owner, organization):
    before = db_snapshot()

    response = client_for(owner).post(
        url("org_settings"), {"name": "Acme", "default_language": "en", "timezone": "Mars/Olympus"}
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["timezone"]
    assert db_snapshot() == before


# --- members -----------------------------------------------------------------------------------------


def test_owner_changes_a_members_role(client_for, owner, objects):
    response = client_for(owner).post(
        url("member_role", membership_id=objects.agent.pk), {"role": "cx_manager"}
    )

    assert response.status_code == 302
    objects.agent.refresh_from_db()
    assert objects.agent.role == Role.CX_MANAGER


def test_admin_cannot_make_someone_owner(client_for, organization, make_member, objects):
    admin = make_member(organization, Role.ADMIN)

    response = client_for(admin).post(
        url("member_role", membership_id=objects.agent.pk), {"role": "owner"}, follow=True
    )

    assert response.status_code == 200
    assert messages_of(response) == ["You may not grant this role."]
    objects.agent.refresh_from_db()
    assert objects.agent.role == Role.AGENT


def test_admin_cannot_demote_an_owner(client_for, organization, make_member, owner):
    admin = make_member(organization, Role.ADMIN)

    response = client_for(admin).post(
        url("member_role", membership_id=owner.pk), {"role": "viewer"}, follow=True
    )

    assert messages_of(response) == ["Only an owner can change another owner's role."]
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_the_last_owner_cannot_be_demoted(client_for, owner):
    before = db_snapshot()

    response = client_for(owner).post(
        url("member_role", membership_id=owner.pk), {"role": "admin"}, follow=True
    )

    assert response.status_code == 200
    assert messages_of(response) == ["An organisation needs at least one owner."]
    assert db_snapshot() == before


def test_the_last_owner_cannot_be_removed(client_for, owner):
    before = db_snapshot()

    response = client_for(owner).post(url("member_remove", membership_id=owner.pk), follow=True)

    assert response.status_code == 200
    assert messages_of(response) == ["An organisation needs at least one owner."]
    assert db_snapshot() == before


def test_an_unknown_role_is_a_message_not_an_error(client_for, owner, objects):
    response = client_for(owner).post(
        url("member_role", membership_id=objects.agent.pk), {"role": "god"}, follow=True
    )

    assert messages_of(response) == ["Choose a role from the list."]
    objects.agent.refresh_from_db()
    assert objects.agent.role == Role.AGENT


def test_owner_marks_a_member_away_and_back(client_for, owner, objects):
    client = client_for(owner)

    client.post(url("member_away", membership_id=objects.agent.pk), {"is_away": "1"})
    objects.agent.refresh_from_db()
    assert objects.agent.is_away is True

    client.post(url("member_away", membership_id=objects.agent.pk), {"is_away": "0"})
    objects.agent.refresh_from_db()
    assert objects.agent.is_away is False
    assert AuditEvent.all_orgs.filter(action="member.away_changed").count() == 2


def test_owner_removes_a_member(client_for, owner, objects):
    response = client_for(owner).post(url("member_remove", membership_id=objects.agent.pk))

    assert response.status_code == 302
    assert Membership.all_orgs.filter(pk=objects.agent.pk).exists() is False
    assert TeamMembership.all_orgs.filter(team=objects.team).count() == 0


def test_member_list_shows_people_teams_and_pending_invitations_to_an_owner(client_for, owner, objects):
    response = client_for(owner).get(url("member_list"))

    content = response.content.decode()
    assert "agent@acme.test" in content
    assert "Agnes Agent" in content
    assert "Support" in content
    assert "new@acme.test" in content
    assert 'data-confirm="Remove agent@acme.test from the organisation?"' in content
    assert [m.user.email for m in response.context["members"]] == ["agent@acme.test", "owner@acme.test"]


def test_member_list_offers_only_assignable_roles_to_an_admin(
    client_for, organization, make_member, owner, objects
):
    admin = make_member(organization, Role.ADMIN)

    response = client_for(admin).get(url("member_list"))

    content = response.content.decode()
    assert f'id="role-{objects.agent.pk}"' in content
    assert f'id="role-{owner.pk}"' not in content
    assert url("member_remove", membership_id=owner.pk) not in content

    assert [value for value, _label in response.context["role_choices"]] == [
        "admin",
        "cx_manager",
        "agent",
        "viewer",
    ]


# --- teams -------------------------------------------------------------------------------------------


def test_team_create_edit_delete(client_for, owner, objects):
    client = client_for(owner)

    response = client.post(
        url("team_create"),
        {"name": "Billing", "description": "Invoices", "lead": owner.pk, "members": [objects.agent.pk]},
    )
    assert response.status_code == 302
    team = Team.all_orgs.get(name="Billing")
    assert team.lead_id == owner.pk
    assert sorted(
        TeamMembership.all_orgs.filter(team=team).values_list("membership_id", flat=True)
    ) == sorted([owner.pk, objects.agent.pk])

    response = client.post(
        url("team_edit", team_id=team.pk), {"name": "Billing EU", "lead": "", "members": []}
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.name, team.lead_id) == ("Billing EU", None)
    assert TeamMembership.all_orgs.filter(team=team).count() == 0

    response = client.post(url("team_delete", team_id=team.pk))
    assert response.status_code == 302
    assert Team.all_orgs.filter(pk=team.pk).exists() is False
    assert list(
        AuditEvent.all_orgs.filter(action__startswith="team.").order_by("pk").values_list("action", flat=True)
    ) == ["team.created", "team.updated", "team.deleted"]


def test_team_edit_page_shows_current_members(client_for, owner, objects):
    response = client_for(owner).get(url("team_edit", team_id=objects.team.pk))

    assert response.context["form"].initial["members"] == [objects.agent.pk]


def test_team_with_a_foreign_member_is_refused(client_for, owner, objects, outsider):
    before = db_snapshot()

    response = client_for(owner).post(url("team_create"), {"name": "Sneaky", "members": [outsider.pk]})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["members"]
    assert db_snapshot() == before


def test_team_with_a_foreign_lead_is_refused(client_for, owner, objects, outsider):
    before = db_snapshot()

    response = client_for(owner).post(
        url("team_edit", team_id=objects.team.pk), {"name": "X", "lead": outsider.pk}
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["lead"]
    assert db_snapshot() == before


def test_duplicate_team_name_is_a_form_error(client_for, owner, objects):
    response = client_for(owner).post(url("team_create"), {"name": "support"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"name": ["A team with this name already exists."]}


# --- access groups -----------------------------------------------------------------------------------


def test_access_group_create_edit_delete(client_for, owner, organization, objects, in_org):
    survey = SurveyFactory(organization=organization, name="Checkout CES")
    touchpoint = TouchpointFactory(organization=organization, name="Support chat")
    client = client_for(owner)

    response = client.post(
        url("access_group_create"),
        {
            "name": "Support EU",
            "members": [objects.agent.pk],
            "surveys": [survey.pk],
            "touchpoints": [touchpoint.pk],
            "teams": [objects.team.pk],
        },
    )
    assert response.status_code == 302
    group = AccessGroup.all_orgs.get(name="Support EU")
    assert list(group.group_memberships.values_list("membership_id", flat=True)) == [objects.agent.pk]
    assert list(group.surveys.values_list("pk", flat=True)) == [survey.pk]
    assert list(group.touchpoints.values_list("pk", flat=True)) == [touchpoint.pk]
    assert list(group.teams.values_list("pk", flat=True)) == [objects.team.pk]

    response = client.post(url("access_group_edit", group_id=group.pk), {"name": "Support EU", "surveys": []})
    assert response.status_code == 302
    assert group.surveys.count() == 0
    assert group.group_memberships.count() == 0

    response = client.post(url("access_group_delete", group_id=group.pk))
    assert response.status_code == 302
    assert AccessGroup.all_orgs.filter(pk=group.pk).exists() is False


def test_access_group_page_explains_what_a_group_does(client_for, owner, objects):
    response = client_for(owner).get(url("access_group_list"))

    assert b"What an access group does" in response.content


@pytest.mark.parametrize("field", ["members", "surveys", "touchpoints", "teams"])
def test_access_group_with_a_foreign_item_is_refused(
    client_for, owner, objects, other_organization, outsider, field
):
    foreign = {
        "members": outsider.pk,
        "surveys": SurveyFactory(organization=other_organization).pk,
        "touchpoints": TouchpointFactory(organization=other_organization).pk,
        "teams": TeamFactory(organization=other_organization).pk,
    }
    before = db_snapshot()

    response = client_for(owner).post(url("access_group_create"), {"name": "Sneaky", field: [foreign[field]]})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert db_snapshot() == before


# --- API keys ----------------------------------------------------------------------------------------


def test_api_key_secret_is_shown_once_and_works_until_revoked(client, client_for, owner, objects):
    browser = client_for(owner)

    response = browser.post(url("api_key_create"), {"name": "Warehouse", "scopes": ["read", "write"]})

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    secrets_shown = re.findall(r"cx_sk_[A-Za-z0-9_-]+", response.content.decode())
    secret = secrets_shown[0]
    assert set(secrets_shown) == {secret}
    assert b"It will not be shown again." in response.content
    assert b'data-copy="#api-key-secret"' in response.content
    assert f'curl -H "Authorization: Bearer {secret}" http://localhost:8000/api/v1/me'.encode() in (
        response.content
    )
    key = ApiKey.all_orgs.get(name="Warehouse")
    assert key.scopes == ["read", "write"]

    assert secret.encode() not in browser.get(url("api_key_list")).content

    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert me.status_code == 200
    assert me.json() == {
        "organization": "acme",
        "key_name": "Warehouse",
        "key_prefix": key.prefix,
        "scopes": ["read", "write"],
    }

    assert browser.post(url("api_key_revoke", key_id=key.pk)).status_code == 302

    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert me.status_code == 401
    assert me.json() == {"detail": "This secret key has been revoked.", "errors": {}}


def test_api_key_without_scopes_is_a_form_error(client_for, owner, objects):
    before = db_snapshot()

    response = client_for(owner).post(url("api_key_create"), {"name": "Nothing"})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["scopes"]
    assert db_snapshot() == before


def test_revoking_twice_is_a_message(client_for, owner, objects):
    client = client_for(owner)
    first = client.post(url("api_key_revoke", key_id=objects.key.pk), follow=True)
    assert messages_of(first) == ["The key “CRM sync” is revoked."]

    response = client.post(url("api_key_revoke", key_id=objects.key.pk), follow=True)

    assert messages_of(response) == ["This key is already revoked."]


# --- audit log ---------------------------------------------------------------------------------------


def test_audit_log_escapes_values_and_shows_before_and_after(client_for, owner, organization):
    audit_record(
        organization=organization,
        actor=owner.user,
        action="team.updated",
        before={"name": "<script>alert(1)</script>"},
        after={"name": "Safe", "members": [1, 2]},
    )

    response = client_for(owner).get(url("audit_log"))

    content = response.content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    row = response.context["rows"][0]
    assert row.action_label == "Team changed"
    assert [(c.field, c.before, c.after) for c in row.changes] == [
        ("members", "—", "[1, 2]"),
        ("name", "<script>alert(1)</script>", "Safe"),
    ]


def test_audit_log_is_in_the_viewers_time_zone(client_for, owner, organization):
    User.objects.filter(pk=owner.user.pk).update(timezone="Asia/Jakarta")
    event = audit_record(organization=organization, actor=owner.user, action="organization.updated")
    AuditEvent.all_orgs.filter(pk=event.pk).update(created_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))

    response = client_for(owner).get(url("audit_log"))

    assert '<time datetime="2024-01-01T07:00:00+07:00">01/01/2024 7 a.m.</time>' in response.content.decode()


def test_audit_log_pages_by_fifty(client_for, owner, organization):
    for _ in range(51):
        audit_record(organization=organization, actor=owner.user, action="team.created")

    client = client_for(owner)
    first = client.get(url("audit_log"))
    second = client.get(url("audit_log") + "?page=2")

    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 1
    assert client.get(url("audit_log") + "?page=9").status_code == 404


# --- preferences and the language switch -------------------------------------------------------------


def test_language_set_persists_for_a_signed_in_user(client_for, owner):
    response = client_for(owner).post(
        reverse("language_set"), {"language": "ru", "next": "/o/acme/settings/members/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/o/acme/settings/members/"
    assert response.cookies["django_language"].value == "ru"
    owner.user.refresh_from_db()
    assert owner.user.language == "ru"


def test_language_set_works_anonymously_with_a_cookie(client):
    response = client.post(reverse("language_set"), {"language": "id", "next": "/accounts/login/"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response.cookies["django_language"].value == "id"


def test_language_set_rejects_an_unknown_language(client_for, owner):
    before = db_snapshot()

    response = client_for(owner).post(reverse("language_set"), {"language": "xx", "next": "/"})

    assert response.status_code == 400
    assert "django_language" not in response.cookies
    assert db_snapshot() == before


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_language_set_ignores_an_unsafe_next(client_for, owner, next_url):
    response = client_for(owner).post(reverse("language_set"), {"language": "zh-hans", "next": next_url})

    assert response.status_code == 302
    assert response["Location"] == "/"
    owner.user.refresh_from_db()
    assert owner.user.language == "zh-hans"


def test_preferences_save_language_and_time_zone(client_for, owner):
    response = client_for(owner).post(
        reverse("user_preferences"), {"name": "Olga", "language": "ru", "timezone": "Asia/Jakarta"}
    )

    assert response.status_code == 302
    owner.user.refresh_from_db()
    assert (owner.user.name, owner.user.language, owner.user.timezone) == ("Olga", "ru", "Asia/Jakarta")


def test_preferences_page_lists_the_users_organisations(client_for, owner, other_organization, make_member):
    make_member(other_organization, Role.VIEWER, email=owner.user.email)

    response = client_for(owner).get(reverse("user_preferences"))

    assert response.status_code == 200
    assert b'href="/o/acme/"' in response.content
    assert b'href="/o/globex/"' in response.content


def test_organisation_switch_goes_to_a_member_organisation_only(
    client_for, owner, other_organization, make_member
):
    client = client_for(owner)

    assert client.post(reverse("organization_switch"), {"organization": "globex"}).status_code == 404

    make_member(other_organization, Role.VIEWER, email=owner.user.email)
    response = client.post(reverse("organization_switch"), {"organization": "globex"})
    assert response["Location"] == "/o/globex/"
    owner.user.refresh_from_db()
    assert owner.user.last_organization_id == other_organization.pk
