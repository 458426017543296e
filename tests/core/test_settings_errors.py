"""Settings come from the environment: every variable is documented, and a malformed value stops
start-up with a message that names it.

The start-up tests run Django in a child process with the production settings module, exactly as
gunicorn, celery and manage.py load it.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_DIR = ROOT / "cxplatform" / "settings"
ENV_EXAMPLE = ROOT / ".env.example"

ENV_CALL = re.compile(r"""\benv_(?:str|bool|int|list|url|rate)\(\s*["']([A-Z][A-Z0-9_]*)["']""")
OS_ENVIRON = re.compile(r"""\bos\.environ(?:\.get|\.setdefault|\.pop)?[(\[]\s*["']([A-Z][A-Z0-9_]*)["']""")
EXAMPLE_LINE = re.compile(r"^#?\s?([A-Z][A-Z0-9_]*)=(.*)$")


def _variables_read_by_settings() -> set[str]:
    names: set[str] = set()
    for source in SETTINGS_DIR.glob("*.py"):
        text = source.read_text()
        names |= set(ENV_CALL.findall(text)) | set(OS_ENVIRON.findall(text))
    return names


def _example_blocks() -> dict[str, list[str]]:
    """Each variable of .env.example with the comment lines directly above it."""
    blocks: dict[str, list[str]] = {}
    comments: list[str] = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = EXAMPLE_LINE.match(line)
        if match:
            blocks[match.group(1)] = comments
        elif line.startswith("#"):
            comments = [*comments, line]
        else:
            comments = []
    return blocks


def test_the_settings_parser_finds_the_variables_it_must():
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "LOG_FORMAT", "TEST_REDIS_URL"} <= (
        _variables_read_by_settings()
    )


def test_every_variable_read_by_the_settings_is_in_env_example():
    documented = set(_example_blocks())

    assert sorted(_variables_read_by_settings() - documented) == []


def test_every_settings_variable_in_env_example_explains_its_default_and_gives_an_example():
    blocks = _example_blocks()
    undocumented = [
        name
        for name in sorted(_variables_read_by_settings())
        if not (
            any("Example:" in line for line in blocks[name])
            and any("Default:" in line or "Required" in line for line in blocks[name])
        )
    ]

    assert undocumented == []


def _run(code: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cxplatform.settings",
        # Explicit, so that neither the test settings nor a developer's .env can mask the value tested.
        "DJANGO_DEBUG": "false",
        "LOG_FORMAT": "console",
        "LOG_LEVEL": "WARNING",
        **overrides,
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _start(**overrides: str) -> subprocess.CompletedProcess[str]:
    return _run("import django; django.setup()", **overrides)


def test_a_valid_environment_starts():
    result = _start()

    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_DEBUG", "maybe", "has a malformed value: expected one of true/false/1/0/yes/no/on/off"),
        ("DJANGO_SECRET_KEY", "", "is required but set to an empty value."),
        (
            "SITE_URL",
            "ftp://feedback.example.com",
            "has a malformed value: scheme must be one of http, https",
        ),
        ("DATABASE_URL", "notaurl", "has a malformed value: expected a URL such as scheme://host:port/path"),
        (
            "DATABASE_URL",
            "mysql://cx@db/cx",
            "has a malformed value: scheme must be one of postgres, postgresql",
        ),
        ("DATABASE_URL", "postgres://cx@db:port/cx", "has a malformed value: Port could not be cast"),
        ("DATABASE_CONN_MAX_AGE", "-1", "has a malformed value: must be at least 0, got -1"),
        ("DATABASE_CONNECT_TIMEOUT", "soon", "has a malformed value: expected a whole number, got 'soon'"),
        ("REDIS_URL", "http://cache:6379/0", "has a malformed value: scheme must be one of redis, rediss"),
        ("CELERY_BROKER_URL", "amqp://guest@rabbit//", "has a malformed value: scheme must be one of redis"),
        ("CELERY_VISIBILITY_TIMEOUT", "10", "has a malformed value: must be at least 60, got 10"),
        ("EMAIL_URL", "smtp://", "has a malformed value: expected a URL such as scheme://host:port/path"),
        ("ACCOUNT_ALLOW_REGISTRATION", "perhaps", "has a malformed value: expected one of true/false"),
        (
            "ACCOUNT_EMAIL_VERIFICATION",
            "sometimes",
            "has a malformed value: expected mandatory, optional or none, got 'sometimes'",
        ),
        ("SECURE_HSTS_SECONDS", "-5", "has a malformed value: must be at least 0, got -5"),
        ("SECURE_SSL_REDIRECT", "always", "has a malformed value: expected one of true/false"),
        ("TRUSTED_PROXY_COUNT", "abc", "has a malformed value: expected a whole number, got 'abc'"),
        ("TRUSTED_PROXY_COUNT", "9", "has a malformed value: must be at most 5, got 9"),
        ("SESSION_COOKIE_AGE", "10", "has a malformed value: must be at least 300, got 10"),
        ("LOG_FORMAT", "xml", "must be 'json' or 'console', got 'xml'."),
        ("LOG_LEVEL", "LOUD", "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'LOUD'."),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(name, value, message):
    result = _start(**{name: value})

    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(
        f"django.core.exceptions.ImproperlyConfigured: Environment variable {name} {message}"
    )


def test_manage_py_refuses_to_run_with_a_malformed_value():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cxplatform.settings", "DJANGO_DEBUG": "maybe"}

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert "Environment variable DJANGO_DEBUG has a malformed value" in result.stderr
    assert result.stdout == ""


def test_the_documented_defaults_in_env_example_are_accepted(tmp_path):
    # Uncomment every `# NAME=value` line: the defaults the file shows must themselves be valid.
    uncommented = tmp_path / "env"
    uncommented.write_text(
        "\n".join(
            line.lstrip("# ") for line in ENV_EXAMPLE.read_text().splitlines() if EXAMPLE_LINE.match(line)
        )
    )
    values = {name: value or "" for name, value in dotenv_values(uncommented).items()}
    values |= {
        "DJANGO_SECRET_KEY": "documented-defaults-check-0123456789-abcdefghijklmnopqrstuvwxyz",
        # The real services of this test run, not the example's addresses.
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
        "CACHE_REDIS_URL": os.environ["REDIS_URL"],
        "CELERY_BROKER_URL": os.environ["REDIS_URL"],
    }

    result = _run(
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.DEFAULT_FROM_EMAIL, settings.SESSION_COOKIE_AGE, settings.EMAIL_BACKEND)",
        **values,
    )

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        "cxplatform <no-reply@localhost> 1209600 django.core.mail.backends.console.EmailBackend\n"
    )
