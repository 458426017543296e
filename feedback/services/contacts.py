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


def _merge(contact: Contact, ref: ContactRef) -> None:
    changed: list[str] = []
    for name in ("email", "phone", "external_id", "name", "language"):
        value = ref.email.lower() if name == "email" else getattr(ref, name)
        if value and not getattr(contact, name):
            setattr(contact, name, value)
            changed.append(name)
    if ref.attributes:
        merged = {**contact.attributes, **dict(list(ref.attributes.items())[:ATTRIBUTES_LIMIT])}
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


def contact_resolve(*, organization_id: int, ref: ContactRef) -> Contact | None:
    """The contact these identifiers name, created when new; None for anonymous feedback."""
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
    _merge(contact, ref)
    return contact
