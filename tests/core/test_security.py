"""Production security settings: `check --deploy` is clean with the values documented in
docs/deployment.md, and every response carries the security headers."""

import io
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENT_DOC = ROOT / "docs" / "deployment.md"
PLACEHOLDER = re.compile(r"<[a-z0-9 +]+>")

CSP_WITHOUT_NONCE = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def _directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


def _documented_production_values() -> dict[str, str]:
    block = re.search(r"```dotenv\n(.*?)```", DEPLOYMENT_DOC.read_text(), re.DOTALL)
    assert block is not None
    return {name: value or "" for name, value in dotenv_values(stream=io.StringIO(block.group(1))).items()}


def test_deployment_doc_documents_the_production_values():
    values = _documented_production_values()

    assert {name: values[name] for name in sorted(values) if not PLACEHOLDER.search(values[name])} == {
        "ACCOUNT_EMAIL_VERIFICATION": "mandatory",
        "BEHIND_TLS_PROXY": "true",
        "CSRF_COOKIE_SECURE": "true",
        "CSRF_TRUSTED_ORIGINS": "https://feedback.example.com",
        "DEFAULT_FROM_EMAIL": "Acme Feedback <feedback@example.com>",
        "DJANGO_ALLOWED_HOSTS": "feedback.example.com",
        "DJANGO_DEBUG": "false",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_SSL_REDIRECT": "true",
        "SESSION_COOKIE_SECURE": "true",
        "SITE_URL": "https://feedback.example.com",
        "TRUSTED_PROXY_COUNT": "1",
    }
    assert sorted(name for name, value in values.items() if PLACEHOLDER.search(value)) == [
        "DATABASE_URL",
        "DJANGO_SECRET_KEY",
        "EMAIL_URL",
        "IP_HASH_KEY",
        "REDIS_URL",
    ]


def test_check_deploy_is_clean_with_the_documented_production_values():
    values = _documented_production_values() | {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "IP_HASH_KEY": secrets.token_hex(32),
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
        "EMAIL_URL": "smtp://mailer:s3cret@smtp.example.net:587?starttls=1",
    }
    # Only the documented values (a developer's .env may fill in others, as it would in production).
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "cxplatform.settings", **values}

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "System check identified no issues (1 silenced).\n"


def test_check_deploy_fails_with_development_values():
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "cxplatform.settings",
        "DJANGO_DEBUG": "true",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert sorted(set(re.findall(r"\(security\.(W\d+)\)", result.stderr))) == [
        "W004",
        "W008",
        "W012",
        "W016",
        "W018",
    ]


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_with_a_fresh_script_nonce(client):
    first = client.get(reverse("account_login"))
    second = client.get(reverse("account_login"))

    first_nonce = _directives(first["Content-Security-Policy"])["script-src"][1]
    second_nonce = _directives(second["Content-Security-Policy"])["script-src"][1]
    assert first.status_code == 200
    assert re.fullmatch(r"'nonce-[A-Za-z0-9+/]{22}=='", first_nonce)
    assert _directives(first["Content-Security-Policy"]) == CSP_WITHOUT_NONCE | {
        "script-src": ["'self'", first_nonce]
    }
    assert f'nonce="{first_nonce[7:-1]}"' in first.content.decode()
    assert first_nonce != second_nonce


@pytest.mark.django_db
def test_pages_carry_the_other_security_headers(client):
    response = client.get(reverse("account_login"))

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response


def test_json_responses_forbid_framing_and_sniffing_too(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert _directives(response["Content-Security-Policy"]) == CSP_WITHOUT_NONCE
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_hsts_is_sent_over_https_when_configured():
    with override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True):
        # A new client loads the middleware, which reads these settings once.
        client = Client()
        over_https = client.get("/healthz", secure=True)
        over_http = client.get("/healthz")

    assert over_https["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in over_http


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_when_configured():
    with override_settings(SECURE_SSL_REDIRECT=True):
        response = Client().get("/accounts/login/?x=1")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/?x=1"


def test_health_probes_over_plain_http_are_not_redirected():
    with override_settings(SECURE_SSL_REDIRECT=True):
        response = Client().get("/healthz")

    assert response.status_code == 200


def test_behind_a_tls_proxy_the_forwarded_protocol_counts_as_https():
    with override_settings(
        SECURE_SSL_REDIRECT=True,
        SECURE_HSTS_SECONDS=3600,
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    ):
        response = Client().get("/healthz", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=3600"
