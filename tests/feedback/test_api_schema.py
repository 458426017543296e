"""The OpenAPI description is valid and documented, and the API keeps its promises to it.

Schemathesis generates requests from the schema (valid ones and deliberately invalid ones) for every
operation and sends them in-process to the Django WSGI application as an authenticated tenant. No
answer may be a 5xx, and every answer must match what the schema says about it.
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
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import InterceptFactory, SiteFactory

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
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


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


@pytest.fixture
def api(wsgi_app, owner, issue_api_key, live_survey):
    site = SiteFactory(organization=owner.organization, origins=["https://shop.example"])
    InterceptFactory(site=site, survey=live_survey)
    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, wsgi_app)
    return schema, issue_api_key(owner).headers["HTTP_AUTHORIZATION"], site.public_key


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_generated_request_gets_a_server_error_or_breaks_the_schema(api, method, path, mode):
    schema, authorization, site_key = api
    operation = schema[path][method]

    @settings(
        max_examples=25,
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
        response = case.call(headers={"Authorization": authorization})
        case.validate_response(response, checks=CHECKS)

    check()
