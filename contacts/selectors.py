"""Reads about contacts as an audience: lists, segments, suppression, and one contact's history."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from contacts.models import (
    ContactImport,
    ContactList,
    ContactListMember,
    Segment,
    Suppression,
    SuppressionChannel,
)
from contacts.segments import segment_queryset
from contacts.suppression import address_key, normalise_phone
from feedback.models import Contact, Response


def audience_contacts(
    organization_id: int, *, contact_list_id: int | None, segment_id: int | None
) -> QuerySet[Contact]:
    """The members of the list, or the contacts matching the segment's rules now; ordered by pk.

    A list or segment of another organisation (or none at all) gives no contacts.
    """
    if contact_list_id is not None:
        members = ContactListMember.all_orgs.filter(
            organization_id=organization_id, contact_list_id=contact_list_id, contact_id=OuterRef("pk")
        )
        return Contact.all_orgs.filter(organization_id=organization_id).filter(Exists(members)).order_by("pk")
    if segment_id is not None:
        rules = (
            Segment.all_orgs.filter(organization_id=organization_id, pk=segment_id)
            .values_list("rules", flat=True)
            .first()
        )
        if rules is not None:
            return segment_matches(organization_id, rules)
    return Contact.all_orgs.none()


def segment_matches(organization_id: int, rules: dict[str, Any]) -> QuerySet[Contact]:
    """Contacts matching ``rules``; ValidationError when the rules are not valid."""
    return segment_queryset(organization_id, rules)


def suppression_reason(organization_id: int, channel: str, address: str) -> str | None:
    """Why ``address`` must not be contacted on ``channel`` (a SuppressionReason value), or None."""
    if not address.strip():
        return None
    reason: str | None = (
        Suppression.all_orgs.filter(
            organization_id=organization_id, channel=channel, address_key=address_key(channel, address)
        )
        .values_list("reason", flat=True)
        .first()
    )
    return reason


def suppressed_keys(organization_id: int, channel: str, keys: Iterable[str]) -> set[str]:
    """The address keys (``contacts.suppression.address_key``) among ``keys`` that are suppressed."""
    wanted = list(set(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), 5000):
        found.update(
            Suppression.all_orgs.filter(
                organization_id=organization_id, channel=channel, address_key__in=wanted[start : start + 5000]
            ).values_list("address_key", flat=True)
        )
    return found


def contact_suppression(contact: Contact) -> dict[str, str | None]:
    """The suppression reason per channel for the contact's own addresses."""
    return {
        SuppressionChannel.EMAIL.value: suppression_reason(contact.organization_id, "email", contact.email)
        if contact.email
        else None,
        SuppressionChannel.SMS.value: suppression_reason(contact.organization_id, "sms", contact.phone)
        if normalise_phone(contact.phone)
        else None,
    }


def contact_search(
    *,
    organization_id: int,
    query: str = "",
    contact_list_id: int | None = None,
    segment_rules: dict[str, Any] | None = None,
    consent: str = "",
    suppressed: str = "",
) -> QuerySet[Contact]:
    contacts = Contact.all_orgs.filter(organization_id=organization_id)
    if segment_rules is not None:
        contacts = segment_matches(organization_id, segment_rules)
    if query.strip():
        text = query.strip()
        contacts = contacts.filter(
            Q(name__icontains=text)
            | Q(email__icontains=text)
            | Q(phone__icontains=text)
            | Q(external_id=text)
        )
    if contact_list_id is not None:
        contacts = contacts.filter(
            Exists(
                ContactListMember.all_orgs.filter(
                    organization_id=organization_id,
                    contact_list_id=contact_list_id,
                    contact_id=OuterRef("pk"),
                )
            )
        )
    if consent:
        contacts = contacts.filter(consent=consent)
    if suppressed in ("yes", "no"):
        keys = set(
            Suppression.all_orgs.filter(organization_id=organization_id, channel="email").values_list(
                "address_key", flat=True
            )
        )
        sms_keys = set(
            Suppression.all_orgs.filter(organization_id=organization_id, channel="sms").values_list(
                "address_key", flat=True
            )
        )
        # The list holds keys only: compute the keys of the candidates (bounded by the suppression list).
        ids = [
            pk
            for pk, email, phone in contacts.values_list("pk", "email", "phone").iterator()
            if (email and address_key("email", email) in keys)
            or (normalise_phone(phone) and address_key("sms", phone) in sms_keys)
        ]
        contacts = contacts.filter(pk__in=ids) if suppressed == "yes" else contacts.exclude(pk__in=ids)
    return contacts.order_by(Lower("name"), "pk")


def contact_get(*, organization_id: int, contact_id: int) -> Contact:
    return Contact.all_orgs.get(organization_id=organization_id, pk=contact_id)


def contact_lists(*, organization_id: int) -> QuerySet[ContactList]:
    return (
        ContactList.all_orgs.filter(organization_id=organization_id)
        .annotate(member_count=Count("members"))
        .order_by(Lower("name"), "pk")
    )


def contact_list_memberships(*, contact: Contact) -> QuerySet[ContactList]:
    return ContactList.all_orgs.filter(
        organization_id=contact.organization_id, members__contact_id=contact.pk
    ).order_by(Lower("name"))


def segments(*, organization_id: int) -> QuerySet[Segment]:
    return Segment.all_orgs.filter(organization_id=organization_id).order_by(Lower("name"), "pk")


def suppressions(*, organization_id: int, channel: str = "", reason: str = "") -> QuerySet[Suppression]:
    entries = Suppression.all_orgs.filter(organization_id=organization_id)
    if channel:
        entries = entries.filter(channel=channel)
    if reason:
        entries = entries.filter(reason=reason)
    return entries.order_by("-created_at", "-pk")


def contact_responses(*, contact: Contact, limit: int = 20) -> list[Response]:
    return list(
        Response.all_orgs.filter(organization_id=contact.organization_id, contact_id=contact.pk)
        .select_related("survey")
        .order_by("-received_at")[:limit]
    )


def contact_invitations(*, contact: Contact, limit: int = 20) -> list[Any]:
    from campaigns.models import Invitation

    return list(
        Invitation.all_orgs.filter(organization_id=contact.organization_id, contact_id=contact.pk)
        .select_related("campaign", "survey")
        .order_by("-created_at")[:limit]
    )


def contact_tickets(*, contact: Contact, limit: int = 20) -> list[Any]:
    from tickets.models import Ticket

    return list(
        Ticket.all_orgs.filter(organization_id=contact.organization_id, contact_id=contact.pk).order_by(
            "-created_at"
        )[:limit]
    )


def contact_import_list(*, organization_id: int) -> QuerySet[ContactImport]:
    return (
        ContactImport.all_orgs.filter(organization_id=organization_id)
        .select_related("created_by", "contact_list")
        .order_by("-created_at", "-pk")
    )


def contact_import_get(*, organization_id: int, contact_import_id: int) -> ContactImport:
    return contact_import_list(organization_id=organization_id).get(pk=contact_import_id)
