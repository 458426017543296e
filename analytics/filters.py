"""The filters every metric read takes: a period and segment dimensions.

Filters on the rollup dimensions (period, survey, channel, touchpoint, journey stage, language) are
served from the rollups; the others (score group, hidden fields, tags, themes, sentiment) need the raw
responses, so any of them set makes the read aggregate the raw rows with the same definitions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

SCORE_GROUPS = ("promoter", "passive", "detractor")
SENTIMENTS = ("positive", "neutral", "negative")


@dataclass(frozen=True)
class MetricFilters:
    start: date | None = None  # inclusive, organisation-local
    end: date | None = None  # inclusive
    survey_ids: tuple[int, ...] = ()
    channels: tuple[str, ...] = ()
    touchpoint_ids: tuple[int, ...] = ()
    stage_ids: tuple[int, ...] = ()
    languages: tuple[str, ...] = ()
    # The following cannot be served by rollups: any of them set makes the read use the raw rows.
    score_group: str = ""  # "promoter" | "passive" | "detractor" | ""
    hidden: tuple[tuple[str, str], ...] = ()  # hidden field name = value (exact)
    tag_ids: tuple[int, ...] = ()
    theme_ids: tuple[int, ...] = ()
    sentiment: str = ""  # "positive" | "neutral" | "negative" | ""

    def uses_rollups(self) -> bool:
        return not (self.score_group or self.hidden or self.tag_ids or self.theme_ids or self.sentiment)

    def with_period(self, start: date | None, end: date | None) -> MetricFilters:
        return replace(self, start=start, end=end)

    def to_json(self) -> dict[str, Any]:
        """Only the filters that are set, JSON-ready (dates as ISO strings, pairs as lists)."""
        data: dict[str, Any] = {}
        if self.start is not None:
            data["start"] = self.start.isoformat()
        if self.end is not None:
            data["end"] = self.end.isoformat()
        for name in (
            "survey_ids",
            "channels",
            "touchpoint_ids",
            "stage_ids",
            "languages",
            "tag_ids",
            "theme_ids",
        ):
            value = getattr(self, name)
            if value:
                data[name] = list(value)
        if self.hidden:
            data["hidden"] = [[name, value] for name, value in self.hidden]
        if self.score_group:
            data["score_group"] = self.score_group
        if self.sentiment:
            data["sentiment"] = self.sentiment
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MetricFilters:
        """Tolerant: unknown keys and malformed values are dropped, never raised."""
        if not isinstance(data, Mapping):
            return cls()
        kwargs: dict[str, Any] = {}
        for name in ("start", "end"):
            parsed = _date(data.get(name))
            if parsed is not None:
                kwargs[name] = parsed
        for name in ("survey_ids", "touchpoint_ids", "stage_ids", "tag_ids", "theme_ids"):
            kwargs[name] = _ints(data.get(name))
        for name in ("channels", "languages"):
            kwargs[name] = _strs(data.get(name))
        kwargs["hidden"] = _pairs(data.get("hidden"))
        score_group = data.get("score_group")
        kwargs["score_group"] = score_group if score_group in SCORE_GROUPS else ""
        sentiment = data.get("sentiment")
        kwargs["sentiment"] = sentiment if sentiment in SENTIMENTS else ""
        return cls(**kwargs)


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _items(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if value is None or isinstance(value, Mapping):
        return []
    return [value]


def _ints(value: Any) -> tuple[int, ...]:
    result: list[int] = []
    for item in _items(value):
        if isinstance(item, bool):
            continue
        try:
            number = int(item)
        except (TypeError, ValueError):
            continue
        if 0 < number < 2**31 and number not in result:
            result.append(number)
    return tuple(result)


def _strs(value: Any) -> tuple[str, ...]:
    result: list[str] = []
    for item in _items(value):
        if isinstance(item, str) and item and len(item) <= 40 and item not in result:
            result.append(item)
    return tuple(result)


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    result: list[tuple[str, str]] = []
    items = list(value.items()) if isinstance(value, Mapping) else _items(value)
    for item in items:
        if isinstance(item, list | tuple) and len(item) == 2:
            name, text = item
            if (
                isinstance(name, str)
                and name
                and isinstance(text, str | int | float)
                and not isinstance(text, bool)
            ):
                pair = (name, str(text))
                if pair not in result:
                    result.append(pair)
    return tuple(result)


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before ``start``…``end`` (inclusive)."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)
