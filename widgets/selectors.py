"""Reads about websites, their publishable keys and their intercepts. The organisation comes first."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization
from accounts.selectors import AccessScope
from feedback.models import Response
from feedback.services import survey_unavailable_reason
from surveys.models import Survey
from surveys.selectors import survey_scope_q, version_definition
from widgets.models import Intercept, Site
from widgets.targeting import not_shown_reason, validate_targeting


def site_list(*, organization: Organization) -> QuerySet[Site]:
    return Site.all_orgs.filter(organization=organization).order_by("-created_at")


def site_get(*, organization: Organization, site_id: int) -> Site:
    """Another organisation's site is a 404, exactly like a missing one."""
    return get_object_or_404(
        Site.all_orgs.select_related("organization", "button_survey"), organization=organization, pk=site_id
    )


def intercept_get(*, organization: Organization, site: Site, intercept_id: int) -> Intercept:
    """One intercept of ``site``; another site's or organisation's is a 404 like a missing one."""
    return get_object_or_404(
        Intercept.all_orgs.select_related("site__organization", "survey").defer("survey__draft"),
        organization=organization,
        site=site,
        pk=intercept_id,
    )


def survey_choices(
    *, organization: Organization, scope: AccessScope, not_on: Site | None = None
) -> QuerySet[Survey]:
    """The surveys a member may put on a website: any status, those they may see, by name; without
    those already on the site ``not_on``."""
    surveys = Survey.all_orgs.filter(organization=organization).filter(survey_scope_q(scope))
    if not_on is not None:
        surveys = surveys.exclude(
            pk__in=Intercept.all_orgs.filter(organization=organization, site=not_on).values("survey_id")
        )
    return surveys.defer("draft").order_by("name", "pk")


@dataclass(frozen=True)
class InterceptState:
    """An intercept as the widget sees it: ``not_shown`` says why it is left out, None when it is shown."""

    intercept: Intercept
    targeting: dict[str, Any]  # normalised, defaults filled in ({} when the stored one is not valid)
    definition: dict[str, Any]  # the current published version ({} for a draft); do not mutate
    not_shown: str | None

    @property
    def shown(self) -> bool:
        return self.not_shown is None


def _unavailable(survey: Survey, finished: dict[int, int], now: datetime) -> str | None:
    if survey.response_limit is None:
        return survey_unavailable_reason(survey, now=now)
    # The same rules, with the finished responses of every limited survey counted in one query (see
    # _finished_counts) rather than one query per survey.
    unlimited = copy.copy(survey)
    unlimited.response_limit = None
    reason = survey_unavailable_reason(unlimited, now=now)
    if reason is None and finished.get(survey.pk, 0) >= survey.response_limit:
        return "full"
    return reason


def _finished_counts(organization_id: int, intercepts: list[Intercept]) -> dict[int, int]:
    limited = [i.survey_id for i in intercepts if i.survey.response_limit is not None]
    if not limited:
        return {}
    rows = (
        Response.all_orgs.filter(
            organization_id=organization_id, survey_id__in=limited, finished_at__isnull=False
        )
        .values_list("survey_id")
        .annotate(total=Count("pk"))
    )
    return dict(rows)


def intercept_states(
    *, organization: Organization, site: Site, now: datetime | None = None
) -> list[InterceptState]:
    """Every intercept of ``site``, oldest first, each with whether the widget shows it and why not.

    Two queries, plus one per survey version not yet in this process's definition cache.
    """
    now = now or timezone.now()
    intercepts = list(
        Intercept.all_orgs.filter(organization=organization, site=site)
        .select_related("survey")
        .defer("survey__draft")
        .order_by("created_at", "pk")
    )
    finished = _finished_counts(organization.pk, intercepts)
    states: list[InterceptState] = []
    for intercept in intercepts:
        survey = intercept.survey
        version_id = survey.current_version_id
        definition = version_definition(version_id) if version_id is not None else {}
        reason = not_shown_reason(unavailable=_unavailable(survey, finished, now), definition=definition)
        try:
            targeting = validate_targeting(intercept.targeting)
        except ValidationError:
            targeting = {}
            reason = reason or _("its targeting is not valid: edit it")
        states.append(InterceptState(intercept, targeting, definition, reason))
    return states
