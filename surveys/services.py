"""Writes about journeys, touchpoints and surveys. Keyword-only, atomic.

Deliberately small for now: the survey builder issue extends surveys with versions, questions and
translations and will grow these services (and add update/delete) alongside.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from surveys.models import JourneyStage, Survey, SurveyStatus, Touchpoint


def _clean_name(name: str, message: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": message})
    return name


@transaction.atomic
def journey_stage_create(*, organization: Organization, name: str, position: int = 0) -> JourneyStage:
    name = _clean_name(name, _("Give the journey stage a name."))
    if position < 0:
        raise ValidationError({"position": _("The position cannot be negative.")})
    if JourneyStage.all_orgs.filter(organization=organization, name__iexact=name).exists():
        raise ValidationError({"name": _("A journey stage with this name already exists.")})
    return JourneyStage.all_orgs.create(organization=organization, name=name, position=position)


@transaction.atomic
def touchpoint_create(
    *,
    organization: Organization,
    name: str,
    stage: JourneyStage | None = None,
    description: str = "",
) -> Touchpoint:
    name = _clean_name(name, _("Give the touchpoint a name."))
    if stage is not None and stage.organization_id != organization.pk:
        # Another tenant's stage reads exactly like a missing one.
        raise ValidationError({"stage": _("Choose a journey stage from the list.")})
    if Touchpoint.all_orgs.filter(organization=organization, name__iexact=name).exists():
        raise ValidationError({"name": _("A touchpoint with this name already exists.")})
    return Touchpoint.all_orgs.create(
        organization=organization, name=name, stage=stage, description=description.strip()
    )


@transaction.atomic
def survey_create(
    *,
    organization: Organization,
    name: str,
    touchpoint: Touchpoint,
    base_language: str = "en",
    status: str = SurveyStatus.DRAFT,
    created_by: User | None = None,
) -> Survey:
    name = _clean_name(name, _("Give the survey a name."))
    if touchpoint.organization_id != organization.pk:
        raise ValidationError({"touchpoint": _("Choose a touchpoint from the list.")})
    if base_language not in dict(settings.LANGUAGES):
        raise ValidationError({"base_language": _("Choose a language from the list.")})
    if status not in SurveyStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    return Survey.all_orgs.create(
        organization=organization,
        name=name,
        touchpoint=touchpoint,
        base_language=base_language,
        status=status,
        created_by=created_by,
    )
