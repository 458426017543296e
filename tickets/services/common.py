"""Small helpers shared by the ticket services."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from accounts.models import Membership
from accounts.roles import PERMISSIONS, Perm

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
