"""Writes about contacts, lists and segments from the contacts pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from accounts.services import audit_record
from contacts.models import ContactList, ContactListMember, Segment
from contacts.segments import validate_rules
from contacts.services.suppression import audit_target
from contacts.suppression import normalise_phone, phone_is_valid
from feedback.models import Consent, Contact
from feedback.services.contacts import ATTRIBUTES_LIMIT


@dataclass(frozen=True)
class ContactData:
    email: str = ""
    phone: str = ""
    external_id: str = ""
    name: str = ""
    language: str = ""
    attributes: Mapping[str, Any] = field(default_factory=dict)


def clean_phone(phone: str) -> str:
    """A phone number stored as ``+`` and digits, so that sending and suppression agree on it."""
    if not phone.strip():
        return ""
    if not phone_is_valid(phone):
        raise ValidationError(_("Enter a phone number with its country code, e.g. +49 170 1234567."))
    return normalise_phone(phone)


def _taken(organization_id: int, data: ContactData, exclude_id: int | None) -> dict[str, str]:
    scoped = Contact.all_orgs.filter(organization_id=organization_id)
    if exclude_id is not None:
        scoped = scoped.exclude(pk=exclude_id)
    errors: dict[str, str] = {}
    if data.email and scoped.alias(e=Lower("email")).filter(e=data.email.lower()).exists():
        errors["email"] = _("Another contact has this email address.")
    if data.phone and scoped.filter(phone=data.phone).exists():
        errors["phone"] = _("Another contact has this phone number.")
    if data.external_id and scoped.filter(external_id=data.external_id).exists():
        errors["external_id"] = _("Another contact has this external id.")
    return errors


def _check(data: ContactData) -> ContactData:
    errors: dict[str, str] = {}
    email = data.email.strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter a valid email address.")
    try:
        phone = clean_phone(data.phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages[0]
        phone = ""
    if not (email or data.phone.strip() or data.external_id.strip()):
        errors["__all__"] = _("Give at least an email address, a phone number or an external id.")
    if len(data.attributes) > ATTRIBUTES_LIMIT:
        errors["attributes"] = _("At most %(limit)d attributes.") % {"limit": ATTRIBUTES_LIMIT}
    if errors:
        raise ValidationError(errors)
    return ContactData(
        email=email,
        phone=phone,
        external_id=data.external_id.strip(),
        name=data.name.strip(),
        language=data.language,
        attributes=dict(data.attributes),
    )


def _save(contact: Contact, data: ContactData) -> Contact:
    contact.email, contact.phone, contact.external_id = data.email, data.phone, data.external_id
    contact.name, contact.language, contact.attributes = data.name, data.language, dict(data.attributes)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        # Taken concurrently between the check and the write.
        raise ValidationError(_("Another contact has one of these identifiers.")) from None
    return contact


@transaction.atomic
def contact_create(*, organization: Organization, data: ContactData, actor: User | None) -> Contact:
    """A new contact; ValidationError with field errors for bad or already used identifiers."""
    clean = _check(data)
    errors = _taken(organization.pk, clean, None)
    if errors:
        raise ValidationError(errors)
    contact = _save(Contact(organization=organization), clean)
    audit_record(
        organization=organization, actor=actor, action="contact.created", target=audit_target(contact.pk)
    )
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, data: ContactData, actor: User | None) -> Contact:
    clean = _check(data)
    errors = _taken(contact.organization_id, clean, contact.pk)
    if errors:
        raise ValidationError(errors)
    _save(contact, clean)
    audit_record(
        organization=Organization.objects.get(pk=contact.organization_id),
        actor=actor,
        action="contact.updated",
        target=audit_target(contact.pk),
    )
    return contact


@transaction.atomic
def contact_consent_set(*, contact: Contact, consent: str, actor: User | None) -> Contact:
    if consent not in Consent.values:
        raise ValidationError(_("Unknown consent status."))
    before = contact.consent
    if before != consent:
        contact.consent = consent
        contact.consent_updated_at = timezone.now()
        contact.save(update_fields=["consent", "consent_updated_at"])
        audit_record(
            organization=Organization.objects.get(pk=contact.organization_id),
            actor=actor,
            action="contact.consent_changed",
            target=audit_target(contact.pk),
            before={"consent": before},
            after={"consent": consent},
        )
    return contact


# --- lists --------------------------------------------------------------------------------------


def _unique_name_error(
    model: type[ContactList] | type[Segment], organization_id: int, name: str, pk: int | None
) -> None:
    clash = (
        model.all_orgs.filter(organization_id=organization_id).alias(n=Lower("name")).filter(n=name.lower())
    )
    if pk is not None:
        clash = clash.exclude(pk=pk)
    if clash.exists():
        raise ValidationError({"name": _("This name is already used.")})


@transaction.atomic
def contact_list_save(
    *,
    organization: Organization,
    name: str,
    description: str,
    actor: User | None,
    contact_list: ContactList | None = None,
) -> ContactList:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the list a name.")})
    _unique_name_error(ContactList, organization.pk, name, contact_list.pk if contact_list else None)
    created = contact_list is None
    if contact_list is None:
        contact_list = ContactList(organization=organization, created_by=actor)
    contact_list.name, contact_list.description = name, description.strip()
    try:
        with transaction.atomic():
            contact_list.save()
    except IntegrityError:
        raise ValidationError({"name": _("This name is already used.")}) from None
    audit_record(
        organization=organization,
        actor=actor,
        action="contact_list.created" if created else "contact_list.updated",
        target=contact_list,
    )
    return contact_list


@transaction.atomic
def contact_list_delete(*, contact_list: ContactList, actor: User | None) -> None:
    from campaigns.models import Campaign

    if Campaign.all_orgs.filter(
        organization_id=contact_list.organization_id, contact_list=contact_list
    ).exists():
        raise ValidationError(_("A campaign uses this list; it cannot be deleted."))
    audit_record(
        organization=Organization.objects.get(pk=contact_list.organization_id),
        actor=actor,
        action="contact_list.deleted",
        target=contact_list,
    )
    contact_list.delete()


@transaction.atomic
def contact_list_add(*, contact_list: ContactList, contact_ids: Iterable[int]) -> int:
    """Add contacts (of the list's organisation only) to the list; returns how many were new."""
    ids = list(
        Contact.all_orgs.filter(
            organization_id=contact_list.organization_id, pk__in=list(contact_ids)
        ).values_list("pk", flat=True)
    )
    existing = set(
        ContactListMember.all_orgs.filter(
            organization_id=contact_list.organization_id, contact_list=contact_list, contact_id__in=ids
        ).values_list("contact_id", flat=True)
    )
    new = [
        ContactListMember(
            organization_id=contact_list.organization_id, contact_list=contact_list, contact_id=pk
        )
        for pk in ids
        if pk not in existing
    ]
    ContactListMember.all_orgs.bulk_create(new, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def contact_list_remove(*, contact_list: ContactList, contact_ids: Iterable[int]) -> int:
    deleted, _rows = ContactListMember.all_orgs.filter(
        organization_id=contact_list.organization_id,
        contact_list=contact_list,
        contact_id__in=list(contact_ids),
    ).delete()
    return deleted


# --- segments -----------------------------------------------------------------------------------


@transaction.atomic
def segment_save(
    *,
    organization: Organization,
    name: str,
    description: str,
    rules: Any,
    actor: User | None,
    segment: Segment | None = None,
) -> Segment:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the segment a name.")})
    try:
        clean = validate_rules(rules)
    except ValidationError as exc:
        raise ValidationError({"rules": exc.messages}) from None
    list_ids = {c["value"] for c in clean["conditions"] if c["field"] == "list"}
    known = set(
        ContactList.all_orgs.filter(organization_id=organization.pk, pk__in=list_ids).values_list(
            "pk", flat=True
        )
    )
    if list_ids - known:
        raise ValidationError({"rules": [_("A condition names a contact list that does not exist.")]})
    _unique_name_error(Segment, organization.pk, name, segment.pk if segment else None)
    created = segment is None
    if segment is None:
        segment = Segment(organization=organization, created_by=actor)
    segment.name, segment.description, segment.rules = name, description.strip(), clean
    segment.updated_at = timezone.now()
    try:
        with transaction.atomic():
            segment.save()
    except IntegrityError:
        raise ValidationError({"name": _("This name is already used.")}) from None
    audit_record(
        organization=organization,
        actor=actor,
        action="segment.created" if created else "segment.updated",
        target=segment,
        after={"rules": clean},
    )
    return segment


@transaction.atomic
def segment_delete(*, segment: Segment, actor: User | None) -> None:
    from campaigns.models import Campaign

    if Campaign.all_orgs.filter(organization_id=segment.organization_id, segment=segment).exists():
        raise ValidationError(_("A campaign uses this segment; it cannot be deleted."))
    audit_record(
        organization=Organization.objects.get(pk=segment.organization_id),
        actor=actor,
        action="segment.deleted",
        target=segment,
    )
    segment.delete()
