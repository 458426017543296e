"""The OpenAPI description is valid and documented, and the API keeps its promises to it.

Schemathesis generates requests from the schema (valid ones and deliberately invalid ones) for every
operation and sends them in-process to the Django WSGI application as each of two tenants, with every
check schemathesis has: no answer may be a 5xx, every answer must match what the schema says about it,
valid data is accepted and invalid data refused, authentication is enforced where it is declared. A check
that does not apply to an operation's contract is excluded for that operation in EXCLUDED, with the reason.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, is_check_class, load_all_checks

from accounts.roles import Role
from surveys.services import survey_create, survey_publish
from tests.conftest import DEFINITION
from tests.factories import (
    InterceptFactory,
    MembershipFactory,
    OrganizationFactory,
    SiteFactory,
    TouchpointFactory,
)

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = "/api/v1/schema/?format=json"
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
# Built without a request or the database: the same document /api/v1/schema/ serves.
SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in SCHEMA["paths"].items()
    for method in item
    if method in HTTP_METHODS
)
load_all_checks()
# Every check schemathesis has (all are per-response functions in the installed version).
ALL_CHECKS = [check for check in CHECKS.get_all() if not is_check_class(check)]
# (method, path) -> {check name: why it does not apply to this operation's contract}.
ACCEPTANCE = "positive_data_acceptance"
EXCLUDED: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/api/v1/feedback"): {
        ACCEPTANCE: "an item needs a comment or a score, and answers are checked against the named survey"
    },
    ("POST", "/api/v1/feedback/batch"): {
        ACCEPTANCE: "text with a NUL character is refused (PostgreSQL cannot store it) wherever it is nested"
    },
    ("POST", "/api/v1/public/{site_key}/responses"): {
        ACCEPTANCE: "answers are checked against the survey's questions, which the schema cannot know"
    },
    ("GET", "/api/v1/metrics"): {
        ACCEPTANCE: "from needs to (and no period), dates lie in 2000-2999, and survey ids must exist"
    },
}


def test_the_schema_validates_without_warnings():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cxplatform.settings.test"}

    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", os.devnull],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert (result.returncode, result.stderr.strip()) == (0, "")


def _examples(content: dict) -> list[str]:
    return [name for media in content.values() for name in media.get("examples") or {}]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_operation_documents_its_answers_and_has_an_example(method, path):
    operation = SCHEMA["paths"][path][method.lower()]
    responses = operation["responses"]
    success_with_schema = [
        code
        for code, answer in responses.items()
        if code.startswith("2")
        and all("schema" in media for media in answer.get("content", {}).values())
        and answer.get("content")
    ]
    examples = _examples(operation.get("requestBody", {}).get("content", {})) + [
        name for answer in responses.values() for name in _examples(answer.get("content", {}))
    ]

    assert (success_with_schema != [], examples != []) == (True, True)


def test_the_served_schema_is_the_generated_one(client):
    served = client.get(SCHEMA_PATH)

    assert (served.status_code, json.loads(served.content)["paths"].keys()) == (200, SCHEMA["paths"].keys())


# --- schemathesis ------------------------------------------------------------------------------------


@pytest.fixture
def wsgi_app():
    # Like Django's test client: keep the test's database connection (and its transaction) open
    # across requests instead of closing it at the end of each one.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _tenant(slug: str) -> tuple[str, str]:
    """An organisation with a published survey on a site: its secret key's header and its site key."""
    from accounts.services import api_key_create

    org = OrganizationFactory(slug=slug, name=slug.title())
    owner = MembershipFactory(organization=org, role=Role.OWNER, user__email=f"owner@{slug}.test")
    survey = survey_create(
        organization=org,
        name="NPS",
        touchpoint=TouchpointFactory(organization=org),
        created_by=owner.user,
        definition=DEFINITION,
    )
    survey_publish(survey=survey, actor=owner)
    site = SiteFactory(organization=org, origins=[f"https://{slug}.example"])
    InterceptFactory(site=site, survey=survey)
    secret = api_key_create(
        organization=org, actor=owner, name="schemathesis", scopes=["read", "write"]
    ).secret
    return f"Bearer {secret}", site.public_key


# Each tenant with the other one's data beside it; the second runs fewer examples to keep the suite short.
TENANTS = {"alpha": 25, "beta": 8}


@pytest.fixture
def api(wsgi_app, db):
    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, wsgi_app)
    return schema, {slug: _tenant(slug) for slug in TENANTS}


@pytest.mark.parametrize("tenant", list(TENANTS))
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_generated_request_gets_a_server_error_or_breaks_the_schema(api, method, path, mode, tenant):
    schema, tenants = api
    authorization, site_key = tenants[tenant]
    operation = schema[path][method]
    excluded = EXCLUDED.get((method, path), {})
    checks = [check for check in ALL_CHECKS if check.__name__ not in excluded]

    @settings(
        max_examples=TENANTS[tenant],
        derandomize=True,
        deadline=2000,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        if "site_key" in (case.path_parameters or {}):
            # A real key reaches the body checks; a made-up one only ever gets the same 404.
            case.path_parameters["site_key"] = site_key
        if mode is GenerationMode.POSITIVE and "cursor" in (case.query or {}):
            # A cursor comes only from a page's link: a made-up one only ever gets the same 400.
            del case.query["cursor"]
        response = case.call(headers={"Authorization": authorization})
        case.validate_response(response, checks=checks, headers={"Authorization": authorization})

    check()


def test_every_check_schemathesis_has_runs() -> None:
    assert sorted(check.__name__ for check in ALL_CHECKS) == sorted(CHECKS.get_all_names())
