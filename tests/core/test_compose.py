"""docker-compose.yml and the Dockerfile: there is no Docker engine here, so check their structure, and
run the web healthcheck against a real server."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING = ("web", "worker", "beat")
# Service attributes of the Compose specification used here (a typo would be silently ignored).
COMPOSE_SERVICE_KEYS = {
    "build",
    "command",
    "depends_on",
    "env_file",
    "environment",
    "healthcheck",
    "image",
    "ports",
    "restart",
    "stop_grace_period",
    "volumes",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_compose_runs_the_platform_topology(compose):
    assert sorted(compose["services"]) == ["beat", "migrate", "postgres", "redis", "web", "worker"]
    assert sorted(compose["volumes"]) == ["media", "pgdata", "redisdata"]
    assert {key for service in compose["services"].values() for key in service} <= COMPOSE_SERVICE_KEYS


def test_postgres_and_redis_are_the_supported_versions_with_durable_redis(compose):
    services = compose["services"]

    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert services["redis"]["command"] == [
        "redis-server",
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--maxmemory-policy",
        "noeviction",
    ]
    assert services["postgres"]["healthcheck"]["test"] == ["CMD-SHELL", "pg_isready -U cx -d cxplatform"]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_every_app_service_runs_the_same_image_with_the_same_settings(compose):
    services = compose["services"]

    assert {(services[name]["image"], services[name]["build"]) for name in APP_SERVICES} == {
        ("cxplatform:latest", ".")
    }
    assert [services[name]["env_file"] for name in APP_SERVICES] == [
        [{"path": ".env", "required": False}]
    ] * 4
    assert [services[name]["environment"] for name in APP_SERVICES] == [
        {
            "DATABASE_URL": "postgres://cx:${POSTGRES_PASSWORD:-cx}@postgres:5432/cxplatform",
            "REDIS_URL": "redis://redis:6379/0",
        }
    ] * 4


def test_each_app_service_runs_its_process(compose):
    services = compose["services"]

    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--no-input"]
    assert services["web"]["command"][:2] == ["gunicorn", "cxplatform.wsgi"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "cxplatform", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "cxplatform", "beat"]
    assert services["web"]["ports"] == ["${WEB_PORT:-8000}:8000"]


def test_migrate_runs_once_before_the_processes_start(compose):
    services = compose["services"]

    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert [services[name]["depends_on"] for name in LONG_RUNNING] == [
        {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }
    ] * 3
    assert [services[name]["restart"] for name in LONG_RUNNING] == ["unless-stopped"] * 3


def test_web_and_worker_have_healthchecks(compose):
    services = compose["services"]

    assert services["web"]["healthcheck"]["test"][:3] == ["CMD", "python", "-c"]
    assert services["worker"]["healthcheck"]["test"] == [
        "CMD-SHELL",
        "celery -A cxplatform inspect ping --destination celery@$$HOSTNAME --timeout 10",
    ]


def test_compose_variables_are_documented_in_env_example(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    documented = re.findall(r"^#?\s?([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE)

    assert sorted(set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text)) - set(documented)) == []


@pytest.mark.parametrize(
    ("allowed_hosts", "healthy"),
    [("localhost", 0), (".localhost,example.com", 0), ("*", 0), ("example.com,localhost", 1)],
)
def test_the_web_healthcheck_passes_against_a_serving_process(compose, live_server, allowed_hosts, healthy):
    # Run the compose healthcheck itself against a real server on this machine. Its Host header is the
    # first entry of DJANGO_ALLOWED_HOSTS (a leading dot dropped, "*" meaning localhost); the live server
    # here answers "localhost" only, so the last case proves a refused Host makes the check fail.
    port = live_server.url.rsplit(":", 1)[1]
    code = compose["services"]["web"]["healthcheck"]["test"][3].replace("8000", port)

    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_ALLOWED_HOSTS": allowed_hosts},
        capture_output=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == healthy


def test_dockerfile_builds_assets_with_node_and_runs_python_as_a_non_root_user(dockerfile):
    stages = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)

    assert stages == ["node:20-bookworm-slim", "python:3.11-slim"]
    assert "RUN npm ci" in dockerfile
    assert "node scripts/build_assets.mjs" in dockerfile
    assert "pip install -r requirements.lock" in dockerfile
    assert "apt-get install -y --no-install-recommends gettext" in dockerfile
    assert "python manage.py compilemessages" in dockerfile
    assert "python manage.py collectstatic --no-input" in dockerfile
    assert re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE) == ["cx"]
    assert re.search(r"^CMD \[\"gunicorn\", \"cxplatform.wsgi\"", dockerfile, re.MULTILINE)


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()

    assert {".env", ".git", ".venv", "node_modules", "var", "staticfiles", "static/build"} <= set(ignored)
