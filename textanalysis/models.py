from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tenancy import TenantModel


class Sentiment(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class Theme(TenantModel):
    """A subject customers write about ("Delivery", "Price"). A comment belongs to a theme when it
    contains one of the theme's keywords in the comment's language (matched on word stems)."""

    name = models.CharField(_("name"), max_length=80)
    # {"en": ["delivery", "courier"], "ru": ["доставка"], ...}: the keywords per language.
    keywords = models.JSONField(_("keywords"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint("organization", Lower("name"), name="theme_name_unique")]

    def __str__(self) -> str:
        return self.name


class Tag(TenantModel):
    """A label a person puts on a response by hand."""

    name = models.CharField(_("name"), max_length=60)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint("organization", Lower("name"), name="tag_name_unique")]

    def __str__(self) -> str:
        return self.name


class ResponseTag(TenantModel):
    response = models.ForeignKey("feedback.Response", on_delete=models.CASCADE, related_name="response_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="response_tags")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "tag"], name="response_tag_unique")]
        indexes = [models.Index(fields=["organization", "tag"], name="response_tag_org_tag")]
