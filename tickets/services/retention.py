"""What tickets deletes past an organisation's retention period (``core.retention``).

``tickets``: a ticket that is resolved or closed and whose last activity (``updated_at``, moved by every
change, message and status; its resolution and closing times too) is older than the cut-off, with its
messages (the customer's emails and the replies), events, SLA notices, notifications and response links.
An open ticket (new, open, pending) stays however old it is: the work is not done. A ticket that stays
while its response is deleted keeps its own subject, status, clocks and outcome; only the link empties.
"""

from __future__ import annotations

from django.db.models import Q

from core.retention import RetentionScope, delete_in_batches, register_purger
from tickets.models import Ticket, TicketStatus

_DONE = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def tickets_purge(scope: RetentionScope) -> int:
    cutoff = scope.cutoff
    return delete_in_batches(
        Ticket.all_orgs.filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__lt=cutoff),
            Q(closed_at__isnull=True) | Q(closed_at__lt=cutoff),
            organization_id=scope.organization_id,
            status__in=_DONE,
            updated_at__lt=cutoff,
        ),
        batch_size=scope.batch_size,
        dry_run=scope.dry_run,
    )


def register_purgers() -> None:
    """Called from ``TicketsConfig.ready``."""
    register_purger("tickets", tickets_purge)
