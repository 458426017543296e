from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tenancy import TenantModel


class JourneyStage(TenantModel):
    """A step of the customer journey (e.g. Discover, Buy, Use, Get help); touchpoints belong to one."""

    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint("organization", Lower("name"), name="journey_stage_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Touchpoint(TenantModel):
    """Where feedback is asked for, e.g. "Checkout" or "Support chat"."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    stage = models.ForeignKey(
        JourneyStage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="touchpoints",
        verbose_name=_("journey stage"),
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint("organization", Lower("name"), name="touchpoint_name_unique")]

    def __str__(self) -> str:
        return self.name


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    LIVE = "live", _("Live")
    PAUSED = "paused", _("Paused")
    CLOSED = "closed", _("Closed")


def _public_id() -> str:
    return secrets.token_urlsafe(6)


def empty_definition() -> dict[str, Any]:
    return {
        "schema": 1,
        "base_language": "en",
        "languages": ["en"],
        "hidden_fields": [],
        "questions": [],
        "endings": [{"key": "thanks", "type": "message", "title": {"en": "Thank you!"}}],
        "theme": {"brand_color": "#0b5cad", "mode": "auto", "logo_url": ""},
        "settings": {"layout": "one_per_screen", "progress": True},
    }


class Survey(TenantModel):
    """A survey and its working draft. Publishing freezes the draft into a SurveyVersion."""

    name = models.CharField(_("name"), max_length=200)
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("touchpoint")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    base_language = models.CharField(
        _("base language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    # The short public address of the hosted link survey: /s/<public_id>/
    public_id = models.CharField(max_length=16, unique=True, default=_public_id)
    draft = models.JSONField(_("draft definition"), default=empty_definition)
    draft_revision = models.PositiveIntegerField(default=0)
    current_version = models.ForeignKey(
        "SurveyVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    starts_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    response_limit = models.PositiveIntegerField(_("response limit"), null=True, blank=True)
    sampling_percent = models.PositiveSmallIntegerField(
        _("sampling %"), default=100, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    recontact_days = models.PositiveIntegerField(
        _("recontact period (days)"),
        null=True,
        blank=True,
        help_text=_("Do not ask the same person again within this many days."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organization", "status"], name="survey_org_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sampling_percent__gte=1, sampling_percent__lte=100),
                name="survey_sampling_range",
            ),
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True)
                | models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="survey_schedule_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SurveyVersion(TenantModel):
    """A frozen, validated definition. Responses keep the version they answered."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "survey", "number"], name="survey_version_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey} v{self.number}"
