"""Reads about surveys, touchpoints and the journey. Every read takes the organisation first, and the
member's access scope where data is limited by access groups."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import Organization
from accounts.selectors import AccessScope
from surveys.models import JourneyStage, Survey, SurveyVersion, Touchpoint


def survey_scope_q(scope: AccessScope, *, prefix: str = "") -> Q:
    """The surveys a member may see: every one, or those listed in their access groups or on a listed
    touchpoint. ``prefix`` reaches surveys through a relation, e.g. ``"surveys__"`` from touchpoints."""
    if scope.unrestricted:
        return Q()
    return Q(**{f"{prefix}pk__in": scope.survey_ids}) | Q(
        **{f"{prefix}touchpoint_id__in": scope.touchpoint_ids}
    )


def _or_none(q: Q) -> Q | None:
    # An empty Q means "no limit"; aggregates take None for that.
    return q if q else None


def survey_in_scope(scope: AccessScope, survey: Survey) -> bool:
    return scope.unrestricted or survey.pk in scope.survey_ids or survey.touchpoint_id in scope.touchpoint_ids


def _surveys(organization: Organization, scope: AccessScope) -> QuerySet[Survey]:
    return (
        Survey.all_orgs.filter(organization=organization)
        .filter(survey_scope_q(scope))
        .select_related("touchpoint", "touchpoint__stage", "current_version", "current_version__published_by")
        # Both counts in the same query as the surveys: one aggregate over the joined responses.
        .annotate(
            response_total=Count("responses"),
            response_finished=Count("responses", filter=Q(responses__finished_at__isnull=False)),
        )
    )


def survey_list(
    *,
    organization: Organization,
    scope: AccessScope,
    status: str = "",
    touchpoint_id: int | None = None,
    search: str = "",
) -> QuerySet[Survey]:
    """The surveys the member may see, newest change first, with ``response_total`` and
    ``response_finished`` on each."""
    surveys = _surveys(organization, scope)
    if status:
        surveys = surveys.filter(status=status)
    if touchpoint_id is not None:
        surveys = surveys.filter(touchpoint_id=touchpoint_id)
    if search.strip():
        surveys = surveys.filter(name__icontains=search.strip())
    return surveys.order_by("-updated_at", "-pk")


def survey_get(*, organization: Organization, survey_id: int, scope: AccessScope) -> Survey:
    """One survey with its response counts; Survey.DoesNotExist when it is missing, belongs to another
    organisation or lies outside the member's access scope (all three read the same)."""
    return _surveys(organization, scope).get(pk=survey_id)


def touchpoint_scope_q(scope: AccessScope) -> Q:
    """Touchpoints a member may see: listed ones, and those of the surveys listed for them."""
    if scope.unrestricted:
        return Q()
    return Q(pk__in=scope.touchpoint_ids) | Q(surveys__pk__in=scope.survey_ids)


def touchpoint_list(*, organization: Organization, scope: AccessScope) -> QuerySet[Touchpoint]:
    """Touchpoints the member may see, by name, each with ``survey_count`` (of surveys they may see)."""
    visible_ids = (
        Touchpoint.all_orgs.filter(organization=organization).filter(touchpoint_scope_q(scope)).values("pk")
    )
    return (
        Touchpoint.all_orgs.filter(organization=organization, pk__in=visible_ids)
        .select_related("stage")
        .annotate(survey_count=Count("surveys", filter=_or_none(survey_scope_q(scope, prefix="surveys__"))))
        .order_by("name")
    )


def touchpoint_get(*, organization: Organization, touchpoint_id: int, scope: AccessScope) -> Touchpoint:
    """Touchpoint.DoesNotExist when missing, another organisation's, or outside the scope."""
    return touchpoint_list(organization=organization, scope=scope).get(pk=touchpoint_id)


def touchpoint_choices(*, organization: Organization, scope: AccessScope) -> QuerySet[Touchpoint]:
    """Touchpoints a member may see, by name, for choosing among them (e.g. to filter surveys)."""
    visible_ids = (
        Touchpoint.all_orgs.filter(organization=organization).filter(touchpoint_scope_q(scope)).values("pk")
    )
    return (
        Touchpoint.all_orgs.filter(organization=organization, pk__in=visible_ids)
        .select_related("stage")
        .order_by("name")
    )


def touchpoint_assignable(
    *, organization: Organization, scope: AccessScope, include_id: int | None = None
) -> QuerySet[Touchpoint]:
    """Touchpoints a member may put a survey on so that they still see it afterwards: any for an
    unrestricted member, else the touchpoints of their access groups (plus ``include_id``, the
    survey's current one)."""
    touchpoints = Touchpoint.all_orgs.filter(organization=organization)
    if not scope.unrestricted:
        allowed = Q(pk__in=scope.touchpoint_ids)
        if include_id is not None:
            allowed |= Q(pk=include_id)
        touchpoints = touchpoints.filter(allowed)
    return touchpoints.select_related("stage").order_by("name")


def journey_stage_choices(*, organization: Organization) -> QuerySet[JourneyStage]:
    return JourneyStage.all_orgs.filter(organization=organization).order_by("position", "name", "pk")


def journey_stage_list(*, organization: Organization, scope: AccessScope) -> QuerySet[JourneyStage]:
    """The journey in order. Each stage carries ``touchpoint_count`` (of all its touchpoints) and
    ``visible_touchpoints``: the touchpoints the member may see, with their ``survey_count``."""
    return (
        JourneyStage.all_orgs.filter(organization=organization)
        .annotate(touchpoint_count=Count("touchpoints", distinct=True))
        .prefetch_related(
            Prefetch(
                "touchpoints",
                queryset=touchpoint_list(organization=organization, scope=scope),
                to_attr="visible_touchpoints",
            )
        )
        .order_by("position", "name", "pk")
    )


def journey_stage_get(*, organization: Organization, stage_id: int) -> JourneyStage:
    """Stages are the organisation's shared structure: not limited by access groups."""
    return JourneyStage.all_orgs.get(organization=organization, pk=stage_id)


@lru_cache(maxsize=512)
def version_definition(version_id: int) -> dict[str, Any]:
    """The frozen definition of a published version, parsed once per process (the ingestion hot path).

    Safe to cache without invalidation: a published version never changes (editing a live survey
    publishes a new version). Callers must not mutate the result.
    """
    definition = SurveyVersion.all_orgs.filter(pk=version_id).values_list("definition", flat=True).first()
    return definition if isinstance(definition, dict) else {}
