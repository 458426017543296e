"""Writes about journeys, touchpoints, surveys, drafts and published versions. Keyword-only, atomic."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization, User
from accounts.services import audit_record
from feedback.models import Response
from surveys.definition.schema import DefinitionError, Issue, validate_definition
from surveys.models import JourneyStage, Survey, SurveyStatus, SurveyVersion, Touchpoint, empty_definition


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
    definition: Mapping[str, Any] | None = None,
) -> Survey:
    """A new survey whose draft is ``definition`` (blank when None), validated as a draft."""
    name = _clean_name(name, _("Give the survey a name."))
    if touchpoint.organization_id != organization.pk:
        raise ValidationError({"touchpoint": _("Choose a touchpoint from the list.")})
    if base_language not in dict(settings.LANGUAGES):
        raise ValidationError({"base_language": _("Choose a language from the list.")})
    if status not in SurveyStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    draft: dict[str, Any] = copy.deepcopy(dict(definition)) if definition is not None else empty_definition()
    if definition is None:
        draft["base_language"] = base_language
        draft["languages"] = [base_language]
        draft["endings"][0]["title"] = {base_language: _localized_thanks(base_language)}
    _validate_draft(draft)
    return Survey.all_orgs.create(
        organization=organization,
        name=name,
        touchpoint=touchpoint,
        base_language=str(draft["base_language"]),
        status=status,
        created_by=created_by,
        draft=draft,
    )


def _localized_thanks(language: str) -> str:
    with translation.override(language):
        return str(_("Thank you!"))


def _validate_draft(definition: Any, *, for_publish: bool = False) -> None:
    try:
        validate_definition(definition, for_publish=for_publish)
    except DefinitionError as exc:
        raise DraftInvalid(exc.issues) from None


class DraftInvalid(ValidationError):
    """The definition does not validate; ``issues`` point at the question and field."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__([str(issue.message) for issue in issues])
        self.issues = issues


class DraftConflict(ValidationError):
    """Someone saved the draft since this editor loaded it."""


@transaction.atomic
def survey_save_draft(*, survey: Survey, definition: Any, revision: int, actor: User) -> Survey:
    """Save the working draft. ``revision`` is the one the editor loaded: a stale editor gets
    DraftConflict instead of silently overwriting a colleague's work. The live version is untouched
    until the draft is published."""
    locked = Survey.all_orgs.select_for_update().get(pk=survey.pk, organization_id=survey.organization_id)
    if locked.draft_revision != revision:
        raise DraftConflict(
            _("Someone else saved this survey while you were editing. Reload to see their changes.")
        )
    _validate_draft(definition)
    locked.draft = definition
    locked.base_language = definition["base_language"]
    locked.draft_revision = revision + 1
    locked.updated_at = timezone.now()
    locked.save(update_fields=["draft", "base_language", "draft_revision", "updated_at"])
    return locked


@transaction.atomic
def survey_publish(*, survey: Survey, actor: Membership, note: str = "") -> SurveyVersion:
    """Freeze the draft into the next version and make it live. Responses already started keep the
    version they started on; new ones get this one."""
    locked = Survey.all_orgs.select_for_update().get(pk=survey.pk, organization_id=survey.organization_id)
    _validate_draft(locked.draft, for_publish=True)
    if locked.current_version is not None and locked.current_version.definition == locked.draft:
        raise ValidationError(_("Nothing has changed since the last published version."))
    number = (
        SurveyVersion.all_orgs.filter(organization_id=locked.organization_id, survey=locked)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
        or 0
    ) + 1
    version = SurveyVersion.all_orgs.create(
        organization_id=locked.organization_id,
        survey=locked,
        number=number,
        definition=copy.deepcopy(locked.draft),
        published_by=actor.user,
        note=note.strip()[:200],
    )
    before = {
        "status": locked.status,
        "version": locked.current_version.number if locked.current_version else None,
    }
    locked.current_version = version
    if locked.status in (SurveyStatus.DRAFT, SurveyStatus.CLOSED):
        locked.status = SurveyStatus.LIVE
    locked.updated_at = timezone.now()
    locked.save(update_fields=["current_version", "status", "updated_at"])
    audit_record(
        organization=locked.organization,
        actor=actor.user,
        action="survey.published",
        target=locked,
        before=before,
        after={"status": locked.status, "version": number},
    )
    return version


_ALLOWED_STATUS = {
    SurveyStatus.LIVE: {SurveyStatus.PAUSED, SurveyStatus.CLOSED},
    SurveyStatus.PAUSED: {SurveyStatus.LIVE, SurveyStatus.CLOSED},
    SurveyStatus.CLOSED: {SurveyStatus.LIVE},
    SurveyStatus.DRAFT: set(),
}


@transaction.atomic
def survey_set_status(*, survey: Survey, status: str, actor: Membership) -> Survey:
    """Pause, resume, close or reopen a published survey."""
    locked = Survey.all_orgs.select_for_update().get(pk=survey.pk, organization_id=survey.organization_id)
    if status not in _ALLOWED_STATUS.get(SurveyStatus(locked.status), set()):
        raise ValidationError(
            _("A %(current)s survey cannot become %(new)s.")
            % {
                "current": locked.get_status_display(),
                "new": SurveyStatus(status).label if status in SurveyStatus.values else status,
            }
        )
    before = {"status": locked.status}
    locked.status = status
    locked.updated_at = timezone.now()
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        organization=locked.organization,
        actor=actor.user,
        action="survey.status_changed",
        target=locked,
        before=before,
        after={"status": status},
    )
    return locked


@transaction.atomic
def survey_update_settings(
    *,
    survey: Survey,
    actor: Membership,
    name: str,
    touchpoint: Touchpoint,
    starts_at: datetime | None,
    ends_at: datetime | None,
    response_limit: int | None,
    sampling_percent: int,
    recontact_days: int | None,
) -> Survey:
    name = _clean_name(name, _("Give the survey a name."))
    if touchpoint.organization_id != survey.organization_id:
        raise ValidationError({"touchpoint": _("Choose a touchpoint from the list.")})
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The survey must close after it opens.")})
    if not 1 <= sampling_percent <= 100:
        raise ValidationError({"sampling_percent": _("Sampling is a percentage from 1 to 100.")})
    if response_limit is not None and response_limit < 1:
        raise ValidationError({"response_limit": _("The limit must be at least 1, or empty for none.")})
    if recontact_days is not None and recontact_days < 0:
        raise ValidationError({"recontact_days": _("The recontact period cannot be negative.")})
    fields = (
        "name",
        "touchpoint_id",
        "starts_at",
        "ends_at",
        "response_limit",
        "sampling_percent",
        "recontact_days",
    )
    before = {f: _plain(getattr(survey, f)) for f in fields}
    survey.name, survey.touchpoint = name, touchpoint
    survey.starts_at, survey.ends_at = starts_at, ends_at
    survey.response_limit, survey.sampling_percent = response_limit, sampling_percent
    survey.recontact_days = recontact_days
    survey.updated_at = timezone.now()
    survey.save(update_fields=[*(f.removesuffix("_id") for f in fields), "updated_at"])
    after = {f: _plain(getattr(survey, f)) for f in fields}
    if after != before:
        audit_record(
            organization=survey.organization,
            actor=actor.user,
            action="survey.settings_changed",
            target=survey,
            before=before,
            after=after,
        )
    return survey


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


@transaction.atomic
def survey_duplicate(*, survey: Survey, actor: Membership) -> Survey:
    """A new draft survey with a copy of this one's draft."""
    with translation.override(actor.user.language):
        name = _("Copy of %(name)s") % {"name": survey.name}
    return survey_create(
        organization=survey.organization,
        name=name[:200],
        touchpoint=survey.touchpoint,
        created_by=actor.user,
        definition=survey.draft,
    )


@transaction.atomic
def survey_delete(*, survey: Survey, actor: Membership) -> None:
    """Delete a survey that has no responses; a survey with responses is closed instead."""
    if Response.all_orgs.filter(organization_id=survey.organization_id, survey=survey).exists():
        raise ValidationError(_("This survey has responses: close it instead of deleting it."))
    audit_record(
        organization=survey.organization,
        actor=actor.user,
        action="survey.deleted",
        target=survey,
        before={"name": survey.name},
    )
    # With no responses nothing protects its versions: they go with it.
    survey.delete()


@transaction.atomic
def journey_stage_update(*, stage: JourneyStage, name: str, position: int) -> JourneyStage:
    name = _clean_name(name, _("Give the journey stage a name."))
    if position < 0:
        raise ValidationError({"position": _("The position cannot be negative.")})
    if (
        JourneyStage.all_orgs.filter(organization_id=stage.organization_id, name__iexact=name)
        .exclude(pk=stage.pk)
        .exists()
    ):
        raise ValidationError({"name": _("A journey stage with this name already exists.")})
    stage.name, stage.position = name, position
    stage.save(update_fields=["name", "position"])
    return stage


@transaction.atomic
def journey_stage_delete(*, stage: JourneyStage) -> None:
    """Its touchpoints stay, without a stage."""
    stage.delete()


@transaction.atomic
def touchpoint_update(
    *, touchpoint: Touchpoint, name: str, stage: JourneyStage | None, description: str = ""
) -> Touchpoint:
    name = _clean_name(name, _("Give the touchpoint a name."))
    if stage is not None and stage.organization_id != touchpoint.organization_id:
        raise ValidationError({"stage": _("Choose a journey stage from the list.")})
    if (
        Touchpoint.all_orgs.filter(organization_id=touchpoint.organization_id, name__iexact=name)
        .exclude(pk=touchpoint.pk)
        .exists()
    ):
        raise ValidationError({"name": _("A touchpoint with this name already exists.")})
    touchpoint.name, touchpoint.stage, touchpoint.description = name, stage, description.strip()
    touchpoint.save(update_fields=["name", "stage", "description"])
    return touchpoint


@transaction.atomic
def touchpoint_delete(*, touchpoint: Touchpoint) -> None:
    if Survey.all_orgs.filter(organization_id=touchpoint.organization_id, touchpoint=touchpoint).exists():
        raise ValidationError(_("Move this touchpoint's surveys to another touchpoint first."))
    touchpoint.delete()
