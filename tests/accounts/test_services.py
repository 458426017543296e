import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Invitation, Membership, Organization
from accounts.roles import Role
from accounts.services import (
    InvitationError,
    invitation_accept,
    invitation_check,
    invitation_create,
    invitation_get_by_token,
    invitation_resend,
    membership_change_role,
    organization_update,
    user_set_language,
    user_update_preferences,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(organization, owner):
    return invitation_create(organization=organization, email="new@example.com", role=Role.AGENT, actor=owner)


def code_of(invitation, user=None):
    with pytest.raises(InvitationError) as caught:
        invitation_check(invitation=invitation, user=user)
    return caught.value.code


def test_invitation_check_names_each_problem(issued, organization, owner):
    invitation = issued.invitation
    newcomer = UserFactory(email="new@example.com")

    assert invitation_check(invitation=invitation, user=newcomer) == invitation
    assert code_of(None) == "invalid"
    assert code_of(invitation, UserFactory(email="other@example.com")) == "wrong_email"
    assert code_of(invitation, owner.user) == "wrong_email"
    Invitation.all_orgs.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    invitation.refresh_from_db()
    assert code_of(invitation) == "expired"
    Invitation.all_orgs.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    invitation.refresh_from_db()
    assert code_of(invitation) == "revoked"


def test_invitation_accept_twice_is_used(issued):
    newcomer = UserFactory(email="new@example.com")
    invitation_accept(token=issued.token, user=newcomer)

    with pytest.raises(InvitationError) as caught:
        invitation_accept(token=issued.token, user=newcomer)

    assert caught.value.code == "used"
    assert Membership.all_orgs.filter(user=newcomer).count() == 1


def test_invitation_for_an_existing_member_is_already_member(issued, organization, make_member):
    member = make_member(organization, Role.VIEWER, email="new@example.com")

    with pytest.raises(InvitationError) as caught:
        invitation_accept(token=issued.token, user=member.user)

    assert caught.value.code == "already_member"
    assert invitation_get_by_token(token=issued.token).accepted_at is None


def test_invitation_resend_replaces_the_token_and_keeps_the_role(issued, owner):
    again = invitation_resend(invitation=issued.invitation, actor=owner)

    assert again.token != issued.token
    assert again.invitation.role == Role.AGENT
    issued.invitation.refresh_from_db()
    assert issued.invitation.revoked_at is not None
    assert Invitation.all_orgs.filter(revoked_at__isnull=True).count() == 1


def test_an_accepted_invitation_cannot_be_resent(issued, owner):
    invitation_accept(token=issued.token, user=UserFactory(email="new@example.com"))
    issued.invitation.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        invitation_resend(invitation=issued.invitation, actor=owner)

    assert caught.value.messages == ["This invitation has already been accepted."]


def test_an_unknown_role_is_a_validation_error(organization, owner, make_member):
    agent = make_member(organization, Role.AGENT)

    with pytest.raises(ValidationError) as caught:
        membership_change_role(membership=agent, role="god", actor=owner)

    assert caught.value.message_dict == {"role": ["Choose a role from the list."]}
    agent.refresh_from_db()
    assert agent.role == Role.AGENT


def test_organization_update_refuses_an_unknown_time_zone(organization, owner):
    with pytest.raises(ValidationError) as caught:
        organization_update(
            organization=organization,
            actor=owner.user,
            name="Acme",
            default_language="en",
            timezone_name="Nowhere/Land",
            retention_days=None,
        )

    assert caught.value.message_dict == {"timezone": ["Choose a time zone from the list."]}
    assert Organization.objects.get(pk=organization.pk).timezone == "UTC"


@pytest.mark.parametrize(
    ("language", "timezone_name", "field"), [("xx", "UTC", "language"), ("en", "Mars/Base", "timezone")]
)
def test_user_preferences_refuse_unknown_values(owner, language, timezone_name, field):
    with pytest.raises(ValidationError) as caught:
        user_update_preferences(user=owner.user, name="X", language=language, timezone_name=timezone_name)

    assert list(caught.value.message_dict) == [field]


def test_user_set_language(owner):
    user_set_language(user=owner.user, language="id")

    owner.user.refresh_from_db()
    assert owner.user.language == "id"
    with pytest.raises(ValidationError):
        user_set_language(user=owner.user, language="klingon")
