"""Identified respondents: feedback with the same email, phone or external id attaches to one contact."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from feedback.models import Contact

ATTRIBUTES_LIMIT = 50


@dataclass(frozen=True)
class ContactRef:
    email: str = ""
    phone: str = ""
    external_id: str = ""
    name: str = ""
    language: str = ""
    attributes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (self.email or self.phone or self.external_id)


def _find(organization_id: int, ref: ContactRef) -> Contact | None:
    """The existing contact, matching the strongest identifier first: external id, email, phone."""
    scoped = Contact.all_orgs.filter(organization_id=organization_id)
    lookups = [
        ("external_id", scoped.filter(external_id=ref.external_id)),
        # lower(email) and email <> '' match the partial unique index, so this is an index lookup.
        (
            "email",
            scoped.alias(email_lower=Lower("email")).filter(email_lower=ref.email.lower()).exclude(email=""),
        ),
        ("phone", scoped.filter(phone=ref.phone)),
    ]
    for name, queryset in lookups:
        if getattr(ref, name):
            found = queryset.first()
            if found is not None:
                return found
    return None


def _merge(contact: Contact, ref: ContactRef, *, add_only: bool) -> None:
    changed: list[str] = []
    for name in ("email", "phone", "external_id", "name", "language"):
        value = ref.email.lower() if name == "email" else getattr(ref, name)
        if value and not getattr(contact, name):
            setattr(contact, name, value)
            changed.append(name)
    if ref.attributes:
        given = dict(list(ref.attributes.items())[:ATTRIBUTES_LIMIT])
        if add_only:
            # New names only, and never past the limit: an anonymous caller cannot grow a contact forever.
            room = max(0, ATTRIBUTES_LIMIT - len(contact.attributes))
            new = [(name, value) for name, value in given.items() if name not in contact.attributes]
            merged = {**contact.attributes, **dict(new[:room])}
        else:
            merged = {**contact.attributes, **given}
        if merged != contact.attributes:
            contact.attributes = merged
            changed.append("attributes")
    if changed:
        try:
            with transaction.atomic():
                contact.save(update_fields=changed)
        except IntegrityError:
            # The new identifier already belongs to another contact: keep this one as it was.
            contact.refresh_from_db()


def contact_resolve(*, organization_id: int, ref: ContactRef, add_only: bool = False) -> Contact | None:
    """The contact these identifiers name, created when new; None for anonymous feedback.

    Identifiers, name and language of an existing contact are only ever filled in, never replaced. Its
    attributes are updated from ``ref``, or with ``add_only`` (unauthenticated sources such as the
    widget) only added: a value the contact already has is kept.
    """
    if ref.is_empty:
        return None
    contact = _find(organization_id, ref)
    if contact is None:
        try:
            with transaction.atomic():
                return Contact.all_orgs.create(
                    organization_id=organization_id,
                    email=ref.email.lower(),
                    phone=ref.phone,
                    external_id=ref.external_id,
                    name=ref.name,
                    language=ref.language,
                    attributes=dict(list(ref.attributes.items())[:ATTRIBUTES_LIMIT]),
                )
        except IntegrityError:
            # Created concurrently by another request with one of these identifiers.
            contact = _find(organization_id, ref)
            if contact is None:
                raise
    _merge(contact, ref, add_only=add_only)
    return contact
