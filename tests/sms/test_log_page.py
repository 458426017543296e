from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Organization
from sms.models import SmsDirection, SmsMessage, SmsStatus

pytestmark = pytest.mark.django_db


def message(organization: Organization, status: str, body: str) -> SmsMessage:
    return SmsMessage.all_orgs.create(
        organization=organization,
        direction=SmsDirection.OUTBOUND,
        to_number="+4917012345678",
        body=body,
        backend="console",
        status=status,
    )


def test_the_log_lists_and_filters(
    organization: Organization, viewer: Membership, client_for: Callable[..., Client]
) -> None:
    message(organization, SmsStatus.DELIVERED, "Delivered text")
    message(organization, SmsStatus.FAILED, "Failed text")
    url = reverse("sms:message_list", kwargs={"org_slug": organization.slug})
    client = client_for(viewer)

    everything = client.get(url)
    assert everything.status_code == 200
    assert [m.body for m in everything.context["sms_messages"]] == ["Failed text", "Delivered text"]

    failed = client.get(url, {"status": "failed"})
    assert [m.body for m in failed.context["sms_messages"]] == ["Failed text"]
    assert client.get(url, {"status": "nonsense"}).context["sms_messages"].count() == 2


def test_the_log_is_paginated(
    organization: Organization, viewer: Membership, client_for: Callable[..., Client]
) -> None:
    for n in range(51):
        message(organization, SmsStatus.QUEUED, f"Text {n}")
    url = reverse("sms:message_list", kwargs={"org_slug": organization.slug})
    second = client_for(viewer).get(url, {"status": "queued", "page": 2})
    assert [m.body for m in second.context["sms_messages"]] == ["Text 0"]
    assert b"?status=queued&amp;page=1" in second.content
    assert client_for(viewer).get(url, {"page": 99}).status_code == 404


def test_outsiders_see_nothing(
    organization: Organization, outsider: Membership, client_for: Callable[..., Client], client: Any
) -> None:
    message(organization, SmsStatus.DELIVERED, "Secret")
    url = reverse("sms:message_list", kwargs={"org_slug": organization.slug})
    assert client_for(outsider).get(url).status_code == 404
    assert client.get(url).status_code == 302
    own = client_for(outsider).get(
        reverse("sms:message_list", kwargs={"org_slug": outsider.organization.slug})
    )
    assert list(own.context["sms_messages"]) == []
