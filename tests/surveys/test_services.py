import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from feedback.services import response_submit
from surveys.models import Survey, SurveyStatus, SurveyVersion
from surveys.services import (
    DraftConflict,
    DraftInvalid,
    survey_create,
    survey_delete,
    survey_publish,
    survey_save_draft,
    survey_set_status,
)
from tests.factories import TouchpointFactory


@pytest.mark.django_db
def test_a_new_survey_starts_as_a_draft_in_its_base_language(organization, manager):
    survey = survey_create(
        organization=organization,
        name="CSAT after support",
        touchpoint=TouchpointFactory(organization=organization),
        base_language="ru",
        created_by=manager.user,
    )

    assert (
        survey.status,
        survey.draft["base_language"],
        survey.draft["languages"],
        survey.current_version,
    ) == (
        SurveyStatus.DRAFT,
        "ru",
        ["ru"],
        None,
    )


@pytest.mark.django_db
def test_publishing_freezes_the_draft_into_version_one(live_survey, manager):
    version = live_survey.current_version

    assert (live_survey.status, version.number, version.definition, version.published_by) == (
        SurveyStatus.LIVE,
        1,
        live_survey.draft,
        manager.user,
    )
    assert AuditEvent.all_orgs.filter(action="survey.published", target_id=str(live_survey.pk)).count() == 1


@pytest.mark.django_db
def test_editing_a_live_survey_changes_only_the_draft_until_published(live_survey, manager, definition):
    definition["questions"][1]["text"]["en"] = "What could we do better?"
    survey_save_draft(survey=live_survey, definition=definition, revision=0, actor=manager.user)
    live_survey.refresh_from_db()

    assert live_survey.current_version.number == 1
    assert live_survey.current_version.definition["questions"][1]["text"]["en"] == "What went wrong?"

    version = survey_publish(survey=live_survey, actor=manager)

    assert (version.number, version.definition["questions"][1]["text"]["en"]) == (
        2,
        "What could we do better?",
    )


@pytest.mark.django_db
def test_responses_keep_the_version_they_started_on(live_survey, manager, definition):
    import uuid

    started = response_submit(
        survey=live_survey, client_id=uuid.uuid4(), answers={"nps": 3}, finished=False, channel="link"
    )
    definition["questions"][1]["text"]["en"] = "Changed"
    survey_save_draft(survey=live_survey, definition=definition, revision=0, actor=manager.user)
    survey_publish(survey=live_survey, actor=manager)
    live_survey.refresh_from_db()
    later = response_submit(
        survey=live_survey, client_id=uuid.uuid4(), answers={"nps": 3}, finished=False, channel="link"
    )

    assert (started.response.survey_version.number, later.response.survey_version.number) == (1, 2)


@pytest.mark.django_db
def test_a_stale_editor_cannot_overwrite_a_newer_draft(live_survey, manager, definition):
    survey_save_draft(survey=live_survey, definition=definition, revision=0, actor=manager.user)

    with pytest.raises(DraftConflict):
        survey_save_draft(survey=live_survey, definition=definition, revision=0, actor=manager.user)
    assert Survey.all_orgs.get(pk=live_survey.pk).draft_revision == 1


@pytest.mark.django_db
def test_an_invalid_draft_is_refused_with_pointed_issues_and_nothing_saved(live_survey, manager, definition):
    definition["questions"][0]["jumps"][0]["goto"] = "nowhere"

    with pytest.raises(DraftInvalid) as caught:
        survey_save_draft(survey=live_survey, definition=definition, revision=0, actor=manager.user)

    assert [(i.path, i.question) for i in caught.value.issues] == [("questions[0].jumps[0].goto", "nps")]
    assert Survey.all_orgs.get(pk=live_survey.pk).draft_revision == 0


@pytest.mark.django_db
def test_publishing_an_unchanged_draft_is_refused(live_survey, manager):
    with pytest.raises(ValidationError):
        survey_publish(survey=live_survey, actor=manager)
    assert SurveyVersion.all_orgs.filter(survey=live_survey).count() == 1


@pytest.mark.django_db
def test_a_draft_without_questions_cannot_be_published(organization, manager):
    survey = survey_create(
        organization=organization, name="Empty", touchpoint=TouchpointFactory(organization=organization)
    )

    with pytest.raises(DraftInvalid):
        survey_publish(survey=survey, actor=manager)
    assert Survey.all_orgs.get(pk=survey.pk).status == SurveyStatus.DRAFT


@pytest.mark.django_db
def test_status_changes_follow_the_lifecycle(live_survey, manager):
    survey_set_status(survey=live_survey, status=SurveyStatus.PAUSED, actor=manager)
    survey_set_status(survey=live_survey, status=SurveyStatus.LIVE, actor=manager)
    survey_set_status(survey=live_survey, status=SurveyStatus.CLOSED, actor=manager)

    with pytest.raises(ValidationError):
        survey_set_status(survey=live_survey, status=SurveyStatus.PAUSED, actor=manager)
    assert Survey.all_orgs.get(pk=live_survey.pk).status == SurveyStatus.CLOSED


@pytest.mark.django_db
def test_a_survey_with_responses_cannot_be_deleted(live_survey, manager):
    import uuid

    response_submit(
        survey=live_survey, client_id=uuid.uuid4(), answers={"nps": 9}, finished=False, channel="link"
    )

    with pytest.raises(ValidationError):
        survey_delete(survey=live_survey, actor=manager)
    assert Survey.all_orgs.filter(pk=live_survey.pk).exists()


@pytest.mark.django_db
def test_a_survey_without_responses_is_deleted_with_its_versions(live_survey, manager):
    survey_delete(survey=live_survey, actor=manager)

    assert (Survey.all_orgs.filter(pk=live_survey.pk).count(), SurveyVersion.all_orgs.count()) == (0, 0)
