from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tenancy import TenantModel


class BoardShare(TenantModel):
    """A read-only link to the board dashboard that needs no login. Only a SHA-256 of the token is
    stored; revoking it makes the link answer 404 at once."""

    label = models.CharField(_("label"), max_length=120, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "-created_at"], name="board_share_org_created")]


class DigestSubscription(TenantModel):
    """A member's opt-in to the weekly board digest by email, sent in the member's language."""

    membership = models.OneToOneField(
        "accounts.Membership", on_delete=models.CASCADE, related_name="digest_subscription"
    )
    weekly = models.BooleanField(_("send me the weekly digest"), default=False)
    # The Monday (organisation-local) of the last week sent: a week is sent at most once.
    last_week_sent = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)


class Dashboard(TenantModel):
    """A CX manager's own composition of tiles, private or shared with the organisation."""

    name = models.CharField(_("name"), max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    shared = models.BooleanField(_("shared with the organisation"), default=False)
    # Filters for every tile (same keys as the results filters): period, survey, channel, ...
    filters = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TileKind(models.TextChoices):
    METRIC = "metric", _("Metric")
    TREND = "trend", _("Trend")
    BREAKDOWN = "breakdown", _("Breakdown")
    CROSSTAB = "crosstab", _("Cross-tab")
    THEMES = "themes", _("Themes")
    FEED = "feed", _("Comment feed")


class Tile(TenantModel):
    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="tiles")
    kind = models.CharField(_("kind"), max_length=20, choices=TileKind.choices)
    title = models.CharField(_("title"), max_length=120, blank=True)
    position = models.PositiveIntegerField(default=0)
    # The tile's own settings: metric, group_by, columns, interval, limit, and its own filters.
    config = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["position", "pk"]
