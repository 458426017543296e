from datetime import UTC, datetime, timedelta

import pytest
import redis
from django.conf import settings
from django.urls import reverse

from accounts.roles import Role
from cxplatform.celery import Queue
from webhooks.models import WebhookDelivery, WebhookEndpoint

T0 = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def broker():
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(*Queue)
    yield client
    client.delete(*Queue)


@pytest.fixture
def endpoint(make_endpoint):
    return make_endpoint("https://hooks.example.com/cx", name="CRM")


def delivery(endpoint, *, status="failed", attempts=6, minutes=0, **fields):
    return WebhookDelivery.all_orgs.create(
        organization=endpoint.organization,
        endpoint=endpoint,
        topic="response.finished",
        payload={"response": {"id": 1}},
        status=status,
        attempts=attempts,
        created_at=T0 + timedelta(minutes=minutes),
        **fields,
    )


def url(name, endpoint, *extra):
    return reverse(f"webhooks:{name}", args=[endpoint.organization.slug, endpoint.pk, *extra])


def pages(endpoint, failed):
    slug = endpoint.organization.slug
    return [
        ("get", reverse("webhooks:endpoint_list", args=[slug])),
        ("get", reverse("webhooks:endpoint_create", args=[slug])),
        ("get", url("endpoint_detail", endpoint)),
        ("get", url("endpoint_edit", endpoint)),
        ("get", url("delivery_detail", endpoint, failed.pk)),
        ("post", url("endpoint_rotate", endpoint)),
        ("post", url("endpoint_ping", endpoint)),
        ("post", url("delivery_retry", endpoint, failed.pk)),
        ("post", url("endpoint_delete", endpoint)),
    ]


def state():
    return sorted(WebhookEndpoint.all_orgs.values_list("pk", "secret", "name")), sorted(
        WebhookDelivery.all_orgs.values_list("pk", "status")
    )


@pytest.mark.parametrize(
    ("role", "expected"), [(Role.VIEWER, 403), (Role.CX_MANAGER, 403), (Role.AGENT, 403)]
)
def test_members_without_the_permission_are_refused_and_change_nothing(
    endpoint, organization, make_member, client_for, role, expected
):
    client = client_for(make_member(organization, role))
    failed = delivery(endpoint)
    before = state()

    statuses = [getattr(client, method)(path).status_code for method, path in pages(endpoint, failed)]

    assert (statuses, state()) == ([expected] * 9, before)


def test_an_outsider_gets_404_everywhere_and_changes_nothing(endpoint, outsider, client_for):
    client = client_for(outsider)
    failed = delivery(endpoint)
    before = state()

    statuses = [getattr(client, method)(path).status_code for method, path in pages(endpoint, failed)]

    assert (statuses, state()) == ([404] * 9, before)


def test_another_organisations_endpoint_is_404_under_ones_own_organisation(endpoint, outsider, client_for):
    client = client_for(outsider)
    failed = delivery(endpoint)
    own = outsider.organization.slug
    paths = [
        reverse("webhooks:endpoint_detail", args=[own, endpoint.pk]),
        reverse("webhooks:delivery_detail", args=[own, endpoint.pk, failed.pk]),
    ]
    posts = [
        reverse("webhooks:endpoint_delete", args=[own, endpoint.pk]),
        reverse("webhooks:delivery_retry", args=[own, endpoint.pk, failed.pk]),
    ]
    before = state()

    statuses = [client.get(p).status_code for p in paths] + [client.post(p).status_code for p in posts]

    assert (statuses, state()) == ([404] * 4, before)


def test_the_owner_creates_a_webhook_and_sees_its_secret(owner, client_for):
    client = client_for(owner)

    answer = client.post(
        reverse("webhooks:endpoint_create", args=["acme"]),
        {
            "name": "CRM",
            "url": "https://hooks.example.com/cx",
            "events": ["response.finished"],
            "active": "on",
        },
    )
    endpoint = WebhookEndpoint.all_orgs.get()
    page = client.get(answer["Location"])

    assert (answer.status_code, answer["Location"]) == (302, f"/o/acme/settings/webhooks/{endpoint.pk}/")
    assert (endpoint.name, endpoint.url, endpoint.events, endpoint.active) == (
        "CRM",
        "https://hooks.example.com/cx",
        ["response.finished"],
        True,
    )
    assert endpoint.secret in page.content.decode()
    assert 'data-copy="#webhook-secret"' in page.content.decode()
    assert page["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_a_plain_http_url_is_refused_with_a_message(owner, client_for):
    answer = client_for(owner).post(
        reverse("webhooks:endpoint_create", args=["acme"]),
        {"name": "CRM", "url": "http://hooks.example.com/cx", "events": ["response.finished"]},
    )

    assert (answer.status_code, WebhookEndpoint.all_orgs.count()) == (200, 0)
    assert "Use an https:// URL. Plain http is allowed only for localhost." in answer.content.decode()


def test_editing_can_switch_a_webhook_off(endpoint, owner, client_for):
    answer = client_for(owner).post(
        url("endpoint_edit", endpoint),
        {"name": "CRM v2", "url": "https://hooks.example.com/v2", "events": ["response.created"]},
    )
    endpoint.refresh_from_db()

    assert (answer.status_code, endpoint.name, endpoint.url, endpoint.events, endpoint.active) == (
        302,
        "CRM v2",
        "https://hooks.example.com/v2",
        ["response.created"],
        False,
    )


def test_rotate_replaces_the_secret(endpoint, owner, client_for):
    old = endpoint.secret

    answer = client_for(owner).post(url("endpoint_rotate", endpoint))
    endpoint.refresh_from_db()

    assert (answer.status_code, endpoint.secret != old, endpoint.secret.startswith("whsec_")) == (
        302,
        True,
        True,
    )


def test_send_test_event_queues_a_ping(endpoint, owner, client_for, broker):
    answer = client_for(owner).post(url("endpoint_ping", endpoint))

    ping = WebhookDelivery.all_orgs.get()
    assert (answer.status_code, ping.topic, ping.status, ping.event_id, ping.payload["test"]) == (
        302,
        "ping",
        "pending",
        None,
        True,
    )


def test_delete_removes_the_webhook_and_its_log(endpoint, owner, client_for):
    delivery(endpoint)

    answer = client_for(owner).post(url("endpoint_delete", endpoint))

    assert (answer.status_code, WebhookEndpoint.all_orgs.count(), WebhookDelivery.all_orgs.count()) == (
        302,
        0,
        0,
    )


def test_retry_now_puts_a_failed_delivery_back_in_the_queue(endpoint, owner, client_for):
    failed = delivery(endpoint, last_status_code=500, last_error="HTTP 500: boom")
    succeeded = delivery(endpoint, status="succeeded", attempts=1)
    client = client_for(owner)

    retried = client.post(url("delivery_retry", endpoint, failed.pk))
    refused = client.post(url("delivery_retry", endpoint, succeeded.pk), follow=True)
    failed.refresh_from_db()
    succeeded.refresh_from_db()

    assert (retried.status_code, failed.status, succeeded.status) == (302, "pending", "succeeded")
    assert "Only a failed delivery can be retried." in refused.content.decode()


def test_the_delivery_log_is_paginated_newest_first(endpoint, owner, client_for):
    ids = [delivery(endpoint, minutes=i, last_status_code=500, response_time_ms=42).pk for i in range(30)]
    client = client_for(owner)

    first = client.get(url("endpoint_detail", endpoint))
    second = client.get(url("endpoint_detail", endpoint) + "?page=2")

    assert [d.pk for d in first.context["deliveries"]] == ids[::-1][:25]
    assert [d.pk for d in second.context["deliveries"]] == ids[::-1][25:]
    assert first.content.decode().count("Retry now") == 25
    assert "42 ms" in first.content.decode()


def test_the_log_polls_only_while_a_delivery_is_in_flight(endpoint, owner, client_for):
    client = client_for(owner)
    delivery(endpoint)
    settled = client.get(url("endpoint_detail", endpoint)).content.decode()
    delivery(endpoint, status="pending", attempts=0, minutes=1)
    in_flight = client.get(url("endpoint_detail", endpoint)).content.decode()

    assert ('hx-trigger="every 2s"' in settled, 'hx-trigger="every 2s"' in in_flight) == (False, True)


def test_a_delivery_page_shows_the_request_body(endpoint, owner, client_for):
    failed = delivery(endpoint, last_error="HTTP 500: boom")

    page = client_for(owner).get(url("delivery_detail", endpoint, failed.pk)).content.decode()

    assert ("&quot;type&quot;: &quot;response.finished&quot;" in page, "HTTP 500: boom" in page) == (
        True,
        True,
    )
