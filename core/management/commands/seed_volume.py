"""`manage.py seed_volume --org <slug> --responses 1000000 [--days 365] [--seed N]`: feedback at volume.

For benchmarks and for trying the dashboards at scale. The organisation, its owner, the journey, the
surveys (the demo's definitions from ``core.demo``), a team, contacts and themes go through the apps'
services; the responses and tickets are inserted set-based, because a million rows through the ORM would
take an hour:

1. A few thousand *prototype* responses are generated in Python the way the demo generates its feedback
   (``core.demo``): a source (survey and touchpoint) by its share, a channel, a language, a score whose
   distribution is tilted by a mood that improves over the period, answers along the survey version's
   logic (``core.demo.answers.answers_for``), a comment from the phrase bank in the respondent's language
   matching the score (about 30 %), hidden fields, 3 % left unfinished after the first question. Each
   distinct comment is analysed once (sentiment, keywords, themes) by the text analytics engine when it
   is installed, else from the phrase bank's own polarity and topic.
2. One ``INSERT … SELECT`` over ``generate_series`` draws N responses from them, each with its own day
   (weekdays busier than weekends, a slow growth over the period), time of day, client or external id.
   Prototypes are grouped by the part of the period they were generated for, so scores trend upwards.
3. About 0.5 % of the responses, low scores only, get a ticket (one more ``INSERT … SELECT``) with
   first contact, resolution, closing and recovery times and statuses consistent with their age.
4. The rollups are rebuilt (``analytics.services.rollups_rebuild``).

Nothing goes through the outbox: no alert, webhook or analysis runs for these rows. Running it again on
an organisation that already holds responses refuses, so nothing is ever seeded twice.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any, Final
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership, Organization, Team, User
from accounts.roles import Role
from accounts.services import organization_create, team_save
from core.demo import world
from core.demo.answers import SCORE_TYPES, answers_for
from core.demo.names import contact_rows
from core.demo.phrases import ONLINE_TOPICS, PHRASES, polarity_of
from core.demo.responses import (  # the demo's shape of feedback, drawn at volume here
    _BASE,
    _COUNTRIES,
    _DURATION,
    _EXTERNAL_PREFIX,
    _HOURS,
    _LANGUAGES,
    _PLANS,
    _STORES,
    _WEEKDAY_FACTOR,
)
from core.demo.services import demo_survey_backdate
from core.demo.surveys import demo_definition
from core.tenancy import organization_context
from feedback.models import Channel, Response
from feedback.services import contact_bulk_create
from surveys.models import JourneyStage, Survey, SurveyStatus, SurveyVersion, Touchpoint
from surveys.services import journey_stage_create, survey_create, survey_publish, touchpoint_create

BUCKETS: Final = 12  # parts of the period, each with its own prototypes (the mood improves)
# At most this many per bucket (a million responses), fewer for small seeds (one per ~24 responses).
PROTOTYPES_PER_BUCKET: Final = 2000
MIN_PROTOTYPES_PER_BUCKET: Final = 100
PARTIAL_SHARE: Final = 0.03
COMMENT_CHANCE: Final = {"negative": 0.55, "neutral": 0.25, "positive": 0.2}
ON_TOPIC: Final = 0.9
TICKET_SHARE: Final = 0.005
CONTACTS_PER_LANGUAGE: Final = 150
OWNER_TIMEZONE: Final = "Europe/Berlin"
TEAM_NAME: Final = "Customer care"
# Margin before "now" for today's responses: app-store reviews reach us up to 65 minutes late.
TODAY_MARGIN: Final = timedelta(minutes=70)

_SENTIMENT_SCORE: Final = {"positive": 0.6, "neutral": 0.0, "negative": -0.6}
# The default theme (textanalysis.defaults, English names) of each phrase-bank topic, for a comment the
# engine could not analyse.
_TOPIC_THEMES: Final[dict[str, str]] = {
    "delivery": "delivery",
    "price": "price",
    "support": "customer support",
    "app": "app and website",
    "checkout": "checkout and payment",
    "store": "store and staff",
}


@dataclass(frozen=True)
class Analysed:
    sentiment: str
    score: float | None
    keywords: list[str]
    theme_ids: list[int]


@dataclass
class Setup:
    organization: Organization
    owner: Membership
    team: Team
    touchpoints: dict[str, Touchpoint] = field(default_factory=dict)
    surveys: dict[str, Survey] = field(default_factory=dict)
    versions: dict[str, SurveyVersion] = field(default_factory=dict)
    contacts_by_language: dict[str, list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Prototype:
    survey_id: int | None
    version_id: int | None
    touchpoint_id: int
    channel: str
    language: str
    contact_id: int | None
    answers: dict[str, Any]
    scores: dict[str, int | None]
    comment: str
    hidden: dict[str, Any]
    meta: dict[str, Any]
    ending: str
    finished: bool
    start_offset: int  # seconds from the moment of answering to the start (negative)
    received_offset: int  # seconds from the moment of answering to reception
    time_of_day: int  # seconds after midnight, organisation-local
    external_prefix: str  # "" for a client-generated UUID
    topic: str
    polarity: str


# --- the organisation and what it needs, through the services -------------------------------------------


def _owner(*, email: str, password: str | None) -> User:
    user = User.objects.filter(email=email.lower()).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=password, name="Volume Owner", timezone=OWNER_TIMEZONE
        )
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def _setup(*, slug: str, owner_email: str, password: str | None, days: int, now: datetime) -> Setup:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        user = _owner(email=owner_email, password=password)
        organization = organization_create(name=f"Volume {slug}", owner=user, slug=slug)
    owner = (
        Membership.all_orgs.select_related("user")
        .filter(organization=organization, role=Role.OWNER)
        .order_by("pk")
        .first()
    )
    if owner is None:
        raise CommandError(f"The organisation {slug} has no owner.")
    if password:
        owner.user.set_password(password)
        owner.user.save(update_fields=["password"])
    with organization_context(organization):
        team = Team.all_orgs.filter(organization=organization, name=TEAM_NAME).first() or team_save(
            organization=organization, actor=owner, name=TEAM_NAME, lead_id=owner.pk, member_ids=[owner.pk]
        )
        setup = Setup(organization=organization, owner=owner, team=team)
        _journey(setup)
        _surveys(setup, days=days, now=now)
        _contacts(setup)
    return setup


def _journey(setup: Setup) -> None:
    organization = setup.organization
    for position, (stage_name, touchpoints) in enumerate(world.JOURNEY):
        stage = JourneyStage.all_orgs.filter(organization=organization, name=stage_name).first()
        if stage is None:
            stage = journey_stage_create(organization=organization, name=stage_name, position=position)
        for name, description in touchpoints:
            touchpoint = Touchpoint.all_orgs.filter(organization=organization, name=name).first()
            setup.touchpoints[name] = touchpoint or touchpoint_create(
                organization=organization, name=name, stage=stage, description=description
            )


def _surveys(setup: Setup, *, days: int, now: datetime) -> None:
    organization = setup.organization
    for spec in world.SURVEYS:
        if spec.status != SurveyStatus.LIVE:
            continue
        survey = Survey.all_orgs.filter(organization=organization, name=spec.name).first()
        if survey is None:
            survey = survey_create(
                organization=organization,
                name=spec.name,
                touchpoint=setup.touchpoints[spec.touchpoint],
                created_by=setup.owner.user,
                definition=demo_definition(spec),
            )
            survey_publish(survey=survey, actor=setup.owner)
            # Live since before the period of feedback starts.
            demo_survey_backdate(
                survey=survey,
                created_at=now - timedelta(days=days + 2),
                published_at={1: now - timedelta(days=days + 1)},
            )
        survey = Survey.all_orgs.select_related("current_version").get(
            organization=organization, pk=survey.pk
        )
        if survey.current_version is None:
            raise CommandError(f"The survey “{survey.name}” has no published version.")
        setup.surveys[spec.key] = survey
        setup.versions[spec.key] = survey.current_version


def _contacts(setup: Setup) -> None:
    from feedback.models import Contact

    organization = setup.organization
    if not Contact.all_orgs.filter(organization=organization).exists():
        rows = {row.email: row for row in contact_rows(random.Random(7), per_language=CONTACTS_PER_LANGUAGE)}
        contact_bulk_create(organization=organization, rows=list(rows.values()))
    for pk, language in Contact.all_orgs.filter(organization=organization).values_list("pk", "language"):
        setup.contacts_by_language.setdefault(language, []).append(pk)


def _themes(organization: Organization) -> dict[str, int]:
    """The organisation's themes by lower-case name: the text analytics defaults.

    (Installing them records a "themes changed" event: a running worker re-analyses the organisation's
    responses once, with the same engine, so to the same result.)
    """
    from textanalysis.models import Theme
    from textanalysis.services import themes_install_defaults

    with organization_context(organization):
        if not Theme.all_orgs.filter(organization=organization).exists():
            themes_install_defaults(organization=organization)
        return {
            name.lower(): pk
            for pk, name in Theme.all_orgs.filter(organization=organization).values_list("pk", "name")
        }


# --- prototypes --------------------------------------------------------------------------------------------


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def _score_weights(metric: str, mood: float) -> tuple[int, list[float]]:
    """Exponentially tilt the baseline: mood > 0 moves weight to high scores, < 0 to low ones."""
    low, base = _BASE[metric]
    centre = (len(base) - 1) / 2
    return low, [w * math.exp(1.5 * mood * (i - centre) / centre) for i, w in enumerate(base)]


def _hidden(
    rng: random.Random, *, declared: Sequence[str], language: str, channel: str, touchpoint: str
) -> dict[str, Any]:
    hidden: dict[str, Any] = {"plan": _pick(rng, _PLANS), "country": _pick(rng, _COUNTRIES[language])}
    if channel == Channel.KIOSK:
        hidden["store"] = rng.choice(_STORES)
    if touchpoint == "Mobile app":
        hidden["app_version"] = rng.choice(("4.11.1", "4.12.0", "4.12.1"))
        hidden["platform"] = _pick(rng, (("ios", 45), ("android", 55)))
    values = {
        "ticket_id": lambda: f"T-{rng.randrange(480000, 990000)}",
        "order_id": lambda: f"SO-{rng.randrange(7100000, 7990000)}",
        "cart_value": lambda: f"{rng.uniform(12, 260):.2f}",
        "store": lambda: rng.choice(_STORES),
    }
    for name in declared:
        if name not in hidden and name in values:
            hidden[name] = values[name]()
    return hidden


def _prototype(rng: random.Random, *, setup: Setup, source: world.FeedbackSource, mood: float) -> Prototype:
    channel: str = _pick(rng, source.channels)
    language: str = _pick(rng, _LANGUAGES)
    score: int | None = None
    if source.metric is not None:
        low, weights = _score_weights(source.metric, source.mood + mood)
        score = low + rng.choices(range(len(weights)), weights=weights)[0]
        polarity = polarity_of(metric=source.metric, score=score)
    else:
        polarity = "negative"  # without a score (exit intent): the visitor leaves without buying
    finished = source.always_comment or channel == Channel.CALL_CENTRE or rng.random() >= PARTIAL_SHARE
    wants_comment = source.always_comment or rng.random() < COMMENT_CHANCE[polarity]
    topic = rng.choice(source.topics) if rng.random() < ON_TOPIC else rng.choice(ONLINE_TOPICS)
    comment = rng.choice(PHRASES[language][polarity][topic]) if finished and wants_comment else ""

    version = setup.versions.get(source.survey) if source.survey else None
    declared = version.definition.get("hidden_fields", []) if version is not None else []
    hidden = _hidden(rng, declared=declared, language=language, channel=channel, touchpoint=source.touchpoint)
    ending = ""
    if version is not None:
        answered = answers_for(
            rng,
            definition=version.definition,
            score=score,
            polarity=polarity,
            topic=topic,
            comment=comment,
            hidden=hidden,
            finished=finished,
        )
        answers, ending = answered.answers, answered.ending
        comment = str(answers.get("comment") or "")
    else:
        answers = {source.metric: score} if source.metric is not None else {}
        if comment:
            answers["comment"] = comment

    shortest, longest = _DURATION[channel]
    duration = rng.randint(shortest, longest)
    received_offset = 0
    if channel == Channel.APP_REVIEW:
        received_offset = rng.randint(5, 65) * 60  # pulled in by an hourly sync
    elif not finished:
        received_offset = -round(duration * rng.uniform(0.5, 0.8))  # left after the first question
    meta: dict[str, Any] = {}
    if channel in {Channel.WEB, Channel.LINK, Channel.EMAIL, Channel.SMS}:
        meta["device"] = _pick(rng, (("mobile", 60), ("desktop", 35), ("tablet", 5)))
    contacts = setup.contacts_by_language.get(language, [])
    contact_id = rng.choice(contacts) if contacts and rng.random() < source.identified else None
    hour = rng.choices(range(24), weights=_HOURS)[0]
    return Prototype(
        survey_id=setup.surveys[source.survey].pk if source.survey else None,
        version_id=version.pk if version is not None else None,
        touchpoint_id=setup.touchpoints[source.touchpoint].pk,
        channel=channel,
        language=language,
        contact_id=contact_id,
        answers=answers,
        scores={metric: answers.get(metric) for metric in SCORE_TYPES},
        comment=comment,
        hidden=hidden,
        meta=meta,
        ending=ending,
        finished=finished,
        start_offset=-duration,
        received_offset=received_offset,
        time_of_day=hour * 3600 + rng.randrange(3600),
        external_prefix=_EXTERNAL_PREFIX.get(channel, ""),
        topic=topic,
        polarity=polarity,
    )


def prototypes_per_bucket(responses: int) -> int:
    return max(MIN_PROTOTYPES_PER_BUCKET, min(PROTOTYPES_PER_BUCKET, responses // (2 * BUCKETS)))


def prototypes(rng: random.Random, *, setup: Setup, per_bucket: int) -> list[list[Prototype]]:
    """``BUCKETS`` lists of prototypes, oldest part of the period first; scores improve slowly."""
    shares = [source.share for source in world.SOURCES]
    buckets = []
    for bucket in range(BUCKETS):
        progress = (bucket + 0.5) / BUCKETS
        mood = -0.1 + 0.2 * progress
        buckets.append(
            [
                _prototype(rng, setup=setup, source=rng.choices(world.SOURCES, weights=shares)[0], mood=mood)
                for _ in range(per_bucket)
            ]
        )
    return buckets


# --- text analytics, once per distinct comment ---------------------------------------------------------------


def _engine_analyser(organization: Organization) -> Callable[[str, str], Analysed] | None:
    """The text analytics engine with the organisation's themes, when it is installed."""
    try:
        from textanalysis.engine import analyse, match_themes
        from textanalysis.models import Theme
    except ImportError:
        return None
    themes = list(Theme.all_orgs.filter(organization=organization))

    def analyser(text: str, language: str) -> Analysed:
        analysis = analyse(text, language)
        return Analysed(
            sentiment=analysis.sentiment,
            score=analysis.score,
            keywords=[keyword[:80] for keyword in analysis.keywords],
            theme_ids=sorted(match_themes(analysis, language, themes)),
        )

    return analyser


def analyse_comments(
    organization: Organization, comments: Sequence[tuple[str, str, str, str]], notes: list[str]
) -> dict[tuple[str, str], Analysed]:
    """(comment, language) -> analysis, for each (comment, language, polarity, topic).

    The engine when it is installed; else (or when it fails on a text) the phrase bank's polarity and
    topic, so that sentiment and themes are still consistent with the text. ``notes`` says which.
    """
    theme_ids = _themes(organization)
    analyser = _engine_analyser(organization)
    results: dict[tuple[str, str], Analysed] = {}
    failed = 0
    for comment, language, polarity, topic in comments:
        if not comment or (comment, language) in results:
            continue
        if analyser is not None:
            try:
                results[(comment, language)] = analyser(comment, language)
                continue
            except Exception:  # an incomplete engine must not stop the seed
                failed += 1
        name = _TOPIC_THEMES.get(topic, "")
        results[(comment, language)] = Analysed(
            sentiment=polarity,
            score=_SENTIMENT_SCORE[polarity],
            keywords=[],
            theme_ids=[theme_ids[name]] if name in theme_ids else [],
        )
    if analyser is None:
        notes.append("text analytics engine not installed: sentiment and themes from the phrase bank")
    else:
        notes.append(
            f"{len(results) - failed} distinct comments analysed by the text analytics engine"
            + (f", {failed} it failed on taken from the phrase bank" if failed else "")
        )
    return results


# --- the set-based inserts -------------------------------------------------------------------------------------

_PROTOTYPE_TABLE = """
CREATE TEMPORARY TABLE seed_volume_prototype (
    id integer PRIMARY KEY,
    survey_id bigint, version_id bigint, touchpoint_id bigint, channel text, language text,
    contact_id bigint, answers jsonb, nps smallint, csat smallint, ces smallint, comment text,
    hidden jsonb, meta jsonb, ending text, finished boolean, start_offset integer,
    received_offset integer, time_of_day integer, external_prefix text, sentiment text,
    sentiment_score double precision, keywords varchar(80)[], theme_ids integer[]
) ON COMMIT DROP
"""

_RESPONSES_INSERT = """
WITH draws AS MATERIALIZED (
    SELECT g AS n, day_picks[1 + floor(random() * cardinality(day_picks))::integer] AS d, random() AS r
    FROM generate_series(1, %(count)s) AS g, (SELECT %(day_picks)s::integer[] AS day_picks) AS c
), drawn AS (
    SELECT draws.n, p.*,
           (%(midnights)s::timestamptz[])[draws.d]
           + make_interval(secs => p.time_of_day * (%(scales)s::float8[])[draws.d]) AS moment
    FROM draws
    JOIN seed_volume_prototype AS p
      ON p.id = ((draws.d - 1) * %(buckets)s / %(days)s) * %(per_bucket)s
                + floor(draws.r * %(per_bucket)s)::integer
)
INSERT INTO feedback_response (
    organization_id, client_id, external_id, survey_id, survey_version_id, touchpoint_id, channel,
    language, contact_id, answers, nps, csat, ces, comment, hidden_fields, meta, started_at, finished_at,
    ending, sentiment, sentiment_score, keywords, theme_ids, analysed_at, received_at, updated_at
)
SELECT %(organization_id)s,
       CASE WHEN external_prefix = '' THEN gen_random_uuid() END,
       CASE WHEN external_prefix <> '' THEN external_prefix || '-' || (%(external_base)s + n) END,
       survey_id, version_id, touchpoint_id, channel, language, contact_id, answers, nps, csat, ces,
       comment, hidden, meta,
       moment + make_interval(secs => start_offset),
       CASE WHEN finished THEN moment END,
       ending, sentiment, sentiment_score, keywords, theme_ids,
       moment + make_interval(secs => received_offset + 3),
       moment + make_interval(secs => received_offset),
       moment + make_interval(secs => received_offset)
FROM drawn
ORDER BY moment + make_interval(secs => received_offset)
"""

# Low scores only; statuses, first contact, resolution and recovery consistent with the ticket's age.
# About 92 % get a first contact, most within a day (exponential, mean 16 h, so ~95 % of those within
# 48 h); resolution follows (mean 40 h); resolved tickets close three days later; 45 % of the resolved
# detractors answer the follow-up survey, 55 % of them recovered. Never-contacted tickets older than a
# week are mostly closed as "no reply"; the rest is the open backlog.
_TICKETS_INSERT = """
INSERT INTO tickets_ticket (
    organization_id, subject, status, priority, outcome, outcome_note, reply_token, feedback_at,
    first_response_due_at, first_responded_at, resolution_due_at, resolved_at, closed_at, followup_token,
    followup_sent_at, recovered, created_at, updated_at, response_id, team_id, assignee_id
)
SELECT %(organization_id)s, subject, status, priority,
       CASE WHEN status IN ('resolved', 'closed') THEN outcome ELSE '' END, '',
       replace(gen_random_uuid()::text, '-', ''), feedback_at,
       feedback_at + interval '48 hours', contacted_at, feedback_at + interval '7 days',
       CASE WHEN status IN ('resolved', 'closed') AND contacted_at IS NOT NULL THEN resolve_at END,
       CASE WHEN status = 'closed' THEN COALESCE(resolve_at, feedback_at) + interval '3 days' END,
       '',
       CASE WHEN followed_up THEN resolve_at END,
       CASE WHEN followed_up THEN recovered END,
       feedback_at + interval '1 minute',
       LEAST(%(now)s, GREATEST(feedback_at + interval '1 minute', COALESCE(resolve_at, contacted_at, feedback_at))),
       response_id, %(team_id)s,
       CASE WHEN status <> 'new' THEN %(assignee_id)s::bigint END
FROM (
    SELECT b.*,
           b.contacted_at IS NOT NULL AND b.resolve_at <= %(now)s AND b.r_followup < 0.45 AS followed_up,
           CASE
               WHEN b.contacted_at IS NULL THEN
                   CASE WHEN b.feedback_at < %(now)s - interval '7 days' AND b.r_status < 0.8
                        THEN 'closed' ELSE 'new' END
               WHEN b.resolve_at > %(now)s THEN CASE WHEN b.r_status < 0.6 THEN 'open' ELSE 'pending' END
               WHEN b.resolve_at + interval '3 days' > %(now)s THEN 'resolved'
               ELSE 'closed'
           END AS status,
           CASE WHEN b.contacted_at IS NULL THEN 'no_reply'
                ELSE (ARRAY['fixed', 'explained', 'compensated', 'feedback_logged', 'no_action'])[
                     1 + floor(b.r_status * 5)::integer] END AS outcome
    FROM (
        SELECT a.*,
               CASE WHEN a.r_contact < 0.92
                         AND a.feedback_at + a.contact_hours * interval '1 hour' <= %(now)s
                    THEN a.feedback_at + a.contact_hours * interval '1 hour' END AS contacted_at,
               a.feedback_at + (a.contact_hours + a.resolve_hours) * interval '1 hour' AS resolve_at
        FROM (
            SELECT r.id AS response_id, r.received_at AS feedback_at,
                   'Low score (' || CASE WHEN r.nps IS NOT NULL THEN 'NPS ' || r.nps
                                         WHEN r.csat IS NOT NULL THEN 'CSAT ' || r.csat
                                         ELSE 'CES ' || r.ces END || ') by ' || r.channel AS subject,
                   CASE WHEN r.nps <= 3 OR r.csat = 1 OR r.ces = 1 THEN 'high' ELSE 'normal' END AS priority,
                   random() < 0.55 AS recovered,
                   random() AS r_contact, random() AS r_status, random() AS r_followup,
                   -ln(1 - random()) * 16 AS contact_hours, -ln(1 - random()) * 40 AS resolve_hours
            FROM feedback_response AS r
            WHERE r.organization_id = %(organization_id)s
              AND (r.nps <= 6 OR r.csat <= 2 OR r.ces <= 3)
              AND random() < %(probability)s
        ) AS a
    ) AS b
) AS c
"""

_TICKET_LINKS_INSERT = """
INSERT INTO tickets_ticketresponse (organization_id, ticket_id, response_id, added_at)
SELECT organization_id, id, response_id, created_at
FROM tickets_ticket
WHERE organization_id = %(organization_id)s AND response_id IS NOT NULL
"""


def _prototype_rows(
    buckets: Sequence[Sequence[Prototype]], analysed: Mapping[tuple[str, str], Analysed]
) -> Iterator[tuple[Any, ...]]:
    for bucket, items in enumerate(buckets):
        for index, p in enumerate(items):
            a = analysed.get((p.comment, p.language)) if p.comment else None
            yield (
                bucket * len(items) + index,
                p.survey_id, p.version_id, p.touchpoint_id, p.channel, p.language, p.contact_id,
                json.dumps(p.answers, ensure_ascii=False),
                p.scores["nps"], p.scores["csat"], p.scores["ces"], p.comment,
                json.dumps(p.hidden, ensure_ascii=False), json.dumps(p.meta, ensure_ascii=False),
                p.ending, p.finished, p.start_offset, p.received_offset, p.time_of_day, p.external_prefix,
                a.sentiment if a else "", a.score if a else None, a.keywords if a else [],
                a.theme_ids if a else [],
            )  # fmt: skip


def day_plan(*, days: int, now: datetime, tz: ZoneInfo) -> tuple[list[datetime], list[float], list[int]]:
    """Each day's local midnight (oldest first), the share of its 24 hours to use (today: what has passed)
    and the 1-based day indexes repeated by their weight (weekdays busier, slow growth)."""
    today = now.astimezone(tz).date()
    midnights: list[datetime] = []
    scales: list[float] = []
    picks: list[int] = []
    for index in range(days):
        day: date = today - timedelta(days=days - 1 - index)
        midnight = datetime.combine(day, clock(0), tzinfo=tz)
        scale = 1.0
        if day == today:
            scale = max(0.0, (now - TODAY_MARGIN - midnight) / timedelta(days=1))
        midnights.append(midnight)
        scales.append(scale)
        progress = index / max(1, days - 1)
        weight = _WEEKDAY_FACTOR[day.weekday()] * (0.9 + 0.2 * progress) * scale
        picks += [index + 1] * round(weight * 20)
    return midnights, scales, picks


@dataclass(frozen=True)
class SeedReport:
    organization: Organization
    timings: dict[str, float]  # seconds per step
    notes: list[str]


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - started


def seed_volume(
    *,
    slug: str,
    responses: int,
    days: int = 365,
    seed: int = 1,
    owner_email: str = "",
    password: str | None = None,
    now: datetime | None = None,
) -> SeedReport:
    """Seed ``responses`` responses into the organisation ``slug``; returns the timings and notes."""
    if responses < 1 or days < 1:
        raise CommandError("--responses and --days must be at least 1.")
    now = now or timezone.now()
    timings: dict[str, float] = {}
    notes: list[str] = []
    existing = Organization.objects.filter(slug=slug).first()
    if existing is not None and Response.all_orgs.filter(organization=existing).exists():
        held = Response.all_orgs.filter(organization=existing).count()
        raise CommandError(f"The organisation {slug} already holds {held:,} responses: nothing seeded.")
    rng = random.Random(seed)  # not for security: the same seed gives the same data
    with _timed(timings, "set-up: organisation, surveys, prototypes"), transaction.atomic():
        setup = _setup(
            slug=slug, owner_email=owner_email or f"owner@{slug}.example.com", password=password,
            days=days, now=now,
        )  # fmt: skip
        organization = setup.organization
        per_bucket = prototypes_per_bucket(responses)
        buckets = prototypes(rng, setup=setup, per_bucket=per_bucket)
        analysed = analyse_comments(
            organization,
            [(p.comment, p.language, p.polarity, p.topic) for items in buckets for p in items],
            notes,
        )
    tz = ZoneInfo(organization.timezone)
    midnights, scales, picks = day_plan(days=days, now=now, tz=tz)
    if not picks:
        raise CommandError("No day to put responses on: use more --days.")
    with transaction.atomic(), connection.cursor() as cursor:
        from psycopg2.extras import execute_values

        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        with _timed(timings, f"{responses:,} responses"):
            cursor.execute(_PROTOTYPE_TABLE)
            execute_values(
                cursor.cursor,
                "INSERT INTO seed_volume_prototype VALUES %s",
                list(_prototype_rows(buckets, analysed)),
                page_size=1000,
            )
            cursor.execute(
                _RESPONSES_INSERT,
                {
                    "count": responses,
                    "day_picks": picks,
                    "midnights": midnights,
                    "scales": scales,
                    "buckets": BUCKETS,
                    "days": days,
                    "per_bucket": per_bucket,
                    "organization_id": organization.pk,
                    "external_base": 100000,
                },
            )
            # The foreign keys are checked at commit: count that time here.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with _timed(timings, "tickets"):
            low = Response.all_orgs.filter(organization=organization).filter(_low_score_q()).count()
            probability = min(1.0, TICKET_SHARE * responses / low) if low else 0.0
            cursor.execute(
                _TICKETS_INSERT,
                {
                    "organization_id": organization.pk,
                    "now": now,
                    "probability": probability,
                    "team_id": setup.team.pk,
                    "assignee_id": setup.owner.pk,
                },
            )
            cursor.execute(_TICKET_LINKS_INSERT, {"organization_id": organization.pk})
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # What autovacuum would soon do: statistics for the planner, hint bits and the visibility map.
    # (VACUUM cannot run inside a transaction, as in a test: then statistics only.)
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with _timed(timings, "vacuum and analyse"), connection.cursor() as cursor:
        cursor.execute(f"{command} feedback_response")
        cursor.execute(f"{command} tickets_ticket")
    with _timed(timings, "rollups"):
        rebuilt = _rebuild_rollups(organization)
    if not rebuilt:
        timings.pop("rollups")
        notes.append("rollups not rebuilt: analytics.services.rollups_rebuild is not available")
    return SeedReport(organization=organization, timings=timings, notes=notes)


def _low_score_q() -> Any:
    from django.db.models import Q

    return Q(nps__lte=6) | Q(csat__lte=2) | Q(ces__lte=3)


def _rebuild_rollups(organization: Organization) -> bool:
    """Rebuild the organisation's rollups when analytics provides it; False when it does not (yet)."""
    from analytics import services

    rebuild = getattr(services, "rollups_rebuild", None)
    if rebuild is None:
        return False
    rebuild(organization=organization)
    return True


class Command(BaseCommand):
    help = "Seed an organisation with a large volume of realistic feedback (set-based, for benchmarks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organisation's slug (created when missing).")
        parser.add_argument("--responses", type=int, default=1_000_000, help="How many responses.")
        parser.add_argument("--days", type=int, default=365, help="Spread over this many days up to today.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (same seed, same data).")
        parser.add_argument("--owner-email", default="", help="The owner's email (default owner@<slug>…).")
        parser.add_argument("--password", default=None, help="Set the owner's password (to sign in).")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        report = seed_volume(
            slug=options["org"],
            responses=options["responses"],
            days=options["days"],
            seed=options["seed"],
            owner_email=options["owner_email"],
            password=options["password"],
        )
        for name, seconds in report.timings.items():
            self.stdout.write(f"{name:<45} {seconds:8.1f} s")
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        self.stdout.write(
            self.style.SUCCESS(f"Seeded /o/{options['org']}/ in {time.perf_counter() - started:.1f} s.")
        )
