"""Kiosk mode: the page (/s/<public_id>/kiosk/) and its endpoint (POST /s/<public_id>/kiosk/responses)."""

from __future__ import annotations

import json
import re
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from feedback.models import Response
from surveys.models import SurveyStatus
from surveys.services import survey_set_status
from tests.factories import SurveyFactory, TouchpointFactory

ID = "6f1c1f9e-2d7b-4d58-a0f4-2b9c8e6d7a10"


def endpoint(survey):
    return f"/s/{survey.public_id}/kiosk/responses"


def post(survey, body, client=None, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return (client or Client()).post(endpoint(survey), data, content_type="application/json", **extra)


def stored():
    return list(Response.all_orgs.order_by("pk"))


def config_of(response):
    match = re.search(
        r'<script id="kiosk-config" type="application/json">(.*?)</script>', response.content.decode()
    )
    assert match is not None
    return json.loads(match.group(1))


# --- the page ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_carries_the_survey_and_its_texts(live_survey):
    shop = TouchpointFactory(organization=live_survey.organization)

    response = Client().get(f"/s/{live_survey.public_id}/kiosk/", {"tp": shop.pk, "idle": "45"})

    config = config_of(response)
    assert response.status_code == 200
    assert (config["survey"], config["endpoint"]) == (live_survey.public_id, endpoint(live_survey))
    assert [q["key"] for q in config["definition"]["questions"]] == ["nps", "why", "email"]
    assert (config["idle"], config["touchpoint"], config["language"]) == (45, shop.pk, "en")
    assert config["languages"] == [{"code": "en", "name": "English"}, {"code": "ru", "name": "Русский"}]
    assert (config["strings"]["en"]["start"], config["strings"]["en"]["waiting"]) == (
        "Tap to start",
        "Waiting to send: {n}",
    )
    assert config["strings"]["en"]["next"] == "Next"
    assert set(config["strings"]) == {"en", "ru"}
    # The strict CSP: the only scripts are the bundle (with the nonce) and the JSON data.
    scripts = re.findall(r"<script[^>]*>", response.content.decode())
    assert len(scripts) == 2
    assert 'src="/static/build/kiosk.js"' in scripts[0]
    assert scripts[1] == '<script id="kiosk-config" type="application/json">'
    assert "style=" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("idle", "expected"), [("", 60), ("3", 10), ("99999", 3600), ("abc", 60), ("120", 120)]
)
def test_the_idle_time_is_bounded(live_survey, idle, expected):
    response = Client().get(f"/s/{live_survey.public_id}/kiosk/", {"idle": idle})

    assert config_of(response)["idle"] == expected


@pytest.mark.django_db
@pytest.mark.parametrize("tp", ["theirs", "99999999999999999999999", "-1", "x\x00"])
def test_a_touchpoint_not_of_the_organisation_is_left_out_of_the_page(live_survey, other_organization, tp):
    theirs = TouchpointFactory(organization=other_organization)

    response = Client().get(f"/s/{live_survey.public_id}/kiosk/", {"tp": theirs.pk if tp == "theirs" else tp})

    assert response.status_code == 200
    assert config_of(response)["touchpoint"] is None


@pytest.mark.django_db
def test_unknown_draft_and_closed_surveys_show_the_usual_pages(live_survey, manager, organization):
    draft = SurveyFactory(organization=organization, status=SurveyStatus.DRAFT)
    client = Client()

    unknown = client.get("/s/nosuchsurvey/kiosk/")
    unpublished = client.get(f"/s/{draft.public_id}/kiosk/")
    survey_set_status(survey=live_survey, status=SurveyStatus.CLOSED, actor=manager)
    closed = client.get(f"/s/{live_survey.public_id}/kiosk/")

    assert (unknown.status_code, unpublished.status_code, closed.status_code) == (404, 404, 410)
    assert "Survey not found" in unknown.content.decode()
    assert "This survey is closed" in closed.content.decode()
    assert "kiosk-config" not in closed.content.decode()


@pytest.mark.django_db
def test_a_survey_with_question_types_the_kiosk_cannot_show_says_so(organization, manager, definition):
    from surveys.services import survey_create, survey_publish

    definition["questions"].append(
        {
            "key": "rank",
            "type": "ranking",
            "text": {"en": "Rank"},
            "choices": [{"key": "a", "label": {"en": "A"}}],
        }
    )
    survey = survey_create(
        organization=organization,
        name="Ranked",
        touchpoint=TouchpointFactory(organization=organization),
        created_by=manager.user,
        definition=definition,
    )
    survey_publish(survey=survey, actor=manager)

    response = Client().get(f"/s/{survey.public_id}/kiosk/")

    assert response.status_code == 409
    assert "This survey cannot run as a kiosk" in response.content.decode()


# --- the service worker ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_service_worker_is_served_at_the_root_of_the_kiosk(live_survey):
    page = config_of(Client().get(f"/s/{live_survey.public_id}/kiosk/"))

    response = Client().get(page["worker"])

    body = response.content.decode()
    head, script = body.split("\n", 1)
    offline = json.loads(head.removeprefix("var KIOSK = ").removesuffix(";"))
    assert (page["worker"], page["scope"]) == (
        f"/s/{live_survey.public_id}/kiosk/sw.js",
        f"/s/{live_survey.public_id}/kiosk/",
    )
    assert response.status_code == 200
    assert (response["Content-Type"], response["Cache-Control"]) == (
        "application/javascript; charset=utf-8",
        "no-cache",
    )
    assert "Service-Worker-Allowed" not in response
    assert offline["assets"] == ["/static/build/kiosk.css", "/static/build/kiosk.js", "/static/favicon.svg"]
    assert re.fullmatch(r"[0-9a-f]{16}", offline["version"])
    assert 'addEventListener("fetch"' in script
    assert script.rstrip().endswith("//# sourceMappingURL=/static/build/kiosk-sw.js.map")


@pytest.mark.django_db
def test_the_service_worker_of_an_unknown_survey_is_404(live_survey):
    response = Client().get("/s/nosuchsurvey/kiosk/sw.js")

    assert (response.status_code, response.content) == (404, b"")


# --- the endpoint ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_finished_response_is_stored_at_the_kiosks_touchpoint(live_survey):
    shop = TouchpointFactory(organization=live_survey.organization)
    finished_at = timezone.now() - timedelta(hours=2)
    body = {
        "id": ID,
        "answers": {"nps": 10, "email": "ana@example.com"},
        "finished": True,
        "language": "ru",
        "started_at": (finished_at - timedelta(minutes=1)).isoformat(),
        "finished_at": finished_at.isoformat(),
        "touchpoint": shop.pk,
    }

    response = post(live_survey, body, Client(enforce_csrf_checks=True))

    assert response.status_code == 201
    assert response.json() == {"id": ID, "status": "finished", "created": True}
    assert "Set-Cookie" not in response.headers
    (row,) = stored()
    assert (row.channel, row.touchpoint_id, row.answers, row.nps, row.language) == (
        "kiosk",
        shop.pk,
        {"nps": 10, "email": "ana@example.com"},
        10,
        "ru",
    )
    assert row.finished_at == finished_at
    assert row.meta["source"] == "kiosk"


@pytest.mark.django_db
def test_a_replay_is_the_same_response(live_survey):
    body = {"id": ID, "answers": {"nps": 3, "why": "Slow"}, "finished": True}

    answers = [post(live_survey, body) for _ in range(3)]

    assert [(a.status_code, a.json()["created"]) for a in answers] == [
        (201, True),
        (200, False),
        (200, False),
    ]
    assert [(r.client_id, r.answers) for r in stored()] == [(uuid.UUID(ID), {"nps": 3, "why": "Slow"})]


@pytest.mark.django_db
def test_a_partial_response_is_continued_then_finished(live_survey):
    first = post(live_survey, {"id": ID, "answers": {"nps": 4}, "finished": False})
    second = post(live_survey, {"id": ID, "answers": {"nps": 4, "why": "Queue"}, "finished": True})

    assert (first.status_code, first.json()["status"]) == (201, "partial")
    assert (second.status_code, second.json()["status"]) == (200, "finished")
    assert [(r.answers, r.finished_at is not None) for r in stored()] == [({"nps": 4, "why": "Queue"}, True)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_store_one_response(live_survey):
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def send() -> None:
        barrier.wait()
        try:
            statuses.append(
                post(
                    live_survey, {"id": ID, "answers": {"nps": 8, "why": "Ok"}, "finished": True}
                ).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert (sorted(statuses), Response.all_orgs.count()) == ([200] * 5 + [201], 1)


@pytest.mark.django_db
@pytest.mark.parametrize("tp", ["theirs", 99999999999999999999])
def test_another_organisations_touchpoint_is_ignored(live_survey, other_organization, tp):
    theirs = TouchpointFactory(organization=other_organization)
    touchpoint = theirs.pk if tp == "theirs" else tp

    response = post(
        live_survey, {"id": ID, "answers": {"nps": 9}, "finished": False, "touchpoint": touchpoint}
    )

    assert response.status_code == 201
    assert [r.touchpoint_id for r in stored()] == [live_survey.touchpoint_id]


@pytest.mark.django_db
def test_the_kiosks_clock_is_believed_for_the_past_seven_days_only(live_survey):
    before = timezone.now()
    long_ago = before - timedelta(days=30)
    future = before + timedelta(days=3)

    post(
        live_survey, {"id": ID, "answers": {"nps": 9}, "finished": True, "finished_at": long_ago.isoformat()}
    )
    other = str(uuid.uuid4())
    post(
        live_survey, {"id": other, "answers": {"nps": 9}, "finished": True, "finished_at": future.isoformat()}
    )

    old, new = stored()
    after = timezone.now()
    assert before - timedelta(days=7) <= old.finished_at <= after - timedelta(days=7)
    assert before <= new.finished_at <= after


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ("{not json", None),
        ("[1, 2]", "The body must be a JSON object."),
        ({"id": "not-a-uuid", "answers": {}}, "The request is not valid."),
        ({"id": ID, "answers": {"nps": 11}, "finished": True}, "Some answers are not valid."),
        ({"id": ID, "answers": {"nope": 1}}, "Some answers are not valid."),
    ],
)
def test_bad_bodies_are_400_json(live_survey, body, detail):
    response = post(live_survey, body)

    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}
    if detail is not None:
        assert response.json()["detail"] == detail
    assert stored() == []


@pytest.mark.django_db
def test_a_body_over_64_kb_is_413(live_survey):
    response = post(live_survey, {"id": ID, "answers": {"why": "x" * 70_000}})

    assert response.status_code == 413
    assert response.json() == {"detail": "The body is larger than 65536 bytes.", "errors": {}}


@pytest.mark.django_db
def test_an_unknown_survey_is_404_json(live_survey):
    response = Client().post("/s/nosuchsurvey/kiosk/responses", "{}", content_type="application/json")

    assert response.status_code == 404
    assert response.json() == {"detail": "Unknown survey.", "errors": {}}


@pytest.mark.django_db
def test_a_closed_survey_refuses_new_responses_clearly(live_survey, manager):
    survey_set_status(survey=live_survey, status=SurveyStatus.CLOSED, actor=manager)

    response = post(live_survey, {"id": ID, "answers": {"nps": 9}, "finished": True})

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This survey is closed. Thank you for your interest.",
        "errors": {"survey": ["closed"]},
    }
    assert stored() == []


@pytest.mark.django_db
def test_get_is_not_allowed(live_survey):
    assert Client().get(endpoint(live_survey)).status_code == 405


@pytest.mark.django_db
@override_settings(RATE_LIMIT_CLIENT_IP="2/60")
def test_the_endpoint_is_rate_limited_per_address(live_survey):
    answers = [
        post(live_survey, {"id": str(uuid.uuid4()), "answers": {"nps": 9}}).status_code for _ in range(3)
    ]
    limited = post(live_survey, {"id": str(uuid.uuid4()), "answers": {"nps": 9}})

    assert answers == [201, 201, 429]
    assert limited.status_code == 429
    assert limited.json()["detail"] == "Too many requests. Try again later."
    assert int(limited["Retry-After"]) > 0
    assert len(stored()) == 2
