"""What campaigns deletes past an organisation's retention period (``core.retention``).

``invitations``: invitations created before the cut-off, with their personal data (the contact link,
the address, the personal link's token, the provider's message id and every open/click/answer time).
One still waiting to be sent or being sent stays until it is sent (a campaign throttled over days).
The campaign itself, its messages and its settings stay; its report counts what remains.

Contact-fatigue rules look back at invitations and responses: a retention period shorter than the
global cooldown or a survey's recontact period shortens what those rules can see, by the
organisation's own choice.
"""

from __future__ import annotations

from campaigns.models import Invitation, InvitationStatus
from core.retention import RetentionScope, delete_in_batches, register_purger

_UNSENT = (InvitationStatus.PENDING, InvitationStatus.SENDING)


def invitations_purge(scope: RetentionScope) -> int:
    return delete_in_batches(
        Invitation.all_orgs.filter(
            organization_id=scope.organization_id, created_at__lt=scope.cutoff
        ).exclude(status__in=_UNSENT),
        batch_size=scope.batch_size,
        dry_run=scope.dry_run,
    )


def register_purgers() -> None:
    """Called from ``CampaignsConfig.ready``."""
    register_purger("invitations", invitations_purge)
