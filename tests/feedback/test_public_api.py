import json
import uuid

import pytest
from django.db import connection
from django.test import Client, override_settings

from feedback.models import Response
from surveys.models import SurveyStatus
from tests.factories import InterceptFactory, SiteFactory

ORIGIN = "https://shop.example"


@pytest.fixture
def site(live_survey):
    site = SiteFactory(organization=live_survey.organization, origins=[ORIGIN])
    InterceptFactory(site=site, survey=live_survey)
    return site


def post(site_key, body, content_type="text/plain", **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return Client().post(
        f"/api/v1/public/{site_key}/responses", data=data, content_type=content_type, **headers
    )


def payload(survey, **fields):
    return {
        "id": str(uuid.uuid4()),
        "survey": survey.public_id,
        "answers": {"nps": 9},
        "finished": False,
        **fields,
    }


@pytest.mark.django_db
def test_a_text_plain_body_is_stored_and_acknowledged(site, live_survey):
    body = payload(live_survey, meta={"url": "https://shop.example/checkout"})

    response = post(site.public_key, body)

    stored = Response.all_orgs.get(client_id=body["id"])
    assert (response.status_code, response.json()) == (
        201,
        {"id": body["id"], "status": "partial", "created": True},
    )
    assert (stored.channel, stored.answers, stored.meta["url"], stored.meta["site"]) == (
        "web",
        {"nps": 9},
        "https://shop.example/checkout",
        str(site.pk),
    )


@pytest.mark.django_db
def test_the_raw_client_address_is_never_stored(site, live_survey):
    body = payload(live_survey)

    post(site.public_key, body, REMOTE_ADDR="203.0.113.77")

    stored = Response.all_orgs.get(client_id=body["id"])
    assert ("203.0.113.77" in json.dumps(stored.meta), len(stored.meta["ip_hash"])) == (False, 32)


@pytest.mark.django_db
def test_a_replayed_id_returns_the_stored_response_and_a_finished_one_never_changes(site, live_survey):
    body = payload(live_survey, answers={"nps": 10}, finished=True)

    answers = [post(site.public_key, body, content_type="application/json") for _ in range(3)]
    changed = post(site.public_key, {**body, "answers": {"nps": 0}})

    assert [a.status_code for a in answers] == [201, 200, 200]
    assert (changed.status_code, changed.json()["status"]) == (200, "finished")
    assert list(Response.all_orgs.filter(client_id=body["id"]).values_list("nps", flat=True)) == [10]


@pytest.mark.django_db
def test_unknown_key_unknown_survey_and_a_survey_of_another_site_answer_the_same_404(
    site, live_survey, organization
):
    other_site = SiteFactory(organization=organization)
    answers = [
        post("cx_pk_doesnotexist", payload(live_survey)),
        post(site.public_key, {**payload(live_survey), "survey": "nope"}),
        post(other_site.public_key, payload(live_survey)),
    ]

    assert [(a.status_code, a.json()) for a in answers] == [
        (404, {"detail": "Unknown key or survey.", "errors": {}})
    ] * 3
    assert Response.all_orgs.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ("{not json", "The body is not valid JSON (Expecting property name enclosed in double quotes)."),
        ('{"id": NaN}', "NaN is not valid JSON."),
        ('{"a": "nul\\u0000"}', "Text may not contain NUL characters."),
        ('{"a": "\\ud800"}', "Text may not contain unpaired surrogate characters."),
        ("[1, 2]", "The body must be a JSON object."),
        (b"\xff\xfe", "The body must be UTF-8 encoded JSON."),
    ],
)
def test_malformed_bodies_are_refused_with_a_clear_400(site, raw, detail):
    response = post(site.public_key, raw)

    assert (response.status_code, response.json()) == (400, {"detail": detail, "errors": {}})


@pytest.mark.django_db
def test_invalid_fields_and_answers_point_at_what_is_wrong(site, live_survey):
    missing = post(site.public_key, {"survey": live_survey.public_id, "answers": {}})
    wrong = post(site.public_key, payload(live_survey, answers={"nps": 12}))

    assert (missing.status_code, sorted(missing.json()["errors"])) == (400, ["id"])
    assert (wrong.status_code, wrong.json()["errors"]) == (
        400,
        {"nps": ["Please choose a number from 0 to 10."]},
    )


@pytest.mark.django_db
def test_a_body_over_the_limit_is_refused_with_a_json_413(site, live_survey):
    huge = payload(live_survey, meta={"blob": "x" * 70_000})

    response = post(site.public_key, huge)

    assert (response.status_code, response["Content-Type"], Response.all_orgs.count()) == (
        413,
        "application/json",
        0,
    )


@pytest.mark.django_db
def test_a_paused_survey_answers_409(site, live_survey):
    live_survey.status = SurveyStatus.PAUSED
    live_survey.save()

    response = post(site.public_key, payload(live_survey))

    assert (response.status_code, response.json()["detail"]) == (
        409,
        "This survey is paused. Please come back later.",
    )


@pytest.mark.django_db
@override_settings(RATE_LIMIT_CLIENT_IP="3/60")
def test_a_client_over_its_limit_gets_429_with_retry_after(site, live_survey):
    statuses = [post(site.public_key, payload(live_survey)).status_code for _ in range(4)]
    limited = post(site.public_key, payload(live_survey))

    assert statuses == [201, 201, 201, 429]
    assert (limited.status_code, 1 <= int(limited["Retry-After"]) <= 60) == (429, True)


@pytest.mark.django_db
@override_settings(RATE_LIMIT_CLIENT_IP="3/60", TRUSTED_PROXY_COUNT=1)
def test_a_forged_forwarded_for_cannot_dodge_the_limit(site, live_survey):
    # Behind one proxy the client controls everything left of the proxy's own entry.
    statuses = [
        post(
            site.public_key, payload(live_survey), HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 198.51.100.7"
        ).status_code
        for n in range(5)
    ]

    assert statuses == [201, 201, 201, 429, 429]


@pytest.mark.django_db
def test_only_the_sites_own_origins_get_cors_headers(site, live_survey):
    allowed = post(site.public_key, payload(live_survey), HTTP_ORIGIN=ORIGIN)
    unknown = post(site.public_key, payload(live_survey), HTTP_ORIGIN="https://evil.example")
    preflight = Client().options(
        f"/api/v1/public/{site.public_key}/responses",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )

    assert allowed["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Origin" not in unknown
    assert (preflight.status_code, preflight["Access-Control-Allow-Origin"]) == (200, ORIGIN)


@pytest.mark.django_db(transaction=True)
def test_with_the_database_down_the_answer_is_503_with_retry_after(site, live_survey):
    body = payload(live_survey)
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = 1
    try:
        response = post(site.public_key, body)
        # From the widget (with an Origin), the CORS check must not turn the 503 into a 500.
        from_widget = post(site.public_key, body, HTTP_ORIGIN=ORIGIN)
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port

    assert (response.status_code, response["Retry-After"], response.json()["errors"]) == (503, "5", {})
    assert (from_widget.status_code, from_widget["Retry-After"]) == (503, "5")
    assert "Access-Control-Allow-Origin" not in from_widget
