from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tenancy import TenantModel


class FatiguePolicy(TenantModel):
    """The organisation's contact-fatigue rules, enforced when each invitation is sent.

    The recontact period per survey is ``surveys.Survey.recontact_days``.
    """

    cooldown_days = models.PositiveSmallIntegerField(
        _("global cooldown (days)"),
        default=7,
        validators=[MaxValueValidator(365)],
        help_text=_(
            "No contact gets two invitations, from any survey, within this many days. 0 switches it off."
        ),
    )
    max_per_30_days = models.PositiveSmallIntegerField(
        _("invitations per contact per 30 days"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    require_consent = models.BooleanField(
        _("invite only contacts who gave consent"),
        default=False,
        help_text=_("Off: everyone except those who withdrew consent or are suppressed is invited."),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="fatiguepolicy_one_per_org")]


class CampaignChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Campaign(TenantModel):
    """A survey sent to an audience (a list or a segment) on one channel, on a schedule, throttled."""

    name = models.CharField(_("name"), max_length=200)
    survey = models.ForeignKey("surveys.Survey", on_delete=models.PROTECT, related_name="campaigns")
    channel = models.CharField(_("channel"), max_length=10, choices=CampaignChannel.choices)
    contact_list = models.ForeignKey(
        "contacts.ContactList",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("list"),
    )
    segment = models.ForeignKey(
        "contacts.Segment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("segment"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    send_rate_per_minute = models.PositiveIntegerField(
        _("sending rate (messages per minute)"),
        default=600,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
    )
    embed_first_question = models.BooleanField(_("embed the first question in the email"), default=True)
    reminder_after_days = models.PositiveSmallIntegerField(
        _("remind non-responders after (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    max_reminders = models.PositiveSmallIntegerField(
        _("reminders at most"), default=1, validators=[MaxValueValidator(3)]
    )
    # The throttle's state: the dispatcher may send ``allowance`` more messages now (a token bucket).
    send_allowance = models.FloatField(default=0)
    send_allowance_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # When the audience was turned into invitations (once), sending started, and the last one left.
    audience_built_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="campaign_org_created"),
            models.Index(fields=["status", "scheduled_at"], name="campaign_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(contact_list__isnull=False) & models.Q(segment__isnull=False)),
                name="campaign_one_audience",
            )
        ]

    def __str__(self) -> str:
        return self.name


class MessageKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    REMINDER = "reminder", _("Reminder")


class CampaignMessage(TenantModel):
    """The text of an invitation or a reminder in one language. Placeholders: {first_name}, {name},
    {survey_link}, {unsubscribe_link}, {organization}. SMS uses ``body`` only."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(
        _("kind"), max_length=12, choices=MessageKind.choices, default=MessageKind.INVITATION
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "campaign", "kind", "language"], name="campaignmessage_unique"
            )
        ]


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class SkipReason(models.TextChoices):
    SUPPRESSED = "suppressed", _("Address on the suppression list")
    NO_ADDRESS = "no_address", _("No email address or phone number")
    NO_CONSENT = "no_consent", _("No consent")
    RECONTACT = "recontact", _("Answered or invited to this survey within its recontact period")
    COOLDOWN = "cooldown", _("Invited within the global cooldown")
    LIMIT = "limit", _("Reached the maximum invitations per 30 days")
    SURVEY_CLOSED = "survey_closed", _("The survey takes no responses")
    CANCELLED = "cancelled", _("Campaign cancelled")
    ERASED = "erased", _("Contact erased")


class Invitation(TenantModel):
    """One contact's invitation in one campaign: their personal link, and what became of it.

    The personal link ``/i/<token>`` always continues the same response (``client_id``), so a contact
    can answer once: a second click shows the answer they gave. ``address`` is the email or phone used,
    cleared when the contact is erased.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey(
        "feedback.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=CampaignChannel.choices)
    address = models.CharField(max_length=254, blank=True)
    language = models.CharField(max_length=10, blank=True)
    token = models.CharField(max_length=24, unique=True)
    client_id = models.UUIDField(default=uuid.uuid4, unique=True)
    status = models.CharField(
        max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    skip_reason = models.CharField(max_length=20, choices=SkipReason.choices, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # Sends that failed for a temporary reason (the mail server unreachable); failed at MAX_ATTEMPTS.
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_message_id = models.CharField(max_length=200, blank=True)
    response = models.ForeignKey(
        "feedback.Response", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    # When the next reminder is due (NULL: none): sent only while the invitation is unanswered.
    reminder_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "campaign", "contact"],
                condition=models.Q(contact__isnull=False),
                name="invitation_one_per_contact",
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="invitation_campaign_status"),
            # The fatigue rules: a contact's recent invitations across campaigns.
            models.Index(fields=["organization", "contact", "sent_at"], name="invitation_contact_sent"),
            models.Index(
                fields=["reminder_due_at"],
                name="invitation_reminder_due",
                condition=models.Q(reminder_due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.token
