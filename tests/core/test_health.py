"""/healthz and /readyz against the real PostgreSQL and Redis, and against closed ports."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def test_healthz_answers_without_touching_anything(client):
    # No database marker: any query would raise here, and the broker is never asked.
    with override_settings(CELERY_BROKER_URL=CLOSED_PORT_REDIS):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == NEVER_CACHE


def test_health_endpoints_only_answer_get(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


@pytest.mark.django_db
def test_readyz_is_ok_when_the_database_and_broker_answer(client):
    response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 200
    assert {key: body[key] for key in ("status", "checks")} == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok"},
    }
    assert isinstance(body["elapsed_ms"], float)
    assert "Retry-After" not in response
    assert response["Cache-Control"] == NEVER_CACHE


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL=CLOSED_PORT_REDIS)
def test_readyz_is_unavailable_when_the_broker_is_down(client):
    response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert {key: body[key] for key in ("status", "checks")} == {
        "status": "unavailable",
        "checks": {"database": "ok", "broker": "error: ConnectionError"},
    }
    # The answer names the failing dependency, never its address or credentials.
    assert "127.0.0.1" not in response.content.decode()


def _readyz_in_a_process(**overrides: str) -> dict[str, object]:
    """Ask /readyz in a separate process whose settings point at the given addresses.

    The database cannot be taken away from this test process without disturbing the others, so the
    child process gets a DATABASE_URL of its own; its broker is the real one unless overridden.
    """
    code = (
        "import json, django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/readyz');"
        "print(json.dumps({'status_code': r.status_code, 'retry_after': r.get('Retry-After'),"
        " 'body': r.json()}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cxplatform.settings.test",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_CONNECT_TIMEOUT": "1",
        **overrides,
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return answer


def test_readyz_is_unavailable_when_the_database_is_unreachable():
    answer = _readyz_in_a_process(DATABASE_URL="postgres://cx@127.0.0.1:1/cxplatform")

    assert answer["status_code"] == 503
    assert answer["retry_after"] == "5"
    body = answer["body"]
    assert isinstance(body, dict)
    assert {key: body[key] for key in ("status", "checks")} == {
        "status": "unavailable",
        "checks": {"database": "error: OperationalError", "broker": "ok"},
    }


def test_readyz_reports_both_dependencies_when_both_are_down():
    answer = _readyz_in_a_process(
        DATABASE_URL="postgres://cx@127.0.0.1:1/cxplatform", TEST_REDIS_URL=CLOSED_PORT_REDIS
    )

    body = answer["body"]
    assert isinstance(body, dict)
    assert (answer["status_code"], body["checks"]) == (
        503,
        {"database": "error: OperationalError", "broker": "error: ConnectionError"},
    )
