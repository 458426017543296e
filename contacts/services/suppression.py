"""Writes about reaching contacts: the suppression list, unsubscribing and consent."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models import Func, Q, QuerySet, Value
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization, User
from accounts.services import audit_record
from contacts.models import Suppression, SuppressionChannel, SuppressionReason
from contacts.suppression import address_key, mask, normalise_address, normalise_phone
from core.outbox import outbox_record_many
from feedback.models import Consent, Contact

UNSUBSCRIBE_SALT = "contacts.unsubscribe"
# Reasons that say the person does not want to hear from us (a bounce says nothing about consent).
WITHDRAWING_REASONS = frozenset(
    {SuppressionReason.UNSUBSCRIBED, SuppressionReason.STOP, SuppressionReason.COMPLAINED}
)


def audit_target(contact_id: int) -> Contact:
    """A stand-in for a contact in the audit log: its id only, never its name or address."""
    return Contact(pk=contact_id)


def _contacts_with_address(channel: str, address: str) -> Q:
    normal = normalise_address(channel, address)
    if channel == SuppressionChannel.SMS:
        digits = normal.removeprefix("+")
        return Q(phone_digits__in=[digits, "00" + digits]) & ~Q(phone="")
    return Q(email_lower=normal) & ~Q(email="")


def matching_contacts(organization_id: int, channel: str, address: str) -> QuerySet[Contact]:
    """The organisation's contacts whose email (or phone, in any notation) is ``address``."""
    queryset = Contact.all_orgs.filter(organization_id=organization_id).alias(
        email_lower=Lower("email"),
        phone_digits=Func("phone", Value(r"\D"), Value(""), Value("g"), function="regexp_replace"),
    )
    return queryset.filter(_contacts_with_address(channel, address))


@transaction.atomic
def suppression_add(
    *, organization_id: int, channel: str, address: str, reason: str, detail: str = ""
) -> bool:
    """Never contact ``address`` on ``channel`` again. Idempotent; True when the address is new on the
    list. Unsubscribes, STOP replies and complaints also withdraw matching contacts' consent."""
    if channel not in SuppressionChannel.values or reason not in SuppressionReason.values:
        raise ValueError(f"unknown channel {channel!r} or reason {reason!r}")
    normal = normalise_address(channel, address)
    if not normal:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Suppression._meta.db_table} "  # noqa: S608 -- table name from the model
            "(organization_id, channel, address_key, hint, reason, detail, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (organization_id, channel, address_key) DO NOTHING RETURNING id",
            [
                organization_id,
                channel,
                address_key(channel, normal),
                mask(channel, normal),
                reason,
                detail[:300],
                timezone.now(),
            ],
        )
        created = cursor.fetchone() is not None
    if reason in WITHDRAWING_REASONS:
        now = timezone.now()
        matching_contacts(organization_id, channel, normal).exclude(consent=Consent.WITHDRAWN).update(
            consent=Consent.WITHDRAWN, consent_updated_at=now
        )
    return created


@transaction.atomic
def suppression_remove(*, organization_id: int, channel: str, address: str) -> bool:
    """Take an address off the list (whatever the reason); True when it was on it."""
    deleted, _rows = Suppression.all_orgs.filter(
        organization_id=organization_id, channel=channel, address_key=address_key(channel, address)
    ).delete()
    return bool(deleted)


@transaction.atomic
def suppression_delete(*, organization: Organization, suppression_id: int, actor: User | None) -> None:
    """Remove one entry of the list page (the address itself is not known, only its key)."""
    entry = Suppression.all_orgs.get(organization_id=organization.pk, pk=suppression_id)
    audit_record(
        organization=organization,
        actor=actor,
        action="suppression.removed",
        target=entry,
        before={"channel": entry.channel, "reason": entry.reason},
    )
    entry.delete()


def _addresses(contact: Contact) -> list[tuple[str, str]]:
    found = []
    if contact.email:
        found.append((SuppressionChannel.EMAIL.value, contact.email))
    if normalise_phone(contact.phone):
        found.append((SuppressionChannel.SMS.value, contact.phone))
    return found


@transaction.atomic
def contact_unsubscribe(
    *, organization_id: int, contact_id: int, source: str, actor: User | None = None
) -> None:
    """Suppress the contact's email and phone (reason unsubscribed) and withdraw their consent."""
    contact = Contact.all_orgs.select_for_update().get(organization_id=organization_id, pk=contact_id)
    for channel, address in _addresses(contact):
        suppression_add(
            organization_id=organization_id,
            channel=channel,
            address=address,
            reason=SuppressionReason.UNSUBSCRIBED,
            detail=source[:300],
        )
    if contact.consent != Consent.WITHDRAWN:
        Contact.all_orgs.filter(pk=contact.pk).update(
            consent=Consent.WITHDRAWN, consent_updated_at=timezone.now()
        )
    # Campaigns credit the unsubscribe to the invitation it came from (their report counts it).
    outbox_record_many(
        organization_id=organization_id,
        events=[("contact.unsubscribed", {"contact_id": contact.pk, "at": timezone.now().isoformat()})],
    )
    audit_record(
        organization=Organization.objects.get(pk=organization_id),
        actor=actor,
        action="contact.unsubscribed",
        target=audit_target(contact.pk),
        after={"source": source[:100]},
    )


@transaction.atomic
def contact_resubscribe(*, organization_id: int, contact_id: int, actor: User | None = None) -> None:
    """Undo an unsubscribe: the contact's addresses leave the list where they were there because of an
    unsubscribe (bounces and complaints stay), and their consent is given again."""
    contact = Contact.all_orgs.select_for_update().get(organization_id=organization_id, pk=contact_id)
    for channel, address in _addresses(contact):
        Suppression.all_orgs.filter(
            organization_id=organization_id,
            channel=channel,
            address_key=address_key(channel, address),
            reason=SuppressionReason.UNSUBSCRIBED,
        ).delete()
    Contact.all_orgs.filter(pk=contact.pk).update(consent=Consent.GRANTED, consent_updated_at=timezone.now())
    audit_record(
        organization=Organization.objects.get(pk=organization_id),
        actor=actor,
        action="contact.resubscribed",
        target=audit_target(contact.pk),
    )


def unsubscribe_token(*, organization_id: int, contact_id: int) -> str:
    return signing.dumps([organization_id, contact_id], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token_read(token: str) -> tuple[int, int] | None:
    """(organisation id, contact id) of a token we signed; None for anything else."""
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(item, int) and not isinstance(item, bool) for item in value)
    ):
        return value[0], value[1]
    return None


def unsubscribe_url(*, organization_id: int, contact_id: int) -> str:
    """The absolute one-click unsubscribe link for emails and SMS (no expiry)."""
    token = unsubscribe_token(organization_id=organization_id, contact_id=contact_id)
    return settings.SITE_URL + reverse("unsubscribe:page", kwargs={"token": token})
