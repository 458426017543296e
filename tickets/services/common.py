"""Small helpers shared by the ticket services."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from accounts.roles import PERMISSIONS, Perm
from tickets.models import Ticket
from tickets.services.notifications import notify

if TYPE_CHECKING:
    from accounts.models import User

# Roles that may work tickets (be assigned, claim, reply).
WORKER_ROLES = frozenset(str(role) for role in PERMISSIONS[Perm.TICKETS_WORK])


def new_token() -> str:
    """A reply or follow-up token: lowercase hex, because mail servers may lowercase a local part."""
    return secrets.token_hex(16)


def user_of(actor: Membership | None) -> User | None:
    return actor.user if actor is not None else None


def may_work(membership: Membership) -> bool:
    return membership.role in WORKER_ROLES


def sla_clocks() -> Any:
    from tickets.sla import clocks

    return clocks


def lock_ticket(ticket: Ticket) -> Ticket:
    """Lock the ticket's row for this transaction and reload it, so concurrent changes queue up."""
    Ticket.all_orgs.select_for_update().filter(pk=ticket.pk).values_list("pk", flat=True).first()
    ticket.refresh_from_db()
    return ticket


def touch(ticket: Ticket, *fields: str) -> None:
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=[*fields, "updated_at"])


def member_label(membership: Membership | None) -> str | None:
    return membership.user.display_name if membership is not None else None


def notify_assigned(ticket: Ticket, actor: Membership | None) -> None:
    if ticket.assignee is not None and (actor is None or ticket.assignee_id != actor.pk):
        notify(
            recipients=[ticket.assignee],
            kind="assigned",
            text=lambda: _("Ticket #%(number)s was assigned to you: %(subject)s")
            % {"number": ticket.pk, "subject": ticket.subject},
            ticket=ticket,
        )
