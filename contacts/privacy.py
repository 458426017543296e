"""The rights of one contact: erasure and export of their data across every app.

Each app that keeps personal data about a contact registers an eraser and an exporter here from its
AppConfig.ready(). ``contact_erase`` calls every eraser in one transaction, then deletes the contact
row; the suppression list keeps only keyed hashes, so an erased person who unsubscribed stays
unsubscribed. ``contact_export`` gathers what each exporter returns into one JSON document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organization
from accounts.services import audit_record
from contacts.models import ContactListMember
from feedback.models import Contact

Eraser = Callable[[int, Contact], int]
Exporter = Callable[[int, Contact], "list[dict[str, Any]] | dict[str, Any]"]

_erasers: dict[str, Eraser] = {}
_exporters: dict[str, Exporter] = {}


def register_eraser(name: str, fn: Eraser) -> None:
    """``fn(organization_id, contact)`` removes or anonymises the contact's data in one app and returns
    how many rows it changed. Runs inside the erasure's transaction, before the contact is deleted."""
    _erasers[name] = fn


def register_exporter(name: str, fn: Exporter) -> None:
    """``fn(organization_id, contact)`` returns the contact's data in one app, JSON-serialisable."""
    _exporters[name] = fn


def registered_erasers() -> list[str]:
    return list(_erasers)


@dataclass
class ErasureReport:
    contact_id: int
    erased_at: str
    changed: dict[str, int] = field(default_factory=dict)


def _lists_eraser(organization_id: int, contact: Contact) -> int:
    deleted, _rows = ContactListMember.all_orgs.filter(
        organization_id=organization_id, contact_id=contact.pk
    ).delete()
    return deleted


def _lists_exporter(organization_id: int, contact: Contact) -> list[dict[str, Any]]:
    return [
        {"list": member.contact_list.name, "added_at": member.added_at.isoformat()}
        for member in ContactListMember.all_orgs.filter(
            organization_id=organization_id, contact_id=contact.pk
        )
        .select_related("contact_list")
        .order_by("added_at")
    ]


@transaction.atomic
def contact_erase(*, organization_id: int, contact_id: int, actor: Membership) -> ErasureReport:
    """Erase one contact everywhere: every registered eraser, then the contact row itself."""
    if actor.organization_id != organization_id:
        raise Contact.DoesNotExist
    contact = Contact.all_orgs.select_for_update().get(organization_id=organization_id, pk=contact_id)
    report = ErasureReport(contact_id=contact.pk, erased_at=timezone.now().isoformat())
    for name, eraser in [("contact_lists", _lists_eraser), *_erasers.items()]:
        report.changed[name] = eraser(organization_id, contact)
    Contact.all_orgs.filter(pk=contact.pk).delete()
    audit_record(
        organization=Organization.objects.get(pk=organization_id),
        actor=actor.user,
        action="contact.erased",
        target=Contact(pk=contact_id),  # the id only: no name in the audit log
        after={"changed": report.changed},
    )
    return report


def contact_export(*, organization_id: int, contact_id: int) -> dict[str, Any]:
    """Everything stored about one contact, as one JSON-serialisable document."""
    contact = Contact.all_orgs.get(organization_id=organization_id, pk=contact_id)
    from contacts.selectors import contact_suppression

    document: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "contact": {
            "id": contact.pk,
            "email": contact.email,
            "phone": contact.phone,
            "external_id": contact.external_id,
            "name": contact.name,
            "language": contact.language,
            "attributes": contact.attributes,
            "consent": contact.consent,
            "consent_updated_at": contact.consent_updated_at.isoformat()
            if contact.consent_updated_at
            else None,
            "created_at": contact.created_at.isoformat(),
            "suppressed": contact_suppression(contact),
        },
        "contact_lists": _lists_exporter(organization_id, contact),
    }
    for name, exporter in _exporters.items():
        document[name] = exporter(organization_id, contact)
    return document


ERASED = "[erased]"


def personal_needles(contact: Contact) -> list[str]:
    """The strings that identify the contact, longest first: email, phone (as stored and normalised),
    external id, the full name and each part of it of three letters or more."""
    from contacts.suppression import normalise_phone

    needles = {contact.email, contact.phone, normalise_phone(contact.phone), contact.name}
    needles.update(part for part in contact.name.split() if len(part) >= 3)
    return sorted((n for n in needles if n and n.strip()), key=len, reverse=True)


def scrub_text(text: str, needles: list[str]) -> str:
    """``text`` with every occurrence of the needles (any case) replaced by ``[erased]``."""
    import re

    if not text or not needles:
        return text
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)
    return pattern.sub(ERASED, text)


def scrub_json(value: Any, needles: list[str]) -> Any:
    """Every string inside a JSON value (keys included) scrubbed with ``scrub_text``."""
    if isinstance(value, str):
        return scrub_text(value, needles)
    if isinstance(value, list):
        return [scrub_json(item, needles) for item in value]
    if isinstance(value, dict):
        return {scrub_text(str(k), needles): scrub_json(v, needles) for k, v in value.items()}
    return value
