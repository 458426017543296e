"""What the public endpoints' own tests leave out: CORS preflights for an unknown origin and on the config
endpoint, and the per-address limits under a rotating X-Forwarded-For with and without a trusted proxy.

Already covered elsewhere: the allowed and unknown origin on the responses endpoint and its preflight for an
allowed origin, a forged X-Forwarded-For behind one proxy (tests/feedback/test_public_api.py); the allowed
and unknown origin on the config endpoint (tests/widgets/test_config.py); login brute force per account and
per address with a rotating X-Forwarded-For (tests/accounts/test_auth.py).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client, override_settings

from surveys.models import Survey
from tests.factories import InterceptFactory, SiteFactory
from widgets.models import Site

ORIGIN = "https://shop.example"
ENDPOINTS = {"responses": "POST", "config": "GET"}
ACCEPTED = {"responses": 201, "config": 200}


@pytest.fixture
def site(live_survey: Survey) -> Site:
    site = SiteFactory(organization=live_survey.organization, origins=[ORIGIN])
    InterceptFactory(site=site, survey=live_survey)
    return site


def preflight(site: Site, endpoint: str, origin: str) -> Any:
    return Client().options(
        f"/api/v1/public/{site.public_key}/{endpoint}",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=ENDPOINTS[endpoint],
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_a_preflight_is_answered_for_the_sites_own_origin_only(site: Site, endpoint: str) -> None:
    own, unknown = preflight(site, endpoint, ORIGIN), preflight(site, endpoint, "https://evil.example")

    assert (own.status_code, own.get("Access-Control-Allow-Origin")) == (200, ORIGIN)
    assert (unknown.get("Access-Control-Allow-Origin"), unknown.get("Access-Control-Allow-Methods")) == (
        None,
        None,
    )


def call(site: Site, survey: Survey, endpoint: str, forwarded_for: str) -> int:
    path = f"/api/v1/public/{site.public_key}/{endpoint}"
    if endpoint == "config":
        return Client().get(path, HTTP_X_FORWARDED_FOR=forwarded_for).status_code
    body = json.dumps({"id": str(uuid.uuid4()), "survey": survey.public_id, "answers": {"nps": 9}})
    return (
        Client().post(path, body, content_type="text/plain", HTTP_X_FORWARDED_FOR=forwarded_for).status_code
    )


@pytest.mark.django_db
@pytest.mark.parametrize("proxies", [0, 1], ids=["no proxy", "one proxy"])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_a_rotating_forwarded_for_cannot_dodge_the_per_address_limit(
    site: Site, live_survey: Survey, endpoint: str, proxies: int
) -> None:
    # Without a proxy the header is the client's own invention; behind one, only the proxy's entry counts.
    with override_settings(
        RATE_LIMIT_CLIENT_IP="2/60", RATE_LIMIT_CONFIG_IP="2/60", TRUSTED_PROXY_COUNT=proxies
    ):
        statuses = [call(site, live_survey, endpoint, f"203.0.113.{n}, 198.51.100.7") for n in range(4)]

    assert statuses == [ACCEPTED[endpoint]] * 2 + [429] * 2
