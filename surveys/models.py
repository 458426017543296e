from __future__ import annotations

from django.conf import settings
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


class Survey(TenantModel):
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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organization", "status"], name="survey_org_status")]

    def __str__(self) -> str:
        return self.name
