"""Writes about the demo people: accounts that can sign in at once, all sharing one password.

These bypass sign-up on purpose (no confirmation email, the address is marked verified), which is only
right for the demo organisation; that is why they live here and not in ``accounts.services``.
"""

from __future__ import annotations

from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import User


@transaction.atomic
def demo_user_ensure(*, email: str, name: str, language: str, timezone_name: str, password_hash: str) -> User:
    """Create the account (or take over an existing one with this email) with a verified address.

    ``password_hash`` is an already encoded password: hashing once for all demo people keeps the seed
    fast with the production hasher.
    """
    email = email.lower()
    user, _created = User.objects.update_or_create(
        email=email,
        defaults={"name": name, "language": language, "timezone": timezone_name, "is_active": True},
    )
    user.password = password_hash
    user.save(update_fields=["password"])
    EmailAddress.objects.filter(user=user).exclude(email__iexact=email).update(primary=False)
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


@transaction.atomic
def demo_password_set(*, emails: Iterable[str], password: str) -> int:
    """Give every listed demo account the same new password; returns how many accounts changed."""
    return User.objects.filter(email__in=[e.lower() for e in emails]).update(password=make_password(password))
