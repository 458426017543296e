"""Stored client addresses are never raw: requests from a distinctive address through every ingress,
then a full dump of the database (and the cache/broker Redis database) searched for it."""

from __future__ import annotations

import ipaddress
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.test import Client

from accounts.models import Membership, Organization
from campaigns.models import Campaign, Invitation, InvitationStatus
from contacts.services.suppression import unsubscribe_token
from core.models import OutboxEvent
from core.netaddr import ip_hash
from core.outbox import outbox_process
from feedback.models import Contact, Response
from tests.contacts.test_privacy import _dump
from tests.factories import InterceptFactory, SiteFactory
from webhooks.models import WebhookEndpoint

IPV4 = "203.0.113.77"
IPV6 = "2001:db8::77"
PROXY = "10.9.8.7"
PASSWORD = "correct horse battery staple 9"
EVENTS_SECRET = "events-secret-for-ip-test"


def _needles() -> list[str]:
    return [IPV4, IPV6, ipaddress.ip_address(IPV6).exploded, "2001:0db8::77"]


def _clients() -> list[Client]:
    # TRUSTED_PROXY_COUNT = 1: the first client talks to us directly, the second through one proxy
    # that appends the IPv6 client to X-Forwarded-For (after a forged entry the client wrote itself).
    return [
        Client(REMOTE_ADDR=IPV4),
        Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.1, {IPV6}"),
    ]


def _walk_every_ingress(
    client: Client,
    n: int,
    organization: Organization,
    survey: Any,
    site_key: str,
    api_key: str,
    owner_email: str,
) -> None:
    ok = {200, 201, 202, 204, 302, 303}
    # The widget's public responses API, and the kiosk.
    body = {"id": str(uuid.uuid4()), "survey": survey.public_id, "answers": {"nps": 9}, "finished": False}
    public = client.post(f"/api/v1/public/{site_key}/responses", json.dumps(body), content_type="text/plain")
    kiosk = client.post(
        f"/s/{survey.public_id}/kiosk/responses",
        json.dumps({"id": str(uuid.uuid4()), "answers": {"nps": 10}, "finished": True}),
        content_type="application/json",
    )
    # The hosted survey page, to its ending.
    client.get(f"/s/{survey.public_id}/")
    client.post(f"/s/{survey.public_id}/q/nps/", {"nps": "10"})
    hosted = client.post(f"/s/{survey.public_id}/q/email/", {"email": ""})
    # A secret-key API call.
    secret = client.post(
        "/api/v1/feedback",
        json.dumps(
            {"external_id": f"ip-{n}", "channel": "app_review", "comment": "Fine", "scores": {"csat": 4}}
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_key}",
    )
    # Sign-up, a failed login and a login.
    signup = client.post(
        "/accounts/signup/", {"email": f"new{n}@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    failed = client.post("/accounts/login/", {"login": owner_email, "password": "wrong password 1"})
    login = client.post("/accounts/login/", {"login": owner_email, "password": PASSWORD})
    # A personal invitation link, its open pixel, the provider's event about it, and unsubscribing.
    contact = Contact.all_orgs.create(organization=organization, email=f"ip{n}@example.net", name="Ip Person")
    campaign = Campaign.all_orgs.create(
        organization=organization, name=f"C{n}", survey=survey, channel="email"
    )
    token = f"iptoken{n:017d}"
    Invitation.all_orgs.create(
        organization=organization,
        campaign=campaign,
        contact=contact,
        survey=survey,
        channel="email",
        address=contact.email,
        token=token,
        status=InvitationStatus.SENT,
    )
    pixel = client.get(f"/i/{token}/o.gif")
    opened = client.get(f"/i/{token}")
    events = client.post(
        "/api/v1/email/events",
        json.dumps(
            [{"event": "click", "cx_invitation": token, "ip": IPV4 if n == 0 else IPV6, "timestamp": 1}]
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {EVENTS_SECRET}",
    )
    unsubscribe = client.post(
        f"/u/{unsubscribe_token(organization_id=organization.pk, contact_id=contact.pk)}/"
    )
    statuses = {
        "public": public.status_code,
        "kiosk": kiosk.status_code,
        "hosted": hosted.status_code,
        "secret": secret.status_code,
        "signup": signup.status_code,
        "failed": failed.status_code,
        "login": login.status_code,
        "pixel": pixel.status_code,
        "opened": opened.status_code,
        "events": events.status_code,
        "unsubscribe": unsubscribe.status_code,
    }
    assert {name: code for name, code in statuses.items() if code not in ok} == {}


@pytest.mark.django_db(transaction=True)
def test_no_raw_client_address_in_the_database_or_redis(
    settings: Any,
    organization: Organization,
    owner: Membership,
    live_survey: Any,
    issue_api_key: Callable[..., Any],
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    settings.EMAIL_EVENTS_SECRET = EVENTS_SECRET
    owner.user.set_password(PASSWORD)
    owner.user.save(update_fields=["password"])
    site = SiteFactory(organization=organization)
    InterceptFactory(site=site, survey=live_survey)
    WebhookEndpoint.all_orgs.create(
        organization=organization,
        name="CRM",
        url="https://crm.example",
        events=["response.created"],
        secret="s",
    )
    api_key = issue_api_key(owner).secret

    for n, client in enumerate(_clients()):
        _walk_every_ingress(
            client, n, organization, live_survey, str(site.public_key), api_key, owner.user.email
        )
    # What the outbox's handlers write about those responses (webhook payloads, alerts, analysis).
    for pk in OutboxEvent.all_orgs.filter(processed_at__isnull=True).values_list("pk", flat=True):
        outbox_process(pk)

    dump = _dump()
    # Not vacuous: both clients' responses are stored, each with the hash of its own address.
    assert Response.all_orgs.filter(organization=organization).count() == 8
    assert (ip_hash(IPV4) in dump, ip_hash(IPV6) in dump) == (True, True)
    assert [needle for needle in _needles() if needle in dump] == []

    cache = redis.Redis.from_url(str(django_settings.CACHES["default"]["LOCATION"]))
    stored: list[str] = []
    for key in cache.scan_iter(count=1000):
        kind = cache.type(key)
        value: Any = cache.dump(key) if kind in (b"string", b"list", b"hash", b"set", b"zset") else b""
        stored.append(key.decode(errors="replace") + " " + (value or b"").decode(errors="replace"))
    assert [entry.split(" ")[0] for entry in stored if any(needle in entry for needle in _needles())] == []
