"""POST /api/v1/email/events: the email provider's events reach the invitations, the suppression list and
the contacts' consent; idempotent, authenticated, size-limited, never a 500."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from campaigns.models import CampaignStatus, Invitation, InvitationStatus
from contacts.models import Suppression
from contacts.suppression import address_key
from feedback.models import Consent, Contact

pytestmark = pytest.mark.django_db

URL = "/api/v1/email/events"
SECRET = "s3cret-events"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {SECRET}"}
STAMP = 1717400000
TOKEN = "tok-jane-0001"
WHEN = datetime.fromtimestamp(STAMP, tz=UTC)


@pytest.fixture(autouse=True)
def secret(settings):
    settings.EMAIL_EVENTS_SECRET = SECRET


@pytest.fixture
def contact(organization):
    return Contact.all_orgs.create(
        organization=organization, email="Jane@Example.net", phone="+4915112345678", name="Jane"
    )


@pytest.fixture
def invitation(organization, contact, make_audience, make_campaign, live_survey):
    campaign = make_campaign(live_survey, make_audience([contact]), status=CampaignStatus.SENT)
    return Invitation.all_orgs.create(
        organization=organization,
        campaign=campaign,
        contact=contact,
        survey=live_survey,
        channel="email",
        address=contact.email,
        language="en",
        token=TOKEN,
        status=InvitationStatus.SENT,
        sent_at=WHEN,
    )


def post(client, body, **headers):
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(URL, data=raw, content_type="application/json", **{**AUTH, **headers})


def event(kind, token=TOKEN, **fields):
    return {"email": "jane@example.net", "timestamp": STAMP, "event": kind, "cx_invitation": token, **fields}


def suppressions(organization):
    return list(
        Suppression.all_orgs.filter(organization=organization).values_list("channel", "address_key", "reason")
    )


def test_the_url_name_is_api_email_events():
    assert reverse("api_email_events") == URL


@pytest.mark.parametrize(
    ("kind", "column"),
    [("delivered", "delivered_at"), ("open", "opened_at"), ("click", "clicked_at")],
)
def test_tracking_events_stamp_the_invitation_once(client, organization, invitation, kind, column):
    first = post(client, [event(kind)])
    again = post(client, [event(kind, timestamp=STAMP + 60)])

    invitation.refresh_from_db()
    assert (first.status_code, first.json()) == (
        200,
        {"processed": 1, "results": [{"event": kind, "result": "applied"}]},
    )
    assert again.json()["results"] == [{"event": kind, "result": "duplicate"}]
    assert getattr(invitation, column) == WHEN
    assert suppressions(organization) == []


@pytest.mark.parametrize("kind", ["bounce", "dropped"])
def test_a_bounce_or_a_drop_suppresses_the_address(client, organization, invitation, contact, kind):
    answer = post(client, [event(kind, type="bounce", reason="550 5.1.1 no such user")])
    again = post(client, [event(kind, type="bounce")])

    invitation.refresh_from_db()
    contact.refresh_from_db()
    assert answer.json()["results"] == [{"event": kind, "result": "applied"}]
    assert again.json()["results"] == [{"event": kind, "result": "duplicate"}]
    assert invitation.bounced_at == WHEN
    assert suppressions(organization) == [("email", address_key("email", "jane@example.net"), "bounced")]
    assert contact.consent == Consent.UNKNOWN


def test_a_temporary_block_is_not_a_bounce(client, organization, invitation):
    answer = post(client, [event("bounce", type="blocked")])

    invitation.refresh_from_db()
    assert answer.json()["results"] == [{"event": "bounce", "result": "ignored"}]
    assert (invitation.bounced_at, suppressions(organization)) == (None, [])


def test_a_spam_report_suppresses_the_address_and_withdraws_consent(
    client, organization, invitation, contact
):
    answer = post(client, [event("spamreport")])

    invitation.refresh_from_db()
    contact.refresh_from_db()
    assert answer.json()["results"] == [{"event": "spamreport", "result": "applied"}]
    assert invitation.complained_at == WHEN
    assert suppressions(organization) == [("email", address_key("email", "jane@example.net"), "complained")]
    assert contact.consent == Consent.WITHDRAWN


def test_an_unsubscribe_unsubscribes_the_contact_on_every_channel(client, organization, invitation, contact):
    answer = post(client, [event("unsubscribe")])
    again = post(client, [event("unsubscribe")])

    invitation.refresh_from_db()
    contact.refresh_from_db()
    assert answer.json()["results"] == [{"event": "unsubscribe", "result": "applied"}]
    assert again.json()["results"] == [{"event": "unsubscribe", "result": "duplicate"}]
    assert invitation.unsubscribed_at == WHEN
    assert sorted(suppressions(organization)) == sorted(
        [
            ("email", address_key("email", "jane@example.net"), "unsubscribed"),
            ("sms", address_key("sms", "+4915112345678"), "unsubscribed"),
        ]
    )
    assert contact.consent == Consent.WITHDRAWN
    assert AuditEvent.all_orgs.filter(organization=organization, action="contact.unsubscribed").count() == 1


def test_an_erased_contacts_unsubscribe_suppresses_the_address_only(client, organization, invitation):
    Invitation.all_orgs.filter(pk=invitation.pk).update(contact=None)

    answer = post(client, [event("unsubscribe")])

    assert answer.json()["results"] == [{"event": "unsubscribe", "result": "applied"}]
    assert suppressions(organization) == [("email", address_key("email", "jane@example.net"), "unsubscribed")]


def test_a_batch_reports_each_event_and_one_bad_event_stops_nothing(client, organization, invitation):
    body = [
        event("processed"),
        event("delivered"),
        "not an event",
        {"event": 42},
        event("open", token="unknown-token"),
        event("click", token=None),
        event("open", token="x" * 200),
        event("open", timestamp="yesterday"),
        event("click", timestamp=10**20),
    ]

    answer = post(client, body)

    invitation.refresh_from_db()
    assert answer.status_code == 200
    assert answer.json() == {
        "processed": 9,
        "results": [
            {"event": "processed", "result": "ignored"},
            {"event": "delivered", "result": "applied"},
            {"event": "", "result": "invalid"},
            {"event": "", "result": "invalid"},
            {"event": "open", "result": "unknown_invitation"},
            {"event": "click", "result": "unknown_invitation"},
            {"event": "open", "result": "unknown_invitation"},
            {"event": "open", "result": "applied"},
            {"event": "click", "result": "applied"},
        ],
    }
    assert invitation.delivered_at == WHEN
    assert invitation.opened_at is not None
    assert invitation.clicked_at is not None


def test_a_single_event_object_is_accepted(client, invitation):
    answer = post(client, event("delivered"))

    assert answer.json() == {"processed": 1, "results": [{"event": "delivered", "result": "applied"}]}


def test_an_sms_invitations_token_is_not_an_email_event(client, organization, invitation):
    Invitation.all_orgs.filter(pk=invitation.pk).update(channel="sms")

    answer = post(client, [event("bounce")])

    assert answer.json()["results"] == [{"event": "bounce", "result": "unknown_invitation"}]
    assert suppressions(organization) == []


# --- authentication, limits, malformed bodies ---------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{"HTTP_AUTHORIZATION": ""}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": SECRET}],
)
def test_a_wrong_secret_is_401_and_changes_nothing(client, invitation, headers):
    answer = post(client, [event("bounce")], **headers)

    invitation.refresh_from_db()
    assert (answer.status_code, answer.json()) == (401, {"detail": "Missing or wrong secret.", "errors": {}})
    assert invitation.bounced_at is None


def test_the_endpoint_is_off_without_a_secret(client, settings, invitation):
    settings.EMAIL_EVENTS_SECRET = ""

    answer = post(client, [event("bounce")])

    assert (answer.status_code, answer.json()["detail"]) == (404, "Not found.")


def test_too_many_wrong_secrets_are_throttled(client, invitation):
    answers = [post(client, [], HTTP_AUTHORIZATION="Bearer wrong").status_code for _ in range(21)]

    assert answers == [401] * 20 + [429]


def test_a_body_over_one_megabyte_is_413(client, invitation):
    padding = "x" * (1024 * 1024)

    answer = post(client, json.dumps([event("delivered", padding=padding)]))

    invitation.refresh_from_db()
    assert (answer.status_code, answer.json()["detail"]) == (413, "The body is larger than 1048576 bytes.")
    assert invitation.delivered_at is None


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b"[{", "The body is not valid JSON (Expecting property name enclosed in double quotes)."),
        (b"", "The body is not valid JSON (Expecting value)."),
        (b"\xff\xfe", "The body must be UTF-8 encoded JSON."),
        (b'"delivered"', "The body must be a JSON array of events."),
        (b"[NaN]", "NaN is not valid JSON."),
    ],
)
def test_a_malformed_body_is_400_json(client, raw, detail):
    answer = client.post(URL, data=raw, content_type="application/json", **AUTH)

    assert (answer.status_code, answer["Content-Type"], answer.json()) == (
        400,
        "application/json",
        {"detail": detail, "errors": {}},
    )


def test_the_endpoint_is_in_the_openapi_schema_with_an_example(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()

    operation = schema["paths"]["/api/v1/email/events"]["post"]
    assert operation["operationId"] == "email_events"
    assert sorted(operation["responses"]) == ["200", "400", "401", "404", "413", "429", "503"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert [[item["event"] for item in example["value"]] for example in examples.values()] == [
        ["delivered"],
        ["bounce"],
    ]
