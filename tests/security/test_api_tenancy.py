"""The tenancy matrix over every API operation of the OpenAPI schema, with the keys of two organisations.

Every operation needs an entry in ``PROVIDERS``, or ``test_every_api_operation_has_a_case_provider`` fails
naming it: a new endpoint is covered the day it is added. An entry says how the operation is
authenticated and which requests organisation alpha's credentials make for beta's objects (ids, survey
ids, external ids, client ids, filters, cursors, contacts). Each of those gets exactly the answer its
contract gives for a missing object (404, a 400 naming the field, or an empty page where the contract is
a filter), and nothing of beta's changes. Missing, revoked and malformed credentials, and a publishable
key used as a secret key, are refused; the public endpoints (publishable key in the path) write only
into the key's own organisation.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from unittest.mock import ANY
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import Membership, Organization
from accounts.roles import Role
from accounts.services import api_key_create, api_key_revoke
from analytics.services import rollups_rebuild
from feedback.models import Contact, Response
from surveys.models import Survey
from surveys.services import survey_create, survey_publish
from tests import factories
from tests.conftest import DEFINITION
from tests.feedback.test_api_schema import OPERATIONS, SCHEMA
from widgets.models import Site

Operation = tuple[str, str]
EMAIL_EVENTS_SECRET = "email-events-secret-for-tests"
INBOUND_EMAIL_SECRET = "inbound-email-secret-for-tests"
TWILIO_URL = "twilio+http://AC" + "0123456789abcdef" * 2 + ":auth-token@127.0.0.1:9?from=%2B15005550006"


@dataclass
class World:
    org: Organization
    owner: Membership
    secret: str
    revoked_secret: str
    site: Site
    revoked_site: Site
    survey: Survey
    touchpoint_id: int
    contact: Contact
    response: Response


def build_api_world(slug: str) -> World:
    """An organisation with keys, a site with a live survey, a contact and three responses."""
    org = factories.OrganizationFactory(slug=slug, name=slug.title())
    owner = factories.MembershipFactory(organization=org, role=Role.OWNER, user__email=f"owner@{slug}.test")
    touchpoint = factories.TouchpointFactory(organization=org)
    survey = survey_create(
        organization=org, name="NPS", touchpoint=touchpoint, created_by=owner.user, definition=DEFINITION
    )
    survey_publish(survey=survey, actor=owner)
    survey.refresh_from_db()
    site = factories.SiteFactory(organization=org, origins=[f"https://{slug}.example"])
    factories.InterceptFactory(site=site, survey=survey)
    revoked_site = factories.SiteFactory(organization=org, revoked_at=timezone.now())
    contact = factories.ContactFactory(
        organization=org, email=f"ana@{slug}.example", external_id=f"crm-{slug}"
    )
    response = factories.ResponseFactory(
        organization=org,
        survey=survey,
        contact=contact,
        external_id=f"ext-{slug}",
        client_id=uuid.uuid4(),
    )
    factories.ResponseFactory.create_batch(2, organization=org, survey=survey)
    rollups_rebuild(organization=org)
    secret = api_key_create(organization=org, actor=owner, name="live", scopes=["read", "write"]).secret
    revoked = api_key_create(organization=org, actor=owner, name="old", scopes=["read", "write"])
    api_key_revoke(key=revoked.key, actor=owner)
    return World(
        org=org,
        owner=owner,
        secret=secret,
        revoked_secret=revoked.secret,
        site=site,
        revoked_site=revoked_site,
        survey=survey,
        touchpoint_id=touchpoint.pk,
        contact=contact,
        response=response,
    )


@pytest.fixture
def worlds(db: Any, settings: Any) -> tuple[World, World]:
    # The provider webhooks on, so that their credentials are checked rather than the endpoint being off.
    settings.EMAIL_EVENTS_SECRET = EMAIL_EVENTS_SECRET
    settings.INBOUND_EMAIL_SECRET = INBOUND_EMAIL_SECRET
    settings.SMS_URL = TWILIO_URL
    return build_api_world("alpha"), build_api_world("beta")


def org_fingerprint(org: Organization) -> str:
    """A digest of the organisation and every row it owns (any change to them alters it), in one query."""
    quote = connection.ops.quote_name
    tables = sorted(
        (model._meta.db_table, model._meta.get_field("organization").column, model._meta.pk.column)
        for model in apps.get_models()
        if any(f.name == "organization" for f in model._meta.fields)
    )
    tables.append((Organization._meta.db_table, "id", "id"))
    # Table and column names come from the models, never from input.
    sql = " UNION ALL ".join(
        f"SELECT '{table}', md5(coalesce(string_agg(t::text, '|' ORDER BY t.{quote(pk)}), '')) "  # noqa: S608
        f"FROM {quote(table)} t WHERE t.{quote(column)} = %s"
        for table, column, pk in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [org.pk] * len(tables))
        return hashlib.sha256(json.dumps(sorted(cursor.fetchall())).encode()).hexdigest()


# --- requests and their expected answers ----------------------------------------------------------


@dataclass
class Case:
    name: str
    method: str
    path: str
    status: int
    body: Any
    data: Any = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    # The part of a long computed answer (metrics, the widget config) that the case is about.
    project: Callable[[Any], Any] | None = None


def send(case: Case) -> Any:
    data = case.data
    if data is not None and case.content_type == "application/json" and not isinstance(data, str | bytes):
        data = json.dumps(data)
    return Client().generic(
        case.method, case.path, data=data or "", content_type=case.content_type, **case.headers
    )


def answer(case: Case, response: Any) -> tuple[str, int, Any]:
    raw = response.content.decode()
    body: Any = json.loads(raw) if response["Content-Type"].startswith("application/json") else raw
    if case.project is not None:
        body = case.project(body)
    return case.name, response.status_code, body


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


NOT_VALID = "The request is not valid."
EMPTY_PAGE = {"next": None, "previous": None, "results": []}
UNKNOWN_SITE = {"detail": "Unknown key or survey.", "errors": {}}


def review(**fields: Any) -> dict[str, Any]:
    return {"channel": "app_review", "scores": {"csat": 2}, "comment": "Slow.", **fields}


def ids_of(page: dict[str, Any]) -> list[int]:
    return [item["id"] for item in page["results"]]


def listing(world: World, query: str = "") -> dict[str, Any]:
    return Client().get(f"/api/v1/responses{query}", **bearer(world.secret)).json()


def next_cursor(world: World) -> str:
    # A cursor is a position in the listing, never a reference to another organisation's rows.
    return parse_qs(urlsplit(listing(world, "?page_size=1")["next"]).query)["cursor"][0]


def me_cases(a: World, b: World) -> list[Case]:
    return [
        Case(
            "the key is its own organisation's",
            "GET",
            "/api/v1/me",
            200,
            {"organization": "alpha", "key_name": "live", "key_prefix": ANY, "scopes": ["read", "write"]},
            headers=bearer(a.secret),
        )
    ]


def feedback_cases(a: World, b: World) -> list[Case]:
    post = {"method": "POST", "path": "/api/v1/feedback", "headers": bearer(a.secret)}
    return [
        Case(
            "beta's touchpoint",
            status=400,
            body={"detail": NOT_VALID, "errors": {"touchpoint": ["No touchpoint with this id."]}},
            data=review(touchpoint=b.touchpoint_id),
            **post,
        ),
        Case(
            "beta's survey",
            status=400,
            body={"detail": NOT_VALID, "errors": {"survey": ["No survey with this id."]}},
            data=review(survey=b.survey.public_id, answers={"nps": 3}),
            **post,
        ),
        # External ids are each organisation's own: beta's is a new response of alpha's.
        Case(
            "beta's external id",
            status=201,
            body={"id": ANY, "external_id": "ext-beta", "created": True},
            data=review(external_id="ext-beta"),
            **post,
        ),
        Case(
            "beta's contact",
            status=201,
            body={"id": ANY, "external_id": "ext-contact", "created": True},
            data=review(
                external_id="ext-contact",
                contact={"email": b.contact.email, "external_id": b.contact.external_id, "name": "Pwned"},
            ),
            **post,
        ),
    ]


def batch_cases(a: World, b: World) -> list[Case]:
    touchpoint_error = {"touchpoint": ["No touchpoint with this id."]}
    return [
        Case(
            "beta's touchpoint, survey and external id",
            "POST",
            "/api/v1/feedback/batch",
            200,
            {
                "created": 1,
                "existing": 0,
                "failed": 2,
                "results": [
                    {"index": 0, "status": 400, "id": None, "errors": touchpoint_error},
                    {
                        "index": 1,
                        "status": 400,
                        "id": None,
                        "errors": {"survey": ["No survey with this id."]},
                    },
                    {"index": 2, "status": 201, "id": ANY, "errors": {}},
                ],
            },
            data={
                "items": [
                    review(touchpoint=b.touchpoint_id),
                    review(survey=b.survey.public_id, answers={"nps": 3}),
                    review(external_id="ext-beta", contact={"email": b.contact.email}),
                ]
            },
            headers=bearer(a.secret),
        )
    ]


def responses_cases(a: World, b: World) -> list[Case]:
    own = listing(a)
    get = {"method": "GET", "headers": bearer(a.secret)}
    return [
        Case(
            "no filter: alpha's rows only",
            path="/api/v1/responses",
            status=200,
            body={"next": None, "previous": None, "results": own["results"]},
            **get,
        ),
        Case(
            "beta's survey",
            path=f"/api/v1/responses?survey={b.survey.public_id}",
            status=200,
            body=EMPTY_PAGE,
            **get,
        ),
        Case(
            "beta's touchpoint",
            path=f"/api/v1/responses?touchpoint={b.touchpoint_id}",
            status=200,
            body=EMPTY_PAGE,
            **get,
        ),
        # Beta's rows are newer than alpha's: its cursor positions alpha's key before all of alpha's rows.
        Case(
            "beta's cursor",
            path=f"/api/v1/responses?cursor={next_cursor(b)}",
            status=200,
            body=own["results"],
            project=lambda page: page["results"],
            **get,
        ),
    ]


def metrics_cases(a: World, b: World) -> list[Case]:
    get = {"method": "GET", "headers": bearer(a.secret)}

    def refused(value: object) -> dict[str, Any]:
        return {"detail": NOT_VALID, "errors": {"survey": [f"No survey has this id: {value}."]}}

    return [
        Case(
            "beta's survey public id",
            path=f"/api/v1/metrics?metric=nps&survey={b.survey.public_id}",
            status=400,
            body=refused(b.survey.public_id),
            **get,
        ),
        Case(
            "beta's survey id",
            path=f"/api/v1/metrics?metric=nps&survey={b.survey.pk}",
            status=400,
            body=refused(b.survey.pk),
            **get,
        ),
        Case(
            "beta's touchpoint",
            path=f"/api/v1/metrics?metric=nps&touchpoint={b.touchpoint_id}",
            status=200,
            body=(None, 0, {"value": None, "n": 0}),
            project=lambda metric: (metric["value"], metric["n"], metric["previous"]),
            **get,
        ),
        Case(
            "grouped by survey: alpha's survey only",
            path="/api/v1/metrics?metric=nps&group_by=survey",
            status=200,
            body=[(str(a.survey.pk), "NPS", 3)],
            project=lambda metric: [(g["key"], g["label"], g["n"]) for g in metric["groups"]],
            **get,
        ),
    ]


def public_config_cases(a: World, b: World) -> list[Case]:
    return [
        Case(
            "alpha's key lists alpha's survey only",
            "GET",
            f"/api/v1/public/{a.site.public_key}/config",
            200,
            [a.survey.public_id],
            headers=bearer(b.secret),
            project=lambda config: [survey["id"] for survey in config["surveys"]],
        ),
    ]


def public_responses_cases(a: World, b: World) -> list[Case]:
    post = {
        "method": "POST",
        "path": f"/api/v1/public/{a.site.public_key}/responses",
        "content_type": "text/plain",
    }

    def submission(**fields: Any) -> str:
        return json.dumps(
            {"id": str(uuid.uuid4()), "survey": a.survey.public_id, "answers": {"nps": 9}, **fields}
        )

    return [
        Case(
            "beta's survey", status=404, body=UNKNOWN_SITE, data=submission(survey=b.survey.public_id), **post
        ),
        # A client id is the browser's own: beta's is a new response of alpha's, beta's stays as it was.
        Case(
            "beta's client id",
            status=201,
            body={"id": str(b.response.client_id), "status": "partial", "created": True},
            data=submission(id=str(b.response.client_id)),
            **post,
        ),
        Case(
            "beta's contact",
            status=201,
            body={"id": ANY, "status": "partial", "created": True},
            data=submission(
                contact={
                    "email": b.contact.email,
                    "external_id": b.contact.external_id,
                    "attributes": {"plan": "pwned"},
                }
            ),
            **post,
        ),
        Case(
            "beta's secret key in the header changes nothing",
            status=404,
            body=UNKNOWN_SITE,
            data=submission(survey=b.survey.public_id),
            headers=bearer(b.secret),
            **post,
        ),
    ]


def email_events_cases(a: World, b: World) -> list[Case]:
    event = [{"event": "unsubscribe", "email": b.contact.email, "cx_invitation": "whatever"}]
    return [
        Case(
            "alpha's secret key is not the provider's secret",
            "POST",
            "/api/v1/email/events",
            401,
            {"detail": "Missing or wrong secret.", "errors": {}},
            data=event,
            headers=bearer(a.secret),
        )
    ]


def inbound_email_cases(a: World, b: World) -> list[Case]:
    return [
        Case(
            "alpha's secret key is not the relay's secret",
            "POST",
            "/api/v1/inbound/email",
            401,
            {"detail": "Missing or wrong secret.", "errors": {}},
            data=b"From: x@example.net\r\nTo: reply+beta-ticket-token@inbound.example.com\r\n\r\nHi\r\n",
            content_type="message/rfc822",
            headers=bearer(a.secret),
        )
    ]


def twilio_cases(path: str, params: str) -> Callable[[World, World], list[Case]]:
    def cases(a: World, b: World) -> list[Case]:
        return [
            Case(
                "alpha's secret key is not Twilio's signature",
                "POST",
                path,
                403,
                {"detail": "Missing or wrong signature.", "errors": {}},
                data=params,
                content_type="application/x-www-form-urlencoded",
                headers=bearer(a.secret),
            )
        ]

    return cases


@dataclass(frozen=True)
class Provider:
    # How the operation is authenticated: "secret_key" (cx_sk_ bearer), "site_key" (publishable key in
    # the path), "shared_secret" (a provider's bearer secret) or "twilio" (X-Twilio-Signature).
    auth: str
    foreign: Callable[[World, World], list[Case]]


PROVIDERS: dict[Operation, Provider] = {
    ("GET", "/api/v1/me"): Provider("secret_key", me_cases),
    ("POST", "/api/v1/feedback"): Provider("secret_key", feedback_cases),
    ("POST", "/api/v1/feedback/batch"): Provider("secret_key", batch_cases),
    ("GET", "/api/v1/responses"): Provider("secret_key", responses_cases),
    ("GET", "/api/v1/metrics"): Provider("secret_key", metrics_cases),
    ("GET", "/api/v1/public/{site_key}/config"): Provider("site_key", public_config_cases),
    ("POST", "/api/v1/public/{site_key}/responses"): Provider("site_key", public_responses_cases),
    ("POST", "/api/v1/email/events"): Provider("shared_secret", email_events_cases),
    ("POST", "/api/v1/inbound/email"): Provider("shared_secret", inbound_email_cases),
    ("POST", "/api/v1/sms/twilio/status"): Provider(
        "twilio", twilio_cases("/api/v1/sms/twilio/status", "MessageSid=SMx&MessageStatus=delivered")
    ),
    ("POST", "/api/v1/sms/twilio/inbound"): Provider(
        "twilio",
        twilio_cases("/api/v1/sms/twilio/inbound", "From=%2B4915100000000&To=%2B15005550006&Body=STOP"),
    ),
}


def test_every_api_operation_has_a_case_provider() -> None:
    assert (sorted(set(OPERATIONS) - set(PROVIDERS)), sorted(set(PROVIDERS) - set(OPERATIONS))) == ([], []), (
        "Add a provider to PROVIDERS for each new API operation (and drop those of removed ones)."
    )


def test_secret_key_operations_are_exactly_those_the_schema_secures() -> None:
    secured = {
        (method, path)
        for method, path in OPERATIONS
        if SCHEMA["paths"][path][method.lower()].get("security") == [{"secretKey": []}]
    }

    assert {op for op, provider in PROVIDERS.items() if provider.auth == "secret_key"} == secured


def provider_for(operation: Operation) -> Provider:
    if operation not in PROVIDERS:
        pytest.fail(f"No case provider for {operation[0]} {operation[1]}: add one to PROVIDERS.")
    return PROVIDERS[operation]


@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_alphas_credentials_reach_nothing_of_betas_and_change_nothing(
    worlds: tuple[World, World], operation: Operation
) -> None:
    alpha, beta = worlds
    cases = provider_for(operation).foreign(alpha, beta)
    before = org_fingerprint(beta.org)

    answers = [answer(case, send(case)) for case in cases]

    expected = [(case.name, case.status, case.body) for case in cases]
    assert (answers, org_fingerprint(beta.org)) == (expected, before)


# --- credentials ----------------------------------------------------------------------------------

SECRET_KEY_REFUSALS = {
    "no key": ({}, "Authentication credentials were not provided."),
    "a malformed header": (
        {"HTTP_AUTHORIZATION": "Token cx_sk_abc"},
        "Use the header 'Authorization: Bearer <secret key>'.",
    ),
    "an unknown key": (bearer("cx_sk_00000000_neverIssued"), "The secret key is not valid."),
}


def credential_cases(operation: Operation, alpha: World) -> list[Case]:
    method, path = operation
    auth = provider_for(operation).auth
    if auth == "site_key":
        keys = {
            "an unknown key": "cx_pk_unknown",
            "a revoked key": alpha.revoked_site.public_key,
            "a malformed key": "nope%20nope",
            "a secret key": alpha.secret,
        }
        return [
            Case(
                name,
                method,
                path.replace("{site_key}", key),
                404,
                UNKNOWN_SITE,
                data="{}",
                content_type="text/plain",
            )
            for name, key in keys.items()
        ]
    if auth == "twilio":
        forged = {"HTTP_X_TWILIO_SIGNATURE": "c2lnbmVk"}
        refused = {"detail": "Missing or wrong signature.", "errors": {}}
        return [
            Case(
                name,
                method,
                path,
                403,
                refused,
                data="Body=STOP",
                content_type="application/x-www-form-urlencoded",
                headers=headers,
            )
            for name, headers in {
                "no signature": {},
                "a forged signature": forged,
                "a secret key": bearer(alpha.secret),
            }.items()
        ]
    if auth == "shared_secret":
        refused = {"detail": "Missing or wrong secret.", "errors": {}}
        credentials = {
            "no secret": {},
            "a secret key": bearer(alpha.secret),
            "a publishable key": bearer(alpha.site.public_key),
            "a malformed header": {"HTTP_AUTHORIZATION": "Bearer"},
        }
        return [
            Case(name, method, path, 401, refused, data="[]", headers=headers)
            for name, headers in credentials.items()
        ]
    data = {"items": [review()]} if path.endswith("/batch") else review() if method == "POST" else None
    refusals = {
        **SECRET_KEY_REFUSALS,
        "a revoked key": (bearer(alpha.revoked_secret), "This secret key has been revoked."),
        "a publishable key as a secret key": (bearer(alpha.site.public_key), "The secret key is not valid."),
    }
    return [
        Case(
            name,
            method,
            path + ("?metric=nps" if path.endswith("/metrics") else ""),
            401,
            {"detail": detail, "errors": {}},
            data=data,
            headers=headers,
        )
        for name, (headers, detail) in refusals.items()
    ]


@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_missing_revoked_malformed_and_wrong_kinds_of_credentials_are_refused(
    worlds: tuple[World, World], operation: Operation
) -> None:
    alpha, beta = worlds
    cases = credential_cases(operation, alpha)
    before = (org_fingerprint(alpha.org), org_fingerprint(beta.org))

    answers = [answer(case, send(case)) for case in cases]

    expected = [(case.name, case.status, case.body) for case in cases]
    assert (answers, (org_fingerprint(alpha.org), org_fingerprint(beta.org))) == (expected, before)


def test_the_public_endpoints_write_only_into_the_keys_own_organisation(worlds: tuple[World, World]) -> None:
    alpha, beta = worlds
    client_id = beta.response.client_id
    before = org_fingerprint(beta.org)

    submitted = Client().post(
        f"/api/v1/public/{alpha.site.public_key}/responses",
        data=json.dumps(
            {
                "id": str(client_id),
                "survey": alpha.survey.public_id,
                "answers": {"nps": 9},
                "contact": {"email": beta.contact.email, "external_id": beta.contact.external_id},
            }
        ),
        content_type="text/plain",
    )
    Client().get(f"/api/v1/public/{alpha.site.public_key}/config")

    stored = Response.all_orgs.filter(client_id=client_id).order_by("pk")
    assert submitted.status_code == 201
    assert [(r.organization_id, r.contact.organization_id) for r in stored.select_related("contact")] == [
        (beta.org.pk, beta.org.pk),
        (alpha.org.pk, alpha.org.pk),
    ]
    assert Site.all_orgs.get(pk=alpha.site.pk).last_seen_at is not None
    assert org_fingerprint(beta.org) == before
