"""What a demo respondent answers to each question of a survey version, consistent with their score,
the topic of their comment and the survey's logic.

Answers are built for every question, then reduced to the questions on the respondent's path (the same
walk the server does), so that demo responses look exactly like ones submitted through the survey:
nothing answered off the path, every follow-up matching the score that led to it, and the ending the
path reaches.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from surveys.definition import Context, walk

SCORE_TYPES: Final = ("nps", "csat", "ces")

# Which comment topics (core.demo.phrases) a choice goes with, so that reasons and comments agree.
_CHOICE_TOPICS: Final[dict[str, tuple[str, ...]]] = {
    # relationship NPS
    "delivery": ("delivery",),
    "prices": ("price",),
    "product_range": ("store", "app"),
    "customer_service": ("support",),
    "website_app": ("app", "checkout"),
    "returns": ("support", "delivery"),
    "loyalty": ("price",),
    "stores": ("store",),
    # support, delivery and store CSAT
    "slow": ("support",),
    "not_solved": ("support",),
    "repeat": ("support",),
    "unfriendly": ("support",),
    "unclear": ("support",),
    "late": ("delivery",),
    "damaged": ("delivery",),
    "incomplete": ("delivery",),
    "courier": ("delivery",),
    "tracking": ("delivery", "app"),
    "queue": ("store",),
    "staff": ("store", "support"),
    "stock": ("store",),
    "shelf_price": ("price",),
    "tidy": ("store",),
    # checkout CES
    "find_product": ("app",),
    "delivery_options": ("delivery",),
    "payment": ("checkout",),
    "discount": ("price",),
    "account": ("app",),
    "errors": ("checkout", "app"),
}
_CATEGORY_BY_POLARITY: Final = {
    "negative": (("bug", 55), ("content", 45)),
    "neutral": (("idea", 70), ("content", 30)),
    "positive": (("compliment", 75), ("idea", 25)),
}
_STOPPED_BY_TOPIC: Final = {
    "price": (("price", 60), ("compare", 40)),
    "delivery": (("delivery", 100),),
    "checkout": (("payment", 50), ("not_found", 50)),
}
_JUST_BROWSING: Final = 0.3
_SECOND_CHOICE: Final = 0.35
_WANTS_REVIEW: Final = 0.4


@dataclass(frozen=True)
class Answered:
    answers: dict[str, Any]
    ending: str  # "" while unfinished


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([key for key, _w in options], weights=[w for _k, w in options])[0]


def _choice_keys(question: Mapping[str, Any]) -> list[str]:
    return [choice["key"] for choice in question.get("choices") or []]


def _reasons(rng: random.Random, question: Mapping[str, Any], topic: str) -> list[str]:
    keys = _choice_keys(question)
    matching = [key for key in keys if topic in _CHOICE_TOPICS.get(key, ())]
    chosen = [rng.choice(matching or keys)]
    limit = (question.get("options") or {}).get("max_selected") or len(keys)
    if rng.random() < _SECOND_CHOICE and limit > 1:
        extra = rng.choice(keys)
        if extra not in chosen:
            chosen.append(extra)
    return chosen


def _single(rng: random.Random, question: Mapping[str, Any], polarity: str, topic: str) -> str:
    key = question["key"]
    if key == "category":
        return _weighted(rng, _CATEGORY_BY_POLARITY[polarity])
    if key == "stopped":
        if rng.random() < _JUST_BROWSING:
            return "just_browsing"
        return _weighted(rng, _STOPPED_BY_TOPIC.get(topic, (("not_found", 100),)))
    return str(rng.choice(_choice_keys(question)))


def _yes_no(rng: random.Random, key: str, score: int | None) -> bool:
    if key == "resolved":
        chance = 0.25 if score is None or score <= 2 else 0.55 if score == 3 else 0.92
        return rng.random() < chance
    return rng.random() < _WANTS_REVIEW


def _candidate(
    rng: random.Random,
    question: Mapping[str, Any],
    *,
    score: int | None,
    polarity: str,
    topic: str,
    comment: str,
) -> Any:
    qtype, key = question["type"], question["key"]
    if qtype in SCORE_TYPES:
        return score
    if qtype == "multiple_choice":
        return _reasons(rng, question, topic)
    if qtype == "single_choice":
        return _single(rng, question, polarity, topic)
    if qtype == "yes_no":
        return _yes_no(rng, key, score)
    if qtype == "text" and key == "comment":
        return comment or None
    # Contact details and the like: demo respondents leave them empty.
    return None


def answers_for(
    rng: random.Random,
    *,
    definition: Mapping[str, Any],
    score: int | None,
    polarity: str,
    topic: str,
    comment: str,
    hidden: Mapping[str, Any],
    finished: bool,
) -> Answered:
    """The answers of one respondent. An unfinished response only answered the first question."""
    questions = definition["questions"]
    if not finished:
        first = questions[0]
        value = _candidate(rng, first, score=score, polarity=polarity, topic=topic, comment="")
        return Answered({first["key"]: value} if value is not None else {}, "")
    answers = {
        q["key"]: value
        for q in questions
        if (value := _candidate(rng, q, score=score, polarity=polarity, topic=topic, comment=comment))
        is not None
    }
    # Keep only what lies on the path; dropping an answer can change the path after it, so repeat.
    while True:
        path = walk(definition, Context(answers, hidden))
        kept = {key: value for key, value in answers.items() if key in path.questions}
        if kept == answers:
            return Answered(answers, path.ending or "")
        answers = kept
