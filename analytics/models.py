"""Rollups: per organisation-local day, the sufficient statistics of every metric, and answer counts.

A row of ``DailyRollup`` holds the counts and sums from which NPS, CSAT and CES and their confidence
intervals are computed exactly, for one (day, survey, touchpoint, channel, language). Adding rows adds
the statistics, so any period and any grouping over these dimensions is a sum over rows. Journey stage is
read through the touchpoint at query time. ``DailyFacet`` counts answers per question and value, the
questions answered (for drop-off), and themes.

The rows of one (organisation, day) are always rebuilt together from the raw responses, so a rebuild is
idempotent; ``RollupDirtyDay`` records the days that changed since their last rebuild.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from core.tenancy import TenantModel


class DailyRollup(TenantModel):
    day = models.DateField()
    survey_id = models.IntegerField(null=True)
    touchpoint_id = models.IntegerField(null=True)
    channel = models.CharField(max_length=20)
    language = models.CharField(max_length=10)
    responses = models.IntegerField(default=0)
    finished = models.IntegerField(default=0)
    nps_n = models.IntegerField(default=0)
    promoters = models.IntegerField(default=0)
    detractors = models.IntegerField(default=0)
    csat_n = models.IntegerField(default=0)
    csat_satisfied = models.IntegerField(default=0)
    ces_n = models.IntegerField(default=0)
    ces_sum = models.BigIntegerField(default=0)
    ces_sumsq = models.BigIntegerField(default=0)
    ces_easy = models.IntegerField(default=0)
    comments = models.IntegerField(default=0)
    positive = models.IntegerField(default=0)
    neutral = models.IntegerField(default=0)
    negative = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "survey_id", "touchpoint_id", "channel", "language"],
                name="daily_rollup_unique",
                nulls_distinct=False,
            )
        ]
        indexes = [models.Index(fields=["organization", "day"], name="daily_rollup_org_day")]


class FacetKind(models.TextChoices):
    ANSWER = "answer"  # key = question key, value = the answer (a choice key, a scale point, "row=col")
    ANSWERED = "answered"  # key = question key, value = "": responses that answered the question
    THEME = "theme"  # key = theme id, value = sentiment ("positive", "neutral", "negative" or "")


class DailyFacet(TenantModel):
    day = models.DateField()
    survey_id = models.IntegerField(null=True)
    touchpoint_id = models.IntegerField(null=True)
    channel = models.CharField(max_length=20)
    language = models.CharField(max_length=10)
    kind = models.CharField(max_length=10, choices=FacetKind.choices)
    key = models.CharField(max_length=64)
    value = models.CharField(max_length=200, blank=True)
    count = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "kind", "day"], name="daily_facet_org_kind_day"),
            models.Index(fields=["organization", "survey_id", "kind", "day"], name="daily_facet_org_survey"),
        ]


class RollupDirtyDay(TenantModel):
    """A day whose rollup rows are older than its responses. ``version`` grows with every mark, so a
    rebuild that started before a newer mark leaves the mark in place."""

    day = models.DateField()
    version = models.BigIntegerField(default=1)
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "day"], name="rollup_dirty_day_unique")
        ]
