from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tenancy import TenantModel


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
    # The surveys this site may show and collect; its publishable key writes to these only. Pure link
    # rows behind the scoped site; services check both ends belong to the same organisation.
    surveys = models.ManyToManyField("surveys.Survey", blank=True, related_name="sites")

    class Meta:
        indexes = [models.Index(fields=["organization", "-created_at"], name="site_org_created")]

    def __str__(self) -> str:
        return self.name
