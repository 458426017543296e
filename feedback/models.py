from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tenancy import TenantModel


class Channel(models.TextChoices):
    WEB = "web", _("Website widget")
    LINK = "link", _("Link survey")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    KIOSK = "kiosk", _("Kiosk")
    API = "api", _("API")
    APP_REVIEW = "app_review", _("App-store review")
    CHAT = "chat", _("Chat rating")
    CALL_CENTRE = "call_centre", _("Call centre")
    IMPORT = "import", _("Import")


class Consent(models.TextChoices):
    UNKNOWN = "unknown", _("Not asked")
    GRANTED = "granted", _("Given")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Contact(TenantModel):
    """An identified respondent. Feedback is anonymous unless it carries one of these identifiers."""

    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    external_id = models.CharField(_("external id"), max_length=128, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    # Consent to be asked for feedback (campaigns); unsubscribing also withdraws it.
    consent = models.CharField(_("consent"), max_length=10, choices=Consent.choices, default=Consent.UNKNOWN)
    consent_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("email"), condition=~models.Q(email=""), name="contact_email_unique"
            ),
            models.UniqueConstraint(
                fields=["organization", "phone"], condition=~models.Q(phone=""), name="contact_phone_unique"
            ),
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~models.Q(external_id=""),
                name="contact_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or self.external_id or str(self.pk)


class Response(TenantModel):
    """One piece of feedback from any channel: a survey response or an item from another system."""

    client_id = models.UUIDField(_("client id"), null=True, blank=True)
    # NULL, not "", means "none given": the unique constraint then ignores it.
    external_id = models.CharField(_("external id"), max_length=200, null=True, blank=True)  # noqa: DJ001
    survey = models.ForeignKey(
        "surveys.Survey", null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    survey_version = models.ForeignKey(
        "surveys.SurveyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    touchpoint = models.ForeignKey(
        "surveys.Touchpoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # Headline scores are copied out of the answers so that metrics can aggregate them with an index.
    nps = models.PositiveSmallIntegerField(null=True, blank=True)
    csat = models.PositiveSmallIntegerField(null=True, blank=True)
    ces = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    hidden_fields = models.JSONField(_("hidden fields"), default=dict, blank=True)
    meta = models.JSONField(_("metadata"), default=dict, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The ending the respondent reached (a key of the version's endings), once finished.
    ending = models.CharField(max_length=40, blank=True)
    # Text analytics (textanalysis), filled by the workers after the response commits.
    sentiment = models.CharField(_("sentiment"), max_length=10, blank=True)  # positive, neutral, negative
    sentiment_score = models.FloatField(null=True, blank=True)  # -1 … 1
    keywords = ArrayField(models.CharField(max_length=80), default=list, blank=True)
    theme_ids = ArrayField(models.IntegerField(), default=list, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "client_id"],
                condition=models.Q(client_id__isnull=False),
                name="response_client_id_unique",
            ),
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="response_external_id_unique",
            ),
            models.CheckConstraint(condition=models.Q(nps__lte=10), name="response_nps_range"),
            models.CheckConstraint(condition=models.Q(csat__gte=1, csat__lte=5), name="response_csat_range"),
            models.CheckConstraint(condition=models.Q(ces__gte=1, ces__lte=7), name="response_ces_range"),
        ]
        indexes = [
            models.Index(fields=["organization", "-received_at"], name="response_org_received"),
            models.Index(fields=["organization", "survey", "-received_at"], name="response_org_survey"),
            GinIndex(fields=["theme_ids"], name="response_theme_ids"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.received_at:%Y-%m-%d}"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    VALIDATED = "validated", _("Checked")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class FileImportJob(TenantModel):
    """One uploaded CSV or XLSX file, its column mapping and its import's progress: the part that
    feedback imports and contact imports share (``feedback.imports.jobs`` runs both).

    ``processed_rows`` is the import's cursor: it is saved in the same transaction as each chunk of
    rows, so a run that stops (a crash, a time limit) continues exactly where the last chunk ended.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    original_name = models.CharField(_("file name"), max_length=255)
    # The file's name in the default storage (under MEDIA_ROOT), random so that it cannot be guessed.
    file_path = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    file_kind = models.CharField(max_length=10)
    delimiter = models.CharField(max_length=1, blank=True)
    columns = models.JSONField(default=list, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    mapping = models.JSONField(default=dict, blank=True)
    # The validation report (a dry run over every row): counts, and the first problems by row number.
    valid_rows = models.PositiveIntegerField(null=True, blank=True)
    invalid_rows = models.PositiveIntegerField(null=True, blank=True)
    report = models.JSONField(default=list, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    created_rows = models.PositiveIntegerField(default=0)
    failed_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    validated_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_active(self) -> bool:
        return self.status in {ImportStatus.QUEUED, ImportStatus.RUNNING}

    @property
    def percent(self) -> int:
        return min(100, self.processed_rows * 100 // self.total_rows) if self.total_rows else 0


class ImportJob(FileImportJob):
    """An import of external feedback; rows already stored (by external id) count as existing."""

    existing_rows = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["organization", "-created_at"], name="importjob_org_created")]


# Alert models live with their code; importing them here makes them part of the feedback app.
from feedback.alerts.models import (  # noqa: E402
    AlertChannel,
    AlertDelivery,
    AlertDeliveryStatus,
    AlertDigestEntry,
    AlertMatch,
    AlertRule,
    CooldownScope,
    DigestFrequency,
    MatchOutcome,
)

__all__ = [
    "AlertChannel",
    "AlertDelivery",
    "AlertDeliveryStatus",
    "AlertDigestEntry",
    "AlertMatch",
    "AlertRule",
    "Channel",
    "Consent",
    "Contact",
    "CooldownScope",
    "DigestFrequency",
    "ImportJob",
    "ImportStatus",
    "MatchOutcome",
    "Response",
]
