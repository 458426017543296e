"""Writes for the board: share links (create, revoke, note use) and digest subscriptions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from accounts.services import audit_record
from dashboards.board.selectors import hash_token
from dashboards.models import BoardShare, DigestSubscription

LABEL_MAX = 120
# ``last_used_at`` is informative; writing it on every view of a busy link would be wasteful.
LAST_USED_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True)
class IssuedBoardShare:
    share: BoardShare
    token: str  # shown once to its creator; only the SHA-256 is stored


@transaction.atomic
def board_share_create(*, actor: Membership, label: str) -> IssuedBoardShare:
    label = label.strip()
    if len(label) > LABEL_MAX:
        raise ValidationError({"label": _("Keep the label under %(max)s characters.") % {"max": LABEL_MAX}})
    token = secrets.token_urlsafe(32)
    share = BoardShare.all_orgs.create(
        organization_id=actor.organization_id,
        label=label,
        token_hash=hash_token(token),
        created_by=actor.user,
    )
    audit_record(
        organization=actor.organization,
        actor=actor.user,
        action="board_share.created",
        target=share,
        after={"label": label},
    )
    return IssuedBoardShare(share=share, token=token)


@transaction.atomic
def board_share_revoke(*, share: BoardShare, actor: Membership) -> BoardShare:
    if share.organization_id != actor.organization_id:
        raise ValidationError(_("This link belongs to another organisation."))
    updated = BoardShare.all_orgs.filter(pk=share.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("This link is already revoked."))
    share.refresh_from_db()
    audit_record(
        organization=actor.organization,
        actor=actor.user,
        action="board_share.revoked",
        target=share,
        before={"revoked": False},
        after={"revoked": True},
    )
    return share


def board_share_touch(*, share: BoardShare) -> None:
    """Note that the link was used (at most every few minutes, one conditional UPDATE)."""
    now = timezone.now()
    BoardShare.all_orgs.filter(pk=share.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)


@transaction.atomic
def digest_subscription_set(*, membership: Membership, weekly: bool) -> DigestSubscription:
    """Opt the member in or out of the weekly digest (the row is created on first use)."""
    subscription, _created = DigestSubscription.all_orgs.get_or_create(
        organization_id=membership.organization_id,
        membership=membership,
        defaults={"weekly": weekly},
    )
    if subscription.weekly != weekly or not _created:
        subscription.weekly = weekly
        subscription.updated_at = timezone.now()
        subscription.save(update_fields=["weekly", "updated_at"])
    return subscription
