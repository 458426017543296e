"""Reads for board share links and digest subscriptions."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet

from accounts.models import Membership, Organization
from dashboards.models import BoardShare, DigestSubscription


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def board_share_list(*, organization: Organization) -> QuerySet[BoardShare]:
    return (
        BoardShare.all_orgs.filter(organization=organization)
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )


def board_share_get_active(*, token: str) -> BoardShare | None:
    """The live share link for a token, or None (unknown, revoked or malformed)."""
    if not token or len(token) > 200:
        return None
    # Opened without login, before any organisation is in context.
    return (
        BoardShare.all_orgs.select_related("organization")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )


def digest_subscription_of(*, membership: Membership) -> DigestSubscription | None:
    return DigestSubscription.all_orgs.filter(
        organization_id=membership.organization_id, membership=membership
    ).first()
