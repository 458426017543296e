import re
import threading
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback.models import Response
from feedback.services import SubmissionInvalid, SurveyUnavailable, response_submit
from surveys.models import SurveyStatus


def submit(survey, client_id, answers, finished=False, **kwargs):
    return response_submit(
        survey=survey, client_id=client_id, answers=answers, finished=finished, channel="link", **kwargs
    )


@pytest.mark.django_db
def test_a_partial_response_is_continued_and_finished(live_survey):
    client_id = uuid.uuid4()
    first = submit(live_survey, client_id, {"nps": 4})
    second = submit(live_survey, client_id, {"why": "  Slow delivery "}, finished=True)

    response = Response.all_orgs.get(client_id=client_id)
    assert (first.created, second.created, second.changed) == (True, False, True)
    assert (response.answers, response.nps, response.comment, response.ending) == (
        {"nps": 4, "why": "Slow delivery"},
        4,
        "Slow delivery",
        "thanks",
    )
    assert response.finished_at is not None
    assert response.survey_version == live_survey.current_version


@pytest.mark.django_db
def test_a_finished_response_cannot_change(live_survey):
    client_id = uuid.uuid4()
    submit(live_survey, client_id, {"nps": 10}, finished=True)

    replay = submit(live_survey, client_id, {"nps": 0}, finished=True)

    assert (replay.created, replay.changed, replay.response.nps) == (False, False, 10)
    assert Response.all_orgs.filter(client_id=client_id).count() == 1


@pytest.mark.django_db
def test_answers_off_the_path_are_dropped(live_survey):
    client_id = uuid.uuid4()
    submit(live_survey, client_id, {"nps": 3, "why": "Bad"})

    # The respondent went back and became a promoter: "why" is no longer on their path.
    result = submit(live_survey, client_id, {"nps": 10}, finished=True)

    assert result.response.answers == {"nps": 10}


@pytest.mark.django_db
def test_finishing_without_a_required_answer_on_the_path_is_refused(live_survey):
    client_id = uuid.uuid4()

    with pytest.raises(SubmissionInvalid) as caught:
        submit(live_survey, client_id, {"nps": 5}, finished=True)

    assert caught.value.errors == {"why": ["Please answer this question."]}
    assert Response.all_orgs.filter(client_id=client_id).count() == 0


@pytest.mark.django_db
def test_an_invalid_answer_is_refused_and_nothing_is_stored(live_survey):
    client_id = uuid.uuid4()

    with pytest.raises(SubmissionInvalid) as caught:
        submit(live_survey, client_id, {"nps": 11, "ghost": "boo"})

    assert caught.value.errors == {
        "ghost": ["This survey has no question “ghost”."],
        "nps": ["Please choose a number from 0 to 10."],
    }
    assert Response.all_orgs.filter(client_id=client_id).count() == 0


@pytest.mark.django_db
def test_only_declared_hidden_fields_are_kept(live_survey):
    result = submit(live_survey, uuid.uuid4(), {"nps": 9}, hidden_fields={"plan": "pro", "secret": "x"})

    assert result.response.hidden_fields == {"plan": "pro"}


@pytest.mark.django_db
def test_the_language_falls_back_to_one_the_survey_offers(live_survey):
    russian = submit(live_survey, uuid.uuid4(), {"nps": 9}, language="ru-RU")
    chinese = submit(live_survey, uuid.uuid4(), {"nps": 9}, language="zh-CN")

    assert (russian.response.language, chinese.response.language) == ("ru", "en")


@pytest.mark.django_db
def test_a_paused_survey_takes_no_new_response_but_lets_a_started_one_finish(live_survey):
    started = uuid.uuid4()
    submit(live_survey, started, {"nps": 2})
    live_survey.status = SurveyStatus.PAUSED
    live_survey.save()

    with pytest.raises(SurveyUnavailable) as caught:
        submit(live_survey, uuid.uuid4(), {"nps": 2})
    finished = submit(live_survey, started, {"why": "Late"}, finished=True)

    assert (caught.value.reason, finished.response.finished_at is not None) == ("paused", True)


@pytest.mark.django_db
def test_a_full_survey_takes_no_new_response(live_survey):
    live_survey.response_limit = 1
    live_survey.save()
    submit(live_survey, uuid.uuid4(), {"nps": 10}, finished=True)

    with pytest.raises(SurveyUnavailable) as caught:
        submit(live_survey, uuid.uuid4(), {"nps": 10})

    assert caught.value.reason == "full"


@pytest.mark.django_db
def test_an_id_used_for_another_survey_is_refused(live_survey, organization, manager, definition):
    from surveys.services import survey_create, survey_publish

    other = survey_create(
        organization=organization, name="Other", touchpoint=live_survey.touchpoint, definition=definition
    )
    survey_publish(survey=other, actor=manager)
    other.refresh_from_db()
    client_id = uuid.uuid4()
    submit(live_survey, client_id, {"nps": 9})

    with pytest.raises(SubmissionInvalid) as caught:
        submit(other, client_id, {"nps": 9})

    assert list(caught.value.errors) == ["id"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_create_one_response(live_survey):
    client_id = uuid.uuid4()
    barrier = threading.Barrier(8)
    outcomes = []

    def send():
        barrier.wait()
        try:
            outcomes.append(submit(live_survey, client_id, {"nps": 7}).created)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [False] * 7 + [True]
    assert Response.all_orgs.filter(client_id=client_id).count() == 1


@pytest.mark.django_db
def test_a_new_response_is_one_insert_and_its_outbox_rows(live_survey):
    """The hot path of every channel: no lookup before the INSERT, no savepoint around it."""
    submit(live_survey, uuid.uuid4(), {"nps": 9})  # warms the per-process version cache

    with CaptureQueriesContext(connection) as captured:
        result = submit(live_survey, uuid.uuid4(), {"nps": 9}, finished=True)

    statements = [
        re.sub(r'"s\w+_x\d+"', "<name>", " ".join(query["sql"].split()[:3]))
        for query in captured.captured_queries
    ]
    assert result.created is True
    # The savepoint is the service's own transaction, nested in the test's; in production it is the
    # transaction itself (BEGIN and COMMIT).
    assert statements == [
        "SAVEPOINT <name>",
        'INSERT INTO "feedback_response"',
        'INSERT INTO "core_outboxevent"',
        "RELEASE SAVEPOINT <name>",
    ]


@pytest.mark.django_db
def test_finishing_with_only_the_last_answer_continues_the_stored_response(live_survey):
    """Alone, the last answer would not make a valid new response (the required score is missing);
    with the stored part it does."""
    client_id = uuid.uuid4()
    submit(live_survey, client_id, {"nps": 2})

    result = submit(live_survey, client_id, {"why": "Late"}, finished=True)

    assert (result.created, result.response.answers) == (False, {"nps": 2, "why": "Late"})
