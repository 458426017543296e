import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Invitation, Membership
from accounts.roles import Role
from accounts.services import invitation_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://localhost:8000/invitations/([A-Za-z0-9_-]+)/")


def invite(client, email="newcomer@example.com", role="agent"):
    return client.post(
        reverse("accounts:member_invite", kwargs={"org_slug": "acme"}), {"email": email, "role": role}
    )


def token_from_last_email():
    return LINK.search(mail.outbox[-1].body).group(1)


def accept_url(token):
    return reverse("invitation_accept", kwargs={"token": token})


def test_full_invitation_flow(client, client_for, owner, organization):
    response = invite(client_for(owner))

    assert response.status_code == 302
    assert response["Location"] == "/o/acme/settings/members/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["newcomer@example.com"]
    assert message.subject == f"{owner.user.name} invited you to Acme on cxplatform"
    token = token_from_last_email()
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="http://localhost:8000/invitations/{token}/"' in html

    landing = client.get(accept_url(token))
    assert landing.status_code == 200
    content = landing.content.decode()
    assert "<strong>Acme</strong> as Agent" in content
    assert f'href="/accounts/login/?next=/invitations/{token}/"' in content
    assert f'href="/accounts/signup/?next=/invitations/{token}/"' in content

    newcomer = UserFactory(email="newcomer@example.com")
    browser = client_for(newcomer)
    assert browser.get(accept_url(token)).status_code == 200
    response = browser.post(accept_url(token))

    assert response.status_code == 302
    assert response["Location"] == "/o/acme/"
    membership = Membership.all_orgs.get(organization=organization, user=newcomer)
    assert membership.role == Role.AGENT
    assert Invitation.all_orgs.get(email="newcomer@example.com").accepted_by == newcomer
    assert AuditEvent.all_orgs.filter(action="invitation.accepted", actor=newcomer).count() == 1


def test_invitation_email_uses_the_organisations_language(client_for, owner, organization):
    organization.default_language = "ru"
    organization.save()

    invite(client_for(owner))

    html, _mimetype = mail.outbox[0].alternatives[0]
    assert '<html lang="ru">' in html


def test_an_expired_invitation_is_410_and_creates_nothing(client_for, owner, organization):
    invite(client_for(owner))
    token = token_from_last_email()
    Invitation.all_orgs.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    newcomer = UserFactory(email="newcomer@example.com")
    browser = client_for(newcomer)

    page = browser.get(accept_url(token))
    response = browser.post(accept_url(token))

    assert page.status_code == 410
    assert response.status_code == 410
    assert b"This invitation has expired. Ask for a new one." in response.content
    assert Membership.all_orgs.filter(user=newcomer).exists() is False
    assert Invitation.all_orgs.get().accepted_at is None


def test_a_used_invitation_is_410(client_for, owner, organization):
    invite(client_for(owner))
    token = token_from_last_email()
    newcomer = UserFactory(email="newcomer@example.com")
    browser = client_for(newcomer)
    browser.post(accept_url(token))

    response = browser.post(accept_url(token))

    assert response.status_code == 410
    assert b"This invitation has already been used." in response.content
    assert Membership.all_orgs.filter(user=newcomer).count() == 1


def test_a_wrong_email_cannot_accept(client_for, owner, organization):
    invite(client_for(owner))
    token = token_from_last_email()
    stranger = UserFactory(email="stranger@example.com")

    response = client_for(stranger).post(accept_url(token))

    assert response.status_code == 403
    assert b"This invitation was sent to another email address." in response.content
    assert Membership.all_orgs.filter(user=stranger).exists() is False
    assert Invitation.all_orgs.get().accepted_at is None


def test_an_unknown_token_is_404(client):
    response = client.get(accept_url("not-a-real-token"))

    assert response.status_code == 404
    assert b"This invitation link is not valid." in response.content


def test_reinviting_makes_the_old_link_stop_working(client_for, owner, organization):
    browser = client_for(owner)
    invite(browser)
    old_token = token_from_last_email()
    invitation = Invitation.all_orgs.get()

    response = browser.post(
        reverse("accounts:invitation_resend", kwargs={"org_slug": "acme", "invitation_id": invitation.pk})
    )

    assert response.status_code == 302
    assert len(mail.outbox) == 2
    new_token = token_from_last_email()
    assert new_token != old_token
    newcomer = UserFactory(email="newcomer@example.com")
    newcomer_browser = client_for(newcomer)
    old = newcomer_browser.post(accept_url(old_token))
    assert old.status_code == 410
    assert b"This invitation was withdrawn. Ask for a new one." in old.content
    assert newcomer_browser.post(accept_url(new_token)).status_code == 302
    assert Membership.all_orgs.get(user=newcomer).role == Role.AGENT


def test_a_withdrawn_invitation_is_410(client, client_for, owner, organization):
    browser = client_for(owner)
    invite(browser)
    token = token_from_last_email()
    invitation = Invitation.all_orgs.get()

    response = browser.post(
        reverse("accounts:invitation_revoke", kwargs={"org_slug": "acme", "invitation_id": invitation.pk})
    )

    assert response.status_code == 302
    assert client.get(accept_url(token)).status_code == 410


def test_anonymous_accept_is_sent_to_sign_in_and_back(client, client_for, owner):
    invite(client_for(owner))
    token = token_from_last_email()

    response = client.post(accept_url(token))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/invitations/{token}/"
    assert Invitation.all_orgs.get().accepted_at is None


def test_an_existing_member_is_told_so(client_for, owner, organization, make_member):
    issued = invitation_create(
        organization=organization, email="late@example.com", role=Role.VIEWER, actor=owner
    )
    late = make_member(organization, Role.AGENT, email="late@example.com")

    response = client_for(late).get(accept_url(issued.token))

    assert response.status_code == 409
    assert b"You are already a member of this organisation." in response.content
    assert b'href="/o/acme/"' in response.content


def test_admin_cannot_invite_an_owner(client_for, organization, make_member):
    admin = make_member(organization, Role.ADMIN)

    response = invite(client_for(admin), role="owner")

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["role"]
    assert Invitation.all_orgs.count() == 0
    assert mail.outbox == []


def test_inviting_a_member_is_a_form_error(client_for, owner, organization):
    response = invite(client_for(owner), email="OWNER@acme.test")

    assert response.status_code == 200
    assert response.context["form"].errors == {"email": ["This person is already a member."]}
    assert mail.outbox == []


def test_pending_invitations_are_listed_with_expiry(client_for, owner, organization):
    browser = client_for(owner)
    invite(browser)
    Invitation.all_orgs.update(expires_at=timezone.now() - dt.timedelta(days=1))

    response = browser.get(reverse("accounts:member_list", kwargs={"org_slug": "acme"}))

    assert [i.email for i in response.context["invitations"]] == ["newcomer@example.com"]
    assert b"Expired" in response.content
