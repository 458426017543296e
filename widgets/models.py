from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tenancy import TenantModel
from widgets.targeting import default_targeting

COOLDOWN_DAYS_MAX = 365


class ButtonSide(models.TextChoices):
    RIGHT = "right", _("Right")
    LEFT = "left", _("Left")


class Site(TenantModel):
    """A website that embeds the widget. Its publishable key is write-only and bound to its origins."""

    name = models.CharField(_("name"), max_length=120)
    origins = ArrayField(
        models.CharField(max_length=255),
        default=list,
        verbose_name=_("allowed origins"),
        help_text=_("For example https://www.example.com; one per line."),
    )
    public_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The surveys this site may show and collect, each with its targeting; the publishable key writes to
    # these only. Services check that both ends of an intercept belong to the site's organisation.
    surveys = models.ManyToManyField(
        "surveys.Survey", blank=True, related_name="sites", through="widgets.Intercept"
    )
    cooldown_days = models.PositiveSmallIntegerField(
        _("cooldown (days)"),
        default=7,
        validators=[MaxValueValidator(COOLDOWN_DAYS_MAX)],
        help_text=_(
            "After a survey was shown to a visitor, no other survey appears by itself for this many days."
        ),
    )
    # The always-on feedback tab opens this survey; it is always one of the site's intercepts.
    button_survey = models.ForeignKey(
        "surveys.Survey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    button_label = models.CharField(_("button label"), max_length=40, blank=True)
    button_side = models.CharField(
        _("button side"), max_length=5, choices=ButtonSide.choices, default=ButtonSide.RIGHT
    )

    class Meta:
        indexes = [models.Index(fields=["organization", "-created_at"], name="site_org_created")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cooldown_days__lte=COOLDOWN_DAYS_MAX), name="site_cooldown_range"
            ),
            models.CheckConstraint(
                condition=models.Q(button_side__in=ButtonSide.values), name="site_button_side_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Intercept(TenantModel):
    """A survey on a site, with who sees it and when (``targeting``, see widgets.targeting)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="intercepts")
    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="intercepts")
    targeting = models.JSONField(default=default_targeting)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "site", "survey"], name="intercept_site_survey_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.site} · {self.survey}"
