"""Board share links: created by DASHBOARDS_EDIT (token shown once, SHA-256 stored), listed, revoked
(audited); the public page and its PDF need no login and answer 404 once revoked."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from dashboards.models import BoardShare
from tests.dashboards.test_board import THEME_NAME, build_board

pytestmark = pytest.mark.django_db


def shares_url(organization):
    return reverse("dashboards:board_shares", kwargs={"org_slug": organization.slug})


def create_link(client, organization, label="Board meeting"):
    response = client.post(shares_url(organization), {"label": label})
    assert response.status_code == 200
    match = re.search(
        r'id="board-share-link" class="secret">http://testserver/board/([^/<]+)/<', response.content.decode()
    )
    assert match is not None
    return match.group(1), response


def test_a_manager_creates_a_link_shown_once_and_stored_hashed(organization, owner, client_for):
    client = client_for(owner)

    token, response = create_link(client, organization)

    share = BoardShare.all_orgs.get(organization=organization)
    assert (share.label, share.created_by_id, share.revoked_at) == ("Board meeting", owner.user_id, None)
    assert share.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) == 43  # token_urlsafe(32): 256 bits
    assert "no-store" in response["Cache-Control"]
    listing = client.get(shares_url(organization)).content.decode()
    assert "Board meeting" in listing
    assert token not in listing
    assert AuditEvent.all_orgs.filter(organization=organization, action="board_share.created").count() == 1


def test_the_public_board_needs_no_login(organization, owner, client_for, client):
    build_board(organization)
    token, _response = create_link(client_for(owner), organization)

    response = client.get(reverse("board_public:board", kwargs={"token": token}), {"period": "30"})

    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    html = response.content.decode()
    assert "Board dashboard of Acme" in html
    assert 'id="app-nav"' not in html
    assert 'href="?period=30" aria-current="page"' in html
    assert "Delivery &lt;script&gt;" in html
    assert THEME_NAME not in html
    assert BoardShare.all_orgs.get(organization=organization).last_used_at is not None


def test_the_public_board_shows_every_number_whatever_the_creator_sees(
    organization, owner, client_for, client
):
    build_board(organization)
    token, _response = create_link(client_for(owner), organization)

    board = client.get(reverse("board_public:board", kwargs={"token": token})).context["board"]

    assert (board.responses, board.headline_for("nps").current.value) == (12, "8")


def test_a_revoked_or_unknown_link_is_a_404(organization, owner, client_for, client):
    manager = client_for(owner)
    token, _response = create_link(manager, organization)
    share = BoardShare.all_orgs.get(organization=organization)

    response = manager.post(
        reverse("dashboards:board_share_revoke", kwargs={"org_slug": organization.slug, "share_id": share.pk})
    )

    assert response.status_code == 302
    share.refresh_from_db()
    assert share.revoked_at is not None
    assert AuditEvent.all_orgs.filter(organization=organization, action="board_share.revoked").count() == 1
    assert client.get(reverse("board_public:board", kwargs={"token": token})).status_code == 404
    assert client.get(reverse("board_public:board_pdf", kwargs={"token": token})).status_code == 404
    assert client.get(reverse("board_public:board", kwargs={"token": "x" * 43})).status_code == 404
    # Revoking twice is refused with a message, not an error.
    again = manager.post(
        reverse(
            "dashboards:board_share_revoke", kwargs={"org_slug": organization.slug, "share_id": share.pk}
        ),
        follow=True,
    )
    assert "already revoked" in again.content.decode()


def test_a_viewer_cannot_manage_links(organization, viewer, client_for):
    client = client_for(viewer)
    assert client.get(shares_url(organization)).status_code == 403
    assert client.post(shares_url(organization), {"label": "x"}).status_code == 403
    assert not BoardShare.all_orgs.exists()


def test_another_organisations_link_cannot_be_revoked(
    organization, other_organization, owner, outsider, client_for
):
    create_link(client_for(owner), organization)
    share = BoardShare.all_orgs.get(organization=organization)

    response = client_for(outsider).post(
        reverse(
            "dashboards:board_share_revoke",
            kwargs={"org_slug": other_organization.slug, "share_id": share.pk},
        )
    )

    assert response.status_code == 404
    share.refresh_from_db()
    assert share.revoked_at is None


def test_a_cx_manager_may_share_but_the_label_is_limited(organization, make_member, client_for):
    manager = make_member(organization, Role.CX_MANAGER)

    response = client_for(manager).post(shares_url(organization), {"label": "x" * 121})

    assert response.status_code == 200
    assert not BoardShare.all_orgs.exists()
    assert 'class="errorlist"' in response.content.decode()
