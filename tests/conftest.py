from __future__ import annotations

import copy
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import Membership, Organization, User
from accounts.roles import Role
from core.tenancy import organization_context
from surveys.services import survey_create, survey_publish
from tests import factories
from tests.mail import smtp_sink  # noqa: F401 -- a fixture for every test module


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    # Rate-limit counters and cached config live in the test Redis database; start every test clean.
    cache.clear()
    return


@pytest.fixture
def organization(db: Any) -> Organization:
    return factories.OrganizationFactory(name="Acme", slug="acme")


@pytest.fixture
def other_organization(db: Any) -> Organization:
    return factories.OrganizationFactory(name="Globex", slug="globex")


@pytest.fixture
def make_member(db: Any) -> Callable[..., Membership]:
    def make(organization: Organization, role: str = Role.VIEWER, **user_fields: Any) -> Membership:
        user = factories.UserFactory(**user_fields)
        return factories.MembershipFactory(organization=organization, user=user, role=role)

    return make


@pytest.fixture
def owner(organization: Organization, make_member: Callable[..., Membership]) -> Membership:
    return make_member(organization, Role.OWNER, email="owner@acme.test")


@pytest.fixture
def viewer(organization: Organization, make_member: Callable[..., Membership]) -> Membership:
    return make_member(organization, Role.VIEWER, email="viewer@acme.test")


@pytest.fixture
def outsider(other_organization: Organization, make_member: Callable[..., Membership]) -> Membership:
    return make_member(other_organization, Role.OWNER, email="owner@globex.test")


@pytest.fixture
def client_for() -> Callable[[User | Membership], Client]:
    def make(who: User | Membership) -> Client:
        user = who.user if isinstance(who, Membership) else who
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def in_org(organization: Organization) -> Iterator[Organization]:
    with organization_context(organization):
        yield organization


@dataclass
class IssuedKey:
    secret: str
    headers: dict[str, str]


@pytest.fixture
def issue_api_key(db: Any) -> Callable[..., IssuedKey]:
    from accounts.services import api_key_create

    def issue(membership: Membership, scopes: tuple[str, ...] = ("read", "write")) -> IssuedKey:
        issued = api_key_create(
            organization=membership.organization, actor=membership, name="test", scopes=scopes
        )
        return IssuedKey(issued.secret, {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"})

    return issue


# --- a published survey, for tests across apps -------------------------------------------------------

DEFINITION = {
    "schema": 1,
    "base_language": "en",
    "languages": ["en", "ru"],
    "hidden_fields": ["plan"],
    "questions": [
        {
            "key": "nps",
            "type": "nps",
            "required": True,
            "text": {"en": "How likely are you to recommend us?", "ru": "Порекомендуете ли вы нас?"},
            "jumps": [{"if": {"source": "answer", "key": "nps", "op": "gte", "value": 9}, "goto": "email"}],
        },
        {
            "key": "why",
            "type": "text",
            "required": True,
            "text": {"en": "What went wrong?", "ru": "Что пошло не так?"},
            "options": {"variant": "long"},
        },
        {"key": "email", "type": "text", "text": {"en": "Your email"}, "options": {"validation": "email"}},
    ],
    "endings": [{"key": "thanks", "type": "message", "title": {"en": "Thank you!", "ru": "Спасибо!"}}],
    "theme": {"brand_color": "#0b5cad", "mode": "auto"},
    "settings": {"layout": "one_per_screen", "progress": True},
}


@pytest.fixture
def definition():
    return copy.deepcopy(DEFINITION)


@pytest.fixture
def manager(organization, make_member):
    return make_member(organization, Role.CX_MANAGER, email="manager@acme.test")


@pytest.fixture
def live_survey(organization, manager, definition):
    survey = survey_create(
        organization=organization,
        name="Relationship NPS",
        touchpoint=factories.TouchpointFactory(organization=organization),
        created_by=manager.user,
        definition=definition,
    )
    survey_publish(survey=survey, actor=manager)
    survey.refresh_from_db()
    return survey


# --- a real Celery worker, for flows that cross the queue -------------------------------------------


def spawn_celery_worker(extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start a real worker process on the test broker and the test database (for transaction=True tests).

    Its own process group, so that a test can kill it (and only it) with SIGKILL.
    """
    from django.conf import settings
    from django.db import connection

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cxplatform.settings.test",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
        "TEST_REDIS_URL": settings.CELERY_BROKER_URL,
        **(extra_env or {}),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cxplatform",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def stop_celery_worker(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def celery_worker_env() -> dict[str, str]:
    """Extra environment for the ``celery_worker`` process; override in a test module to add to it."""
    return {}


@pytest.fixture
def celery_worker(
    transactional_db: Any, celery_worker_env: dict[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    """A real worker process on the test broker and the test database (use with transaction=True)."""
    process = spawn_celery_worker(celery_worker_env)
    yield process
    stop_celery_worker(process)


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    """Poll until ``predicate()`` holds (for work done by another process); False on time-out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()
