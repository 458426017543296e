import json
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client, override_settings

from feedback.models import Contact, Response
from tests.factories import ResponseFactory, TouchpointFactory


def post(path, body, key):
    data = body if isinstance(body, str) else json.dumps(body)
    return Client().post(f"/api/v1/{path}", data=data, content_type="application/json", **key.headers)


@pytest.fixture
def key(owner, issue_api_key):
    return issue_api_key(owner)


REVIEW = {
    "external_id": "review-1",
    "channel": "app_review",
    "scores": {"csat": 2},
    "comment": "Logs me out daily.",
}


@pytest.mark.django_db
def test_a_review_is_stored_once_however_often_it_is_sent(key):
    answers = [post("feedback", REVIEW, key) for _ in range(3)]

    stored = Response.all_orgs.get(external_id="review-1")
    assert [(a.status_code, a.json()) for a in answers] == [
        (201, {"id": stored.pk, "external_id": "review-1", "created": True}),
        (200, {"id": stored.pk, "external_id": "review-1", "created": False}),
        (200, {"id": stored.pk, "external_id": "review-1", "created": False}),
    ]
    assert (stored.channel, stored.csat, stored.comment, stored.finished_at is not None) == (
        "app_review",
        2,
        "Logs me out daily.",
        True,
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_of_an_external_id_store_one_response(key):
    barrier = threading.Barrier(6)
    statuses = []

    def send():
        barrier.wait()
        try:
            statuses.append(post("feedback", {**REVIEW, "external_id": "race"}, key).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert (sorted(statuses), Response.all_orgs.filter(external_id="race").count()) == ([200] * 5 + [201], 1)


@pytest.mark.django_db
def test_feedback_from_the_same_identifiers_attaches_to_one_contact(key):
    post("feedback", {**REVIEW, "external_id": "a", "contact": {"email": "Ana@Example.com"}}, key)
    post(
        "feedback",
        {
            **REVIEW,
            "external_id": "b",
            "contact": {"email": "ana@example.com", "phone": "+4930123", "attributes": {"plan": "pro"}},
        },
        key,
    )
    post("feedback", {**REVIEW, "external_id": "c", "contact": {"phone": "+4930123"}}, key)

    contact = Contact.all_orgs.get()
    assert (contact.email, contact.phone, contact.attributes) == (
        "ana@example.com",
        "+4930123",
        {"plan": "pro"},
    )
    assert Response.all_orgs.filter(contact=contact).count() == 3


@pytest.mark.django_db
def test_a_survey_answer_is_validated_against_the_survey(key, live_survey):
    good = post(
        "feedback",
        {"external_id": "s1", "channel": "email", "survey": live_survey.public_id, "answers": {"nps": 10}},
        key,
    )
    bad = post(
        "feedback",
        {
            "external_id": "s2",
            "channel": "email",
            "survey": live_survey.public_id,
            "answers": {"nps": 10, "bogus": 1},
        },
        key,
    )

    stored = Response.all_orgs.get(external_id="s1")
    assert (good.status_code, stored.survey_version.number, stored.nps) == (201, 1, 10)
    assert (bad.status_code, bad.json()["errors"]) == (
        400,
        {"bogus": ["This survey has no question “bogus”."]},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({**REVIEW, "scores": {"csat": 9}}, ["scores.csat"]),
        ({**REVIEW, "channel": "pigeon"}, ["channel"]),
        ({"channel": "chat"}, ["comment"]),
        ({**REVIEW, "received_at": "2999-01-01T00:00:00Z"}, ["received_at"]),
        ({**REVIEW, "touchpoint": 999999}, ["touchpoint"]),
        ({**REVIEW, "contact": {"email": "not-an-email"}}, ["contact.email"]),
    ],
)
def test_invalid_items_are_refused_with_field_errors_and_nothing_is_stored(key, body, errors):
    response = post("feedback", body, key)

    assert (response.status_code, sorted(response.json()["errors"]), Response.all_orgs.count()) == (
        400,
        errors,
        0,
    )


@pytest.mark.django_db
def test_a_touchpoint_of_another_organisation_is_refused(key, other_organization):
    foreign = TouchpointFactory(organization=other_organization)

    response = post("feedback", {**REVIEW, "touchpoint": foreign.pk}, key)

    assert (response.status_code, list(response.json()["errors"])) == (400, ["touchpoint"])


@pytest.mark.django_db
def test_scopes_are_enforced(owner, issue_api_key):
    read_only, write_only = issue_api_key(owner, ("read",)), issue_api_key(owner, ("write",))

    assert post("feedback", REVIEW, read_only).status_code == 403
    assert Client().get("/api/v1/responses", **write_only.headers).status_code == 403


@pytest.mark.django_db
def test_a_batch_item_that_is_not_an_object_refuses_the_batch(key):
    response = post("feedback/batch", {"items": [{**REVIEW}, "not an object"]}, key)

    assert (response.status_code, list(response.json()["errors"]), Response.all_orgs.count()) == (
        400,
        ["items.1"],
        0,
    )


@pytest.mark.django_db
def test_a_batch_of_mixed_items_reports_each(key):
    items = [
        {**REVIEW, "external_id": "b1"},
        {**REVIEW, "external_id": "b2", "scores": {"nps": 11}},
        {**REVIEW, "external_id": "b1"},
    ]

    response = post("feedback/batch", {"items": items}, key)

    body = response.json()
    stored = Response.all_orgs.get(external_id="b1")
    assert (response.status_code, body["created"], body["existing"], body["failed"]) == (200, 1, 1, 1)
    assert [(r["index"], r["status"], r["id"]) for r in body["results"]] == [
        (0, 201, stored.pk),
        (1, 400, None),
        (2, 200, stored.pk),
    ]
    assert body["results"][1]["errors"] == {"scores.nps": ["Ensure this value is less than or equal to 10."]}


@pytest.mark.django_db
def test_a_batch_is_limited_to_1000_items_and_1_mb(key):
    too_many = post(
        "feedback/batch", {"items": [{**REVIEW, "external_id": str(n)} for n in range(1001)]}, key
    )
    too_big = post("feedback/batch", {"items": [{**REVIEW, "comment": "x" * 20_000} for _ in range(60)]}, key)

    assert (too_many.status_code, list(too_many.json()["errors"])) == (400, ["items"])
    assert (too_big.status_code, Response.all_orgs.count()) == (413, 0)


@pytest.mark.django_db
def test_the_response_list_pages_through_everything_once_with_a_cursor(key, organization, other_organization):
    mine = {ResponseFactory(organization=organization).pk for _ in range(7)}
    ResponseFactory(organization=other_organization)
    client, seen, url = Client(), [], "/api/v1/responses?page_size=3"
    while url:
        page = client.get(url, **key.headers).json()
        seen += [item["id"] for item in page["results"]]
        url = page["next"]

    assert (sorted(seen), len(seen)) == (sorted(mine), 7)


@pytest.mark.django_db
def test_the_response_list_filters_and_refuses_bad_filters(key, organization):
    ResponseFactory(organization=organization, channel="sms")
    ResponseFactory(organization=organization, channel="email")

    sms = Client().get("/api/v1/responses?channel=sms", **key.headers).json()
    bad = Client().get("/api/v1/responses?received_after=yesterday", **key.headers)

    assert [item["channel"] for item in sms["results"]] == ["sms"]
    assert (bad.status_code, list(bad.json()["errors"])) == (400, ["received_after"])


@pytest.mark.django_db
@override_settings(RATE_LIMIT_SECRET_KEY="2/60")
def test_a_secret_key_over_its_limit_gets_429(key):
    statuses = [
        post("feedback", {**REVIEW, "external_id": str(uuid.uuid4())}, key).status_code for _ in range(3)
    ]

    assert statuses == [201, 201, 429]
