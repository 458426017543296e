from __future__ import annotations

from django.conf import settings
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


class Contact(TenantModel):
    """An identified respondent. Feedback is anonymous unless it carries one of these identifiers."""

    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    external_id = models.CharField(_("external id"), max_length=128, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
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
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.received_at:%Y-%m-%d}"
