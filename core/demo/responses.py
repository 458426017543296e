"""Ninety days of believable feedback, generated from a seeded random source.

Shape of the data: more on weekdays and in the afternoon and evening, a mild upward trend in scores
(plus a visible lift in app feedback after the app release that fixed a crash, ~4 weeks ago),
NPS mostly 7–10 with a detractor tail, CSAT mostly 4–5, CES mostly 5–7. About a third carry a comment
in the respondent's language whose tone matches the score; detractors comment more often than promoters.
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
class SeededIds:
    surveys: dict[str, int]
    touchpoints: dict[str, int]
    contacts_by_language: dict[str, list[int]]


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def _tilted(metric: str, mood: float) -> tuple[int, list[float]]:
    """Exponentially tilt the baseline: mood > 0 moves weight to high scores, < 0 to low ones."""
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


def _comment(rng: random.Random, source: FeedbackSource, language: str, polarity: str) -> str:
    # Now and then people write about something other than the touchpoint (the store only where it fits).
    topic = rng.choice(source.topics) if rng.random() < _ON_TOPIC else rng.choice(ONLINE_TOPICS)
    return rng.choice(PHRASES[language][polarity][topic])


def _row(
    rng: random.Random,
    *,
    source: FeedbackSource,
    weights: tuple[int, list[float]],
    moment: datetime,
    now: datetime,
    ids: SeededIds,
    sequence: int,
    app_release: datetime,
) -> ResponseRow:
    channel: str = _pick(rng, source.channels)
    language: str = _pick(rng, _LANGUAGES)
    low, score_weights = weights
    score = low + rng.choices(range(len(score_weights)), weights=score_weights)[0]
    polarity = polarity_of(metric=source.metric, score=score)
    finished = source.always_comment or channel == Channel.CALL_CENTRE or rng.random() > _UNFINISHED_SHARE
    wants_comment = source.always_comment or rng.random() < _COMMENT_CHANCE[polarity]
    comment = _comment(rng, source, language, polarity) if finished and wants_comment else ""

    shortest, longest = _DURATION[channel]
    duration = timedelta(seconds=rng.randint(shortest, longest))
    if channel == Channel.APP_REVIEW:
        # Store reviews are pulled in by an hourly sync: they arrive some time after they were written.
        finished_at: datetime | None = moment
        started_at = moment - duration
        received_at = min(moment + timedelta(minutes=rng.randint(5, 65)), now)
    elif finished:
        started_at, finished_at, received_at = moment - duration, moment, moment
    else:
        # Only the first question was answered before the respondent left.
        started_at, finished_at = moment - duration, None
        received_at = started_at + duration * rng.uniform(0.2, 0.5)

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

    contacts = ids.contacts_by_language[language]
    contact_id = rng.choice(contacts) if rng.random() < source.identified else None
    answers: dict[str, Any] = {source.metric: score}
    if comment:
        answers["comment"] = comment
    prefix = _EXTERNAL_PREFIX.get(channel)
    return ResponseRow(
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
        nps=score if source.metric == "nps" else None,
        csat=score if source.metric == "csat" else None,
        ces=score if source.metric == "ces" else None,
    )


def response_rows(rng: random.Random, *, now: datetime, tz: ZoneInfo, ids: SeededIds) -> list[ResponseRow]:
    """About ``DAYS`` × ``RESPONSES_PER_DAY`` rows ending now, oldest first."""
    shares = [s.share for s in SOURCES]
    today = now.astimezone(tz).date()
    app_release = datetime.combine(today - timedelta(days=_APP_RELEASE_DAYS_AGO), time(6), tzinfo=tz)
    rows: list[ResponseRow] = []
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
    rows.sort(key=lambda r: r.received_at)
    return rows
