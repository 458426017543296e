"""Closed-loop tickets: the ticket and its conversation and history, routing, SLA policies and clocks.

The clocks: ``first_response_due_at`` (first contact with the customer, by default 48 hours after the
feedback arrived) and ``resolution_due_at`` are computed from the ticket's SLA policy version and its
team's business-hours calendar when the policy applies, and stored. While the ticket is pending the
clocks are paused: the business time left is kept in ``*_remaining_seconds`` and the due times are
recomputed on resume. ``sla_next_check_at`` is the next moment a warning, breach or escalation is due;
the periodic scan reads an index over it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from core.tenancy import TenantModel


def _default_hours() -> dict[str, list[list[str]]]:
    workday = [["09:00", "17:00"]]
    return {
        "mon": workday,
        "tue": workday,
        "wed": workday,
        "thu": workday,
        "fri": workday,
        "sat": [],
        "sun": [],
    }


def _default_warnings() -> list[int]:
    return [75]


class BusinessCalendar(TenantModel):
    """Working hours in a time zone, with holidays: SLA clocks of teams that use it run only then."""

    name = models.CharField(_("name"), max_length=120)
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # {"mon": [["09:00", "17:00"]], ..., "sun": []}: intervals of local wall-clock time per weekday.
    hours = models.JSONField(_("working hours"), default=_default_hours)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint("organization", Lower("name"), name="calendar_name_unique")]

    def __str__(self) -> str:
        return self.name


class Holiday(TenantModel):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "calendar", "date"], name="holiday_unique")
        ]
        ordering = ["date"]


class SlaPolicy(TenantModel):
    """One version of an SLA policy. Editing a policy adds a version; tickets keep the one applied."""

    key = models.SlugField(max_length=60)
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    name = models.CharField(_("name"), max_length=120)
    first_response_hours = models.PositiveIntegerField(_("first contact within (hours)"), default=48)
    resolution_hours = models.PositiveIntegerField(
        _("resolution within (hours)"), null=True, blank=True, default=120
    )
    # Count only the team calendar's working hours; otherwise the clock runs around the clock.
    business_hours = models.BooleanField(_("count business hours only"), default=False)
    warn_at = ArrayField(models.PositiveSmallIntegerField(), default=_default_warnings)
    # After a breach the team lead is told at once; the escalation manager this many clock hours later.
    escalate_to_manager_after_hours = models.PositiveIntegerField(
        _("escalate to a manager after (hours)"), default=4
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key", "version"], name="slapolicy_version_unique"
            ),
            models.UniqueConstraint(
                fields=["organization", "key"],
                condition=models.Q(is_current=True),
                name="slapolicy_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class AssignmentMode(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round-robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")
    MANUAL = "manual", _("Nobody: members claim tickets")


class TeamQueue(TenantModel):
    """How a team works tickets: assignment, business hours, SLA policy and escalation."""

    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="queue")
    assignment = models.CharField(
        _("assignment"), max_length=20, choices=AssignmentMode.choices, default=AssignmentMode.ROUND_ROBIN
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("business hours"),
    )
    sla_policy_key = models.SlugField(_("SLA policy"), max_length=60, blank=True)
    # The member who got the last round-robin ticket; the next one goes to the member after.
    last_assigned = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalation_manager = models.ForeignKey(
        "accounts.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("escalation manager"),
    )


class RoutingRule(TenantModel):
    """In order, the first active rule whose conditions hold sends the ticket to its team."""

    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(_("active"), default=True)
    # The alert condition language (feedback.alerts.conditions), on the ticket's first response.
    conditions = models.JSONField(default=dict)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="+", verbose_name=_("team")
    )
    priority = models.CharField(_("priority"), max_length=10, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organization", "active", "position"], name="routingrule_org_active")]

    def __str__(self) -> str:
        return self.name


class RootCause(TenantModel):
    """The organisation's taxonomy of why customers were unhappy: categories with optional children."""

    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name=_("parent"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        constraints = [
            # NULLS NOT DISTINCT: two top-level causes with one name are duplicates too.
            models.UniqueConstraint(
                "organization", "parent", Lower("name"), name="rootcause_name_unique", nulls_distinct=False
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name  # type: ignore[union-attr]


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending (waiting on the customer)")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Outcome(models.TextChoices):
    FIXED = "fixed", _("Problem fixed")
    EXPLAINED = "explained", _("Explained to the customer")
    COMPENSATED = "compensated", _("Customer compensated")
    FEEDBACK_LOGGED = "feedback_logged", _("Passed on as product feedback")
    NO_REPLY = "no_reply", _("Customer did not reply")
    NO_ACTION = "no_action", _("No action needed")


class Ticket(TenantModel):
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    # The feedback that opened the ticket; later feedback of the same contact is appended (TicketResponse).
    response = models.ForeignKey(
        "feedback.Response", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        "feedback.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        "accounts.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    alert_rule = models.ForeignKey(
        "feedback.AlertRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    routing_rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    root_cause = models.ForeignKey(
        RootCause,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("root cause"),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    # Customers' email replies are addressed to reply+<token>@<inbound domain>.
    reply_token = models.CharField(max_length=40, unique=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_tickets"
    )

    # --- clocks ---
    sla_policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    feedback_at = models.DateTimeField(default=dj_timezone.now)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    first_response_remaining_seconds = models.BigIntegerField(null=True, blank=True)
    resolution_remaining_seconds = models.BigIntegerField(null=True, blank=True)
    sla_next_check_at = models.DateTimeField(null=True, blank=True)

    # --- closing the loop ---
    followup_survey = models.ForeignKey(
        "surveys.Survey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    followup_token = models.CharField(max_length=40, blank=True)
    followup_sent_at = models.DateTimeField(null=True, blank=True)
    followup_response = models.ForeignKey(
        "feedback.Response", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # None until the follow-up answers; True when a detractor's follow-up score is 7 or more.
    recovered = models.BooleanField(null=True, blank=True)

    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            # One open ticket per contact: new feedback of the contact is appended to it.
            models.UniqueConstraint(
                fields=["organization", "contact"],
                condition=models.Q(contact__isnull=False, status__in=["new", "open", "pending"]),
                name="ticket_one_open_per_contact",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "status", "first_response_due_at"], name="ticket_org_status_due"
            ),
            models.Index(fields=["organization", "assignee", "status"], name="ticket_org_assignee"),
            models.Index(fields=["organization", "team", "status"], name="ticket_org_team"),
            models.Index(fields=["organization", "-created_at"], name="ticket_org_created"),
            # The SLA scan.
            models.Index(
                fields=["sla_next_check_at"],
                name="ticket_sla_next_check",
                condition=models.Q(sla_next_check_at__isnull=False),
            ),
            models.Index(
                fields=["followup_token"],
                name="ticket_followup_token",
                condition=~models.Q(followup_token=""),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketResponse(TenantModel):
    """Feedback attached to a ticket: the first, and any later feedback of the same contact."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="ticket_responses")
    response = models.ForeignKey("feedback.Response", on_delete=models.CASCADE, related_name="ticket_links")
    added_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            # A response belongs to one ticket at most, however often a rule is evaluated on it.
            models.UniqueConstraint(fields=["organization", "response"], name="ticketresponse_unique"),
        ]


class MessageKind(models.TextChoices):
    REPLY = "reply", _("Reply to the customer")
    INBOUND = "inbound", _("Customer's reply")
    NOTE = "note", _("Internal note")
    CONTACT_LOG = "contact_log", _("Contact logged (call, chat…)")


class EmailStatus(models.TextChoices):
    NONE = "", _("Not an email")
    PENDING = "pending", _("Sending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class TicketMessage(TenantModel):
    """The conversation: replies by email, the customer's inbound replies, internal notes."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=12, choices=MessageKind.choices)
    author = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    to_email = models.EmailField(blank=True)
    from_email = models.EmailField(blank=True)
    # The email Message-ID: ours for replies (threading), the sender's for inbound (de-duplication).
    message_id = models.CharField(max_length=255, blank=True)
    email_status = models.CharField(max_length=10, choices=EmailStatus.choices, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "ticket", "message_id"],
                condition=models.Q(kind="inbound") & ~models.Q(message_id=""),
                name="ticketmessage_inbound_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "ticket", "created_at"], name="ticketmessage_ticket"),
            models.Index(
                fields=["claimed_at"],
                name="ticketmessage_email_due",
                condition=models.Q(email_status="pending"),
            ),
        ]


class TicketEvent(TenantModel):
    """The audit history of a ticket: every change, who made it, before and after."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "" for the system (a rule, the SLA scan, an inbound email).
    actor_label = models.CharField(max_length=254, blank=True)
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organization", "ticket", "created_at"], name="ticketevent_ticket")]


class SlaClock(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First contact")
    RESOLUTION = "resolution", _("Resolution")


class SlaNotice(TenantModel):
    """A warning, breach or escalation raised on a ticket's clock: at most once each (unique)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_notices")
    clock = models.CharField(max_length=20, choices=SlaClock.choices)
    # "warning_75", "breach", "escalation_manager".
    kind = models.CharField(max_length=30)
    due_at = models.DateTimeField()
    raised_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "ticket", "clock", "kind"], name="slanotice_once"
            ),
        ]


class CannedResponse(TenantModel):
    """A reply template with placeholders such as {contact_name}, {ticket_number}, {agent_name}."""

    name = models.CharField(_("name"), max_length=120)
    body = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint("organization", Lower("name"), name="canned_name_unique")]

    def __str__(self) -> str:
        return self.name


class SavedView(TenantModel):
    """A named set of queue filters and a sort; private to its owner unless shared."""

    name = models.CharField(_("name"), max_length=120)
    owner = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="+")
    shared = models.BooleanField(_("shared with the organisation"), default=False)
    filters = models.JSONField(default=dict)
    sort = models.CharField(max_length=30, default="deadline")
    created_at = models.DateTimeField(default=dj_timezone.now)

    def __str__(self) -> str:
        return self.name


class Notification(TenantModel):
    """An in-app notification for one member (the bell), optionally emailed too."""

    recipient = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=dj_timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "recipient", "-created_at"], name="notification_recipient"),
        ]


class NotificationPreference(TenantModel):
    """Which notifications a member also wants by email (in-app ones are always shown)."""

    membership = models.OneToOneField(
        "accounts.Membership", on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_assigned = models.BooleanField(_("a ticket is assigned to me"), default=True)
    email_customer_reply = models.BooleanField(_("a customer replies on my ticket"), default=True)
    email_sla = models.BooleanField(_("SLA warnings, breaches and escalations"), default=True)
