"""Ninety days of believable feedback, generated from a seeded random source.

Shape of the data: more on weekdays and in the afternoon and evening, a mild upward trend in scores
(plus a visible lift in app feedback after the app release that fixed a crash, ~4 weeks ago),
NPS mostly 7–10 with a detractor tail, CSAT mostly 4–5, CES mostly 5–7. About a third carry a comment
in the respondent's language whose tone matches the score; detractors comment more often than promoters.
Survey responses answer the version that was live when they started, keyed by its question keys, along
the path its logic gives (core.demo.answers).
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from core.demo.answers import SCORE_TYPES, answers_for
from core.demo.phrases import ONLINE_TOPICS, PHRASES, polarity_of
from core.demo.world import DAYS, RESPONSES_PER_DAY, SOURCES, FeedbackSource
from feedback.models import Channel
from feedback.services import ResponseRow

# Baseline score weights before each source's and each day's mood tilts them.
_BASE: Final[dict[str, tuple[int, tuple[float, ...]]]] = {
    "nps": (0, (2, 1, 1.5, 2, 2.5, 4, 7, 13, 18, 24, 25)),
    "csat": (1, (3, 5, 12, 38, 42)),
    "ces": (1, (3, 4, 7, 12, 22, 28, 24)),
}
_LANGUAGES: Final = (("en", 50), ("ru", 20), ("zh-hans", 15), ("id", 15))
_COUNTRIES: Final[dict[str, tuple[tuple[str, int], ...]]] = {
    "en": (("GB", 35), ("DE", 20), ("NL", 15), ("IE", 10), ("US", 10), ("SE", 5), ("FR", 5)),
    "ru": (("RU", 45), ("KZ", 20), ("DE", 15), ("LV", 10), ("AM", 10)),
    "zh-hans": (("CN", 60), ("SG", 25), ("MY", 15)),
    "id": (("ID", 90), ("SG", 5), ("MY", 5)),
}
_PLANS: Final = (("basic", 55), ("plus", 30), ("pro", 15))
_HOURS: Final = (
    0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.5, 2.5, 3.2, 3.5, 3.5,
    3.6, 3.4, 3.3, 3.2, 3.1, 3.2, 3.4, 3.6, 3.3, 2.5, 1.5, 0.7,
)  # fmt: skip
_WEEKDAY_FACTOR: Final = (1.15, 1.15, 1.15, 1.15, 1.15, 0.7, 0.55)
_COMMENT_CHANCE: Final = {"negative": 0.62, "neutral": 0.3, "positive": 0.3}
_UNFINISHED_SHARE: Final = 0.05
_ON_TOPIC: Final = 0.9
_PAGES: Final = ("/", "/sale", "/category/shoes", "/category/home", "/product/4711", "/cart", "/checkout")
_STORES: Final = ("Berlin Mitte", "Hamburg Altona", "Amsterdam Centraal", "London Oxford Street")
_APP_VERSIONS_BEFORE: Final = ("4.10.2", "4.11.0", "4.11.1")
# The app release that fixed the crash on the order history: app feedback gets better after it.
_APP_RELEASE: Final = "4.12.0"
_APP_RELEASE_DAYS_AGO: Final = 26
_APP_RELEASE_LIFT: Final = 0.12
# Seconds a respondent typically spends, per channel.
_DURATION: Final[dict[str, tuple[int, int]]] = {
    Channel.WEB: (15, 120),
    Channel.LINK: (30, 300),
    Channel.EMAIL: (20, 240),
    Channel.SMS: (20, 180),
    Channel.KIOSK: (10, 60),
    Channel.API: (10, 90),
    Channel.CHAT: (10, 60),
    Channel.CALL_CENTRE: (30, 120),
    Channel.APP_REVIEW: (30, 300),
}
# Feedback pulled from other systems carries their id instead of a client-generated UUID.
_EXTERNAL_PREFIX: Final[dict[str, str]] = {
    Channel.CHAT: "chat",
    Channel.CALL_CENTRE: "call",
    Channel.APP_REVIEW: "review",
}


@dataclass(frozen=True)
class SeededVersion:
    id: int
    published_at: datetime
    definition: dict[str, Any]


@dataclass(frozen=True)
class SeededIds:
    surveys: dict[str, int]
    touchpoints: dict[str, int]
    contacts_by_language: dict[str, list[int]]
    versions: dict[str, list[SeededVersion]]  # per survey key, oldest first


@dataclass(frozen=True)
class SeededResponse:
    """A row to store, and what to attach once it is stored: its survey version and ending."""

    row: ResponseRow
    version_id: int | None
    ending: str


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def _tilted(metric: str | None, mood: float) -> tuple[int, list[float]] | None:
    """Exponentially tilt the baseline: mood > 0 moves weight to high scores, < 0 to low ones."""
    if metric is None:
        return None
    low, base = _BASE[metric]
    centre = (len(base) - 1) / 2
    return low, [w * math.exp(1.5 * mood * (i - centre) / centre) for i, w in enumerate(base)]


def _day_count(rng: random.Random, day: date, progress: float) -> int:
    expected = RESPONSES_PER_DAY * _WEEKDAY_FACTOR[day.weekday()] * (0.95 + 0.1 * progress)
    return max(0, round(expected * max(0.5, rng.gauss(1.0, 0.1))))


def _moment(rng: random.Random, day: date, tz: ZoneInfo, now: datetime) -> datetime:
    hour = rng.choices(range(24), weights=_HOURS)[0]
    moment = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=tz)
    if moment <= now - timedelta(minutes=5):
        return moment
    # Today: squeeze into the part of the day that has already happened.
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start + (now - timedelta(minutes=5) - start) * rng.random()


def _topic(rng: random.Random, source: FeedbackSource) -> str:
    # Now and then people write about something other than the touchpoint (the store only where it fits).
    return rng.choice(source.topics) if rng.random() < _ON_TOPIC else rng.choice(ONLINE_TOPICS)


def _version_at(versions: Sequence[SeededVersion], moment: datetime) -> SeededVersion:
    """The version that was live when the respondent started (the first one for anything earlier)."""
    live = [v for v in versions if v.published_at <= moment]
    return live[-1] if live else versions[0]


def _extra_hidden(rng: random.Random, declared: Sequence[str], sequence: int) -> dict[str, str]:
    """Ids the embedding page or invitation passes, for the hidden fields the survey declares."""
    extra: dict[str, str] = {}
    if "ticket_id" in declared:
        extra["ticket_id"] = f"T-{480000 + sequence}"
    if "order_id" in declared:
        extra["order_id"] = f"SO-{7100000 + sequence}"
    if "cart_value" in declared:
        extra["cart_value"] = f"{rng.uniform(12, 260):.2f}"
    return extra


def _times(
    rng: random.Random, *, channel: str, finished: bool, moment: datetime, now: datetime
) -> tuple[datetime, datetime | None, datetime]:
    """When the response started, finished (None when abandoned) and reached us."""
    shortest, longest = _DURATION[channel]
    duration = timedelta(seconds=rng.randint(shortest, longest))
    if channel == Channel.APP_REVIEW:
        # Store reviews are pulled in by an hourly sync: they arrive some time after they were written.
        return moment - duration, moment, min(moment + timedelta(minutes=rng.randint(5, 65)), now)
    if finished:
        return moment - duration, moment, moment
    # Only the first question was answered before the respondent left.
    started_at = moment - duration
    return started_at, None, started_at + duration * rng.uniform(0.2, 0.5)


def _hidden_and_meta(
    rng: random.Random,
    *,
    source: FeedbackSource,
    channel: str,
    language: str,
    moment: datetime,
    app_release: datetime,
) -> tuple[dict[str, Any], dict[str, Any]]:
    hidden: dict[str, Any] = {
        "plan": _pick(rng, _PLANS),
        "country": _pick(rng, _COUNTRIES[language]),
    }
    meta: dict[str, Any] = {}
    if channel in {Channel.WEB, Channel.LINK, Channel.EMAIL, Channel.SMS}:
        meta["device"] = _pick(rng, (("mobile", 60), ("desktop", 35), ("tablet", 5)))
    if channel == Channel.WEB:
        meta["page_url"] = "https://shop.example.com" + rng.choice(_PAGES)
    if channel == Channel.KIOSK:
        hidden["store"] = rng.choice(_STORES)
    if source.touchpoint == "Mobile app":
        updated = moment >= app_release and rng.random() < 0.8
        hidden["app_version"] = _APP_RELEASE if updated else rng.choice(_APP_VERSIONS_BEFORE)
        hidden["platform"] = _pick(rng, (("ios", 45), ("android", 55)))
    return hidden, meta


def _row(
    rng: random.Random,
    *,
    source: FeedbackSource,
    weights: tuple[int, list[float]] | None,
    moment: datetime,
    now: datetime,
    ids: SeededIds,
    sequence: int,
    app_release: datetime,
) -> SeededResponse:
    channel: str = _pick(rng, source.channels)
    language: str = _pick(rng, _LANGUAGES)
    score: int | None = None
    if source.metric is not None and weights is not None:
        low, score_weights = weights
        score = low + rng.choices(range(len(score_weights)), weights=score_weights)[0]
        polarity = polarity_of(metric=source.metric, score=score)
    else:
        # Without a score (exit intent): the visitor is leaving without buying.
        polarity = "negative"
    finished = source.always_comment or channel == Channel.CALL_CENTRE or rng.random() > _UNFINISHED_SHARE
    wants_comment = source.always_comment or rng.random() < _COMMENT_CHANCE[polarity]
    topic = _topic(rng, source)
    comment = rng.choice(PHRASES[language][polarity][topic]) if finished and wants_comment else ""

    started_at, finished_at, received_at = _times(
        rng, channel=channel, finished=finished, moment=moment, now=now
    )
    hidden, meta = _hidden_and_meta(
        rng, source=source, channel=channel, language=language, moment=moment, app_release=app_release
    )

    version: SeededVersion | None = None
    ending = ""
    if source.survey is not None:
        version = _version_at(ids.versions[source.survey], started_at)
        hidden.update(_extra_hidden(rng, version.definition.get("hidden_fields", []), sequence))
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
        comment = answers.get("comment", "")
    else:
        answers = {source.metric: score} if source.metric is not None else {}
        if comment:
            answers["comment"] = comment
    scores = {metric: answers.get(metric) for metric in SCORE_TYPES}

    contacts = ids.contacts_by_language[language]
    contact_id = rng.choice(contacts) if rng.random() < source.identified else None
    prefix = _EXTERNAL_PREFIX.get(channel)
    row = ResponseRow(
        channel=channel,
        received_at=received_at,
        started_at=started_at,
        finished_at=finished_at,
        survey_id=ids.surveys[source.survey] if source.survey else None,
        touchpoint_id=ids.touchpoints[source.touchpoint],
        language=language,
        contact_id=contact_id,
        answers=answers,
        comment=comment,
        hidden_fields=hidden,
        meta=meta,
        client_id=None if prefix else uuid.UUID(int=rng.getrandbits(128), version=4),
        external_id=f"{prefix}-{100000 + sequence}" if prefix else None,
        nps=scores["nps"],
        csat=scores["csat"],
        ces=scores["ces"],
    )
    return SeededResponse(row, version.id if version is not None else None, ending)


def response_rows(rng: random.Random, *, now: datetime, tz: ZoneInfo, ids: SeededIds) -> list[SeededResponse]:
    """About ``DAYS`` × ``RESPONSES_PER_DAY`` rows ending now, oldest first."""
    shares = [s.share for s in SOURCES]
    today = now.astimezone(tz).date()
    app_release = datetime.combine(today - timedelta(days=_APP_RELEASE_DAYS_AGO), time(6), tzinfo=tz)
    rows: list[SeededResponse] = []
    for days_ago in range(DAYS - 1, -1, -1):
        day = today - timedelta(days=days_ago)
        progress = (DAYS - 1 - days_ago) / (DAYS - 1)
        # Scores improve slowly over the period, with a little day-to-day noise shared by all sources.
        day_mood = -0.1 + 0.2 * progress + rng.gauss(0, 0.06)
        app_lift = _APP_RELEASE_LIFT if days_ago < _APP_RELEASE_DAYS_AGO else 0.0
        weights = [
            _tilted(s.metric, s.mood + day_mood + (app_lift if s.touchpoint == "Mobile app" else 0.0))
            for s in SOURCES
        ]
        count = _day_count(rng, day, progress)
        if days_ago == 0:
            elapsed = now.astimezone(tz) - datetime.combine(day, time(0), tzinfo=tz)
            count = round(count * elapsed / timedelta(days=1))
        for _ in range(count):
            index = rng.choices(range(len(SOURCES)), weights=shares)[0]
            rows.append(
                _row(
                    rng,
                    source=SOURCES[index],
                    weights=weights[index],
                    moment=_moment(rng, day, tz, now),
                    now=now,
                    ids=ids,
                    sequence=len(rows),
                    app_release=app_release,
                )
            )
    rows.sort(key=lambda r: r.row.received_at)
    return rows
