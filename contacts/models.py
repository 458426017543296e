from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tenancy import TenantModel
from feedback.models import FileImportJob


class ContactList(TenantModel):
    """A static list of contacts (e.g. "Customers who bought in March"), filled by import or by hand."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint("organization", Lower("name"), name="contactlist_name_unique")]

    def __str__(self) -> str:
        return self.name


class ContactListMember(TenantModel):
    contact_list = models.ForeignKey(ContactList, on_delete=models.CASCADE, related_name="members")
    contact = models.ForeignKey("feedback.Contact", on_delete=models.CASCADE, related_name="list_memberships")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "contact_list", "contact"], name="contactlist_member_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "contact"], name="contactlist_member_contact")]


class Segment(TenantModel):
    """A dynamic audience: the contacts whose fields and attributes match ``rules`` when it is used.

    ``rules`` is ``{"match": "all"|"any", "conditions": [{"field": "attributes.plan"|"language"|"consent"|
    "email"|"phone"|"list", "op": "eq"|"neq"|"contains"|"exists"|"not_exists"|"gt"|"lt"|"in", "value": …}]}``
    (validated by ``contacts.segments``).
    """

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    rules = models.JSONField(_("rules"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint("organization", Lower("name"), name="segment_name_unique")]

    def __str__(self) -> str:
        return self.name


class SuppressionChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    BOUNCED = "bounced", _("Bounced")
    COMPLAINED = "complained", _("Marked as spam")
    STOP = "stop", _("Replied STOP")
    MANUAL = "manual", _("Added by a member")


class Suppression(TenantModel):
    """An address that must never be contacted again on a channel, honoured at every send.

    The address is stored only as a keyed hash (``contacts.suppression.address_key``), so the list
    survives the erasure of a contact without keeping their email or phone: an erased person who
    unsubscribed stays unsubscribed. ``hint`` is a masked form for people reading the list.
    """

    channel = models.CharField(_("channel"), max_length=10, choices=SuppressionChannel.choices)
    address_key = models.CharField(max_length=64)
    hint = models.CharField(_("address"), max_length=80, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=SuppressionReason.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "channel", "address_key"], name="suppression_address_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.hint}"


class ContactImport(FileImportJob):
    """An import of contacts (added by the contacts helper, migration 0002). Contacts are matched by
    their identifiers, so a row that finds one updates it; ``contact_list`` is the list to add them to.
    """

    contact_list = models.ForeignKey(
        ContactList,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("add to list"),
    )
    updated_rows = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["organization", "-created_at"], name="contactimport_org_created")]
