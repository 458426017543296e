"""Seeds the demo organisation through the apps' own services, in one transaction.

The first step creates the people and the organisation; every other step runs in its tenancy context and
adds one kind of thing to ``DemoWorld``. Later features add their step (sites, alert rules, tickets...) to
``STEPS`` so that every screen has something to show on first run.
"""

from __future__ import annotations

import os
import random
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organization, User
from accounts.roles import Role
from accounts.selectors import memberships_of_user
from accounts.services import (
    access_group_save,
    invitation_accept,
    invitation_create,
    organization_create,
    team_save,
)
from core.demo import world
from core.demo.closed_loop import seed_closed_loop
from core.demo.distribution import seed_distribution
from core.demo.insights import seed_insights
from core.demo.names import contact_rows
from core.demo.responses import SeededIds, SeededResponse, SeededVersion, response_rows
from core.demo.services import (
    VersionLink,
    demo_password_set,
    demo_responses_link_versions,
    demo_survey_backdate,
    demo_user_ensure,
)
from core.demo.sites import demo_site_ensure
from core.demo.surveys import SECOND_VERSION_NOTE, SECOND_VERSION_SURVEY, demo_definition, second_version
from core.tenancy import organization_context
from feedback.services import contact_bulk_create, response_bulk_create
from surveys.models import Survey, SurveyStatus, SurveyVersion, Touchpoint
from surveys.services import (
    journey_stage_create,
    survey_create,
    survey_publish,
    survey_save_draft,
    touchpoint_create,
)


@dataclass
class DemoWorld:
    rng: random.Random
    now: datetime
    password_hash: str
    users: dict[str, User] = field(default_factory=dict)
    organization: Organization | None = None
    memberships: dict[str, Membership] = field(default_factory=dict)
    touchpoints: dict[str, Touchpoint] = field(default_factory=dict)
    surveys: dict[str, Survey] = field(default_factory=dict)
    versions: dict[str, list[SeededVersion]] = field(default_factory=dict)
    contacts_by_language: dict[str, list[int]] = field(default_factory=dict)
    response_count: int = 0

    @property
    def org(self) -> Organization:
        assert self.organization is not None, "the organisation step runs first"
        return self.organization

    @property
    def owner(self) -> Membership:
        return self.memberships["owner"]


@dataclass(frozen=True)
class SeedResult:
    organization: Organization
    password: str
    people: int
    responses: int


def demo_organization() -> Organization | None:
    return Organization.objects.filter(slug=world.DEMO_SLUG).first()


def new_password() -> str:
    return secrets.token_urlsafe(12)


# --- steps -------------------------------------------------------------------------------------------


def _people_and_organization(w: DemoWorld) -> None:
    for person in world.PEOPLE:
        w.users[person.key] = demo_user_ensure(
            email=person.email,
            name=person.name,
            language=person.language,
            timezone_name=person.timezone,
            password_hash=w.password_hash,
        )
    w.organization = organization_create(name=world.DEMO_NAME, owner=w.users["owner"], slug=world.DEMO_SLUG)
    w.memberships["owner"] = memberships_of_user(user=w.users["owner"]).get(organization=w.org)
    # Everyone else joins the way real colleagues do, through an invitation (and shows in the audit log).
    for person in world.PEOPLE:
        if person.key == "owner":
            continue
        issued = invitation_create(organization=w.org, email=person.email, role=person.role, actor=w.owner)
        w.memberships[person.key] = invitation_accept(token=issued.token, user=w.users[person.key])


def _teams(w: DemoWorld) -> None:
    for team in world.TEAMS:
        team_save(
            organization=w.org,
            actor=w.owner,
            name=team.name,
            description=team.description,
            lead_id=w.memberships[team.lead].pk,
            member_ids=[w.memberships[key].pk for key in team.members],
        )


def _journey_and_surveys(w: DemoWorld) -> None:
    for position, (stage_name, touchpoints) in enumerate(world.JOURNEY):
        stage = journey_stage_create(organization=w.org, name=stage_name, position=position)
        for name, description in touchpoints:
            w.touchpoints[name] = touchpoint_create(
                organization=w.org, name=name, stage=stage, description=description
            )
    for survey in world.SURVEYS:
        w.surveys[survey.key] = _survey(w, survey)


def _survey(w: DemoWorld, spec: world.DemoSurvey) -> Survey:
    """Create the survey from its template as its CX manager would, publish it, and date its history."""
    author = w.memberships["cx_global"]
    survey = survey_create(
        organization=w.org,
        name=spec.name,
        touchpoint=w.touchpoints[spec.touchpoint],
        created_by=author.user,
        definition=demo_definition(spec),
    )
    if spec.status == SurveyStatus.DRAFT:
        demo_survey_backdate(
            survey=survey, created_at=w.now - timedelta(days=world.DRAFT_CREATED_DAYS_AGO), published_at={}
        )
        return survey
    published_at = {1: w.now - timedelta(days=world.FIRST_VERSION_DAYS_AGO)}
    survey_publish(survey=survey, actor=author)
    if spec.key == SECOND_VERSION_SURVEY:
        survey = survey_save_draft(
            survey=survey,
            definition=second_version(survey.draft),
            revision=survey.draft_revision,
            actor=author.user,
        )
        survey_publish(survey=survey, actor=author, note=SECOND_VERSION_NOTE)
        published_at[2] = w.now - timedelta(days=world.SECOND_VERSION_DAYS_AGO)
    demo_survey_backdate(
        survey=survey,
        created_at=w.now - timedelta(days=world.SURVEYS_CREATED_DAYS_AGO),
        published_at=published_at,
    )
    w.versions[spec.key] = [
        SeededVersion(v.pk, v.published_at, v.definition)
        for v in SurveyVersion.all_orgs.filter(organization=w.org, survey=survey).order_by("number")
    ]
    return Survey.all_orgs.get(organization=w.org, pk=survey.pk)


def _access_groups(w: DemoWorld) -> None:
    for group in world.ACCESS_GROUPS:
        access_group_save(
            organization=w.org,
            actor=w.owner,
            name=group.name,
            description=group.description,
            member_ids=[w.memberships[key].pk for key in group.members],
            survey_ids=[],
            touchpoint_ids=[w.touchpoints[name].pk for name in group.touchpoints],
            team_ids=[],
        )


def _contacts(w: DemoWorld) -> None:
    contacts = contact_bulk_create(
        organization=w.org, rows=contact_rows(w.rng, per_language=world.CONTACTS_PER_LANGUAGE)
    )
    for contact in contacts:
        w.contacts_by_language.setdefault(contact.language, []).append(contact.pk)


def _responses(w: DemoWorld) -> None:
    ids = SeededIds(
        surveys={key: survey.pk for key, survey in w.surveys.items()},
        touchpoints={name: touchpoint.pk for name, touchpoint in w.touchpoints.items()},
        contacts_by_language=w.contacts_by_language,
        versions=w.versions,
    )
    seeded = response_rows(w.rng, now=w.now, tz=ZoneInfo(w.org.timezone), ids=ids)
    w.response_count = response_bulk_create(organization=w.org, rows=[s.row for s in seeded])
    demo_responses_link_versions(organization=w.org, links=_version_links(seeded))


def _version_links(seeded: list[SeededResponse]) -> list[VersionLink]:
    groups: dict[tuple[int, str], tuple[list[uuid.UUID], list[str]]] = {}
    for item in seeded:
        if item.version_id is None:
            continue
        client_ids, external_ids = groups.setdefault((item.version_id, item.ending), ([], []))
        if item.row.client_id is not None:
            client_ids.append(item.row.client_id)
        elif item.row.external_id is not None:
            external_ids.append(item.row.external_id)
    return [
        VersionLink(version_id, ending, client_ids, external_ids)
        for (version_id, ending), (client_ids, external_ids) in groups.items()
    ]


def _website(w: DemoWorld) -> None:
    demo_site_ensure(organization=w.org, actor=w.memberships["cx_global"])


def _closed_loop(w: DemoWorld) -> None:
    seed_closed_loop(organization=w.org, now=w.now)


def _distribution(w: DemoWorld) -> None:
    seed_distribution(organization=w.org, author=w.memberships["cx_global"], now=w.now)


def _insights(w: DemoWorld) -> None:
    seed_insights(organization=w.org, author=w.memberships["cx_global"], executive=w.memberships["executive"])


# Steps that run inside the demo organisation's tenancy context, after it exists.
STEPS: list[Callable[[DemoWorld], None]] = [
    _teams,
    _journey_and_surveys,
    _access_groups,
    _contacts,
    _responses,
    _website,
    _closed_loop,
    _distribution,
    _insights,
]


# --- entry points ------------------------------------------------------------------------------------


def seed_demo(*, now: datetime | None = None) -> SeedResult:
    """Create the demo organisation with everything in it. The caller checks it does not exist yet."""
    password = new_password()
    # One hash for all demo people: the production hasher is slow on purpose.
    w = DemoWorld(
        # Not for security: the same seed gives the same demo data on every machine.
        rng=random.Random(world.RANDOM_SEED),  # noqa: S311
        now=now or timezone.now(),
        password_hash=make_password(password),
    )
    with transaction.atomic():
        _people_and_organization(w)
        with organization_context(w.org):
            for step in STEPS:
                step(w)
    return SeedResult(
        organization=w.org, password=password, people=len(w.memberships), responses=w.response_count
    )


def ensure_demo_website(organization: Organization) -> bool:
    """Add the demo website to a demo organisation seeded before it existed; True when it was added."""
    owner = (
        Membership.all_orgs.select_related("user")
        .filter(organization=organization, role=Role.OWNER)
        .order_by("pk")
        .first()
    )
    if owner is None:
        return False
    with transaction.atomic(), organization_context(organization):
        _site, created = demo_site_ensure(organization=organization, actor=owner)
    return created


def reset_demo_password() -> tuple[str, int]:
    """A new shared password for the demo people; returns it and how many accounts it was set on."""
    password = new_password()
    changed = demo_password_set(emails=[p.email for p in world.PEOPLE], password=password)
    return password, changed


def write_password_file(path: Path, password: str) -> None:
    """Only the owner of the checkout may read it (mode 600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    path.chmod(0o600)


def read_password_file(path: Path) -> str | None:
    try:
        password = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return password or None
