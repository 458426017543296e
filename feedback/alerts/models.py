"""Alert rules, the trace of their evaluation on each response, and their deliveries.

Imported by ``feedback/models.py`` so that the models belong to the feedback app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tenancy import TenantModel


class CooldownScope(models.TextChoices):
    RULE = "rule", _("Any response")
    CONTACT = "contact", _("The same contact")


class AlertRule(TenantModel):
    """Conditions on a finished response (``feedback.alerts.conditions``) and what to do when they hold.

    ``actions`` is a list with at most one action per channel (``feedback.alerts.actions``):
    email (recipients, each immediate or in an hourly/daily digest), signed webhook, Slack or Teams
    incoming webhook, open a ticket.
    """

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(default=0)
    conditions = models.JSONField(default=dict)
    actions = models.JSONField(default=list)
    # After the rule fires, it stays quiet this long (for any response, or for the same contact).
    cooldown_minutes = models.PositiveIntegerField(_("cooldown (minutes)"), default=0)
    cooldown_scope = models.CharField(
        _("cooldown applies to"), max_length=10, choices=CooldownScope.choices, default=CooldownScope.CONTACT
    )
    # Email and chat messages due inside quiet hours (organisation's time zone) wait until they end.
    # Tickets and signed webhooks are never held: machines and SLA clocks do not sleep.
    quiet_hours_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organization", "active", "position"], name="alertrule_org_active")]

    def __str__(self) -> str:
        return self.name


class MatchOutcome(models.TextChoices):
    FIRED = "fired", _("Fired")
    COOLDOWN = "cooldown", _("Skipped: cooling down")
    NOT_MATCHED = "not_matched", _("Did not match")


class AlertMatch(TenantModel):
    """The trace: one row per rule and response evaluated, with why it matched and what it did."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="matches")
    response = models.ForeignKey("feedback.Response", on_delete=models.CASCADE, related_name="alert_matches")
    outcome = models.CharField(max_length=20, choices=MatchOutcome.choices)
    # Each condition with its result: [{"label": ..., "result": true}, ...] (see conditions.evaluate).
    trace = models.JSONField(default=list)
    # The contact (or "rule") the cooldown was counted for; "" when no cooldown applies.
    cooldown_key = models.CharField(max_length=64, blank=True)
    evaluated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "rule", "response"], name="alertmatch_unique"),
        ]
        indexes = [
            models.Index(fields=["organization", "response"], name="alertmatch_response"),
            # The cooldown check: the latest firing of a rule for a key.
            models.Index(
                fields=["rule", "cooldown_key", "-evaluated_at"],
                name="alertmatch_cooldown",
                condition=models.Q(outcome="fired"),
            ),
        ]


class AlertChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Signed webhook")
    SLACK = "slack", _("Slack")
    TEAMS = "teams", _("Microsoft Teams")
    TICKET = "ticket", _("Open a ticket")


class AlertDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Nothing to send")


class AlertDelivery(TenantModel):
    """One action of one rule for one response: claimed by conditional update, retried with backoff."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="deliveries")
    response = models.ForeignKey(
        "feedback.Response", on_delete=models.CASCADE, related_name="alert_deliveries"
    )
    channel = models.CharField(max_length=10, choices=AlertChannel.choices)
    # Where it goes, for the log: email addresses, or the URL's host. Never the whole secret URL.
    target = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=10, choices=AlertDeliveryStatus.choices, default=AlertDeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Held for quiet hours: next_attempt_at is when they end.
    held = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "rule", "response", "channel"], name="alertdelivery_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="alertdelivery_log"),
            models.Index(fields=["organization", "response"], name="alertdelivery_response"),
            models.Index(
                fields=["next_attempt_at"], name="alertdelivery_due", condition=models.Q(status="pending")
            ),
            models.Index(
                fields=["claimed_at"], name="alertdelivery_sending", condition=models.Q(status="sending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk}"


class DigestFrequency(models.TextChoices):
    IMMEDIATE = "immediate", _("At once")
    HOURLY = "hourly", _("Hourly digest")
    DAILY = "daily", _("Daily digest")


class AlertDigestEntry(TenantModel):
    """A fired alert waiting for one recipient's hourly or daily digest email."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="+")
    response = models.ForeignKey("feedback.Response", on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(max_length=10, choices=DigestFrequency.choices)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the digest that carries this entry is claimed; sent_at when its email went out.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "rule", "response", "recipient"], name="alertdigest_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["due_at"], name="alertdigest_due", condition=models.Q(sent_at__isnull=True)),
        ]
