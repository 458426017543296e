"""Business-hours arithmetic: pure functions over a ``WorkingTime`` (no ORM except ``working_time_for``).

A ``WorkingTime`` is a time zone, weekly intervals of local wall-clock time per weekday (0 = Monday) and
a set of holiday dates. An interval never spans midnight: its end is later than its start on the same
day, except that an end of ``00:00`` means "until midnight" (``"24:00"`` in a calendar's JSON). Intervals
that would span midnight are rejected (``ValueError``); write them as two intervals on the two days.

Local times are turned into real instants day by day, so a DST change is handled by the time zone:
a working day that contains the spring-forward gap is an hour shorter, one that contains the fall-back
hour an hour longer (a local start that is ambiguous or missing is read as its earlier UTC offset,
an end as the later instant of its two readings). All arithmetic is on real elapsed time (``timedelta`` between UTC instants), so

    working_seconds_between(wt, start, add_working_seconds(wt, start, s)) == s

holds for every aware ``start`` and every ``s >= 0``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from tickets.models import BusinessCalendar

WEEKDAY_KEYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MIDNIGHT = time(0, 0)
# A calendar whose working time is never reached (a run of holidays longer than this) is an error,
# not an endless loop.
_MAX_DAYS = 366 * 20
_ONE_SECOND = timedelta(seconds=1)

Interval = tuple[time, time]


def _check_intervals(day: int, intervals: tuple[Interval, ...]) -> None:
    previous_end: time | None = None
    for start, end in sorted(intervals):
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("working hours are naive local times")
        if end != MIDNIGHT and end <= start:
            raise ValueError(f"interval {start}-{end} on weekday {day} ends before it starts")
        if previous_end is not None and (previous_end == MIDNIGHT or start < previous_end):
            raise ValueError(f"intervals overlap on weekday {day}")
        previous_end = end


@dataclass(frozen=True)
class WorkingTime:
    tz: ZoneInfo
    hours: Mapping[int, tuple[Interval, ...]]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for day, intervals in self.hours.items():
            if day not in range(7):
                raise ValueError(f"weekday {day} is not 0..6")
            _check_intervals(day, intervals)
        # Sorted, and every weekday present, so lookups need no default.
        normalised = {day: tuple(sorted(self.hours.get(day, ()))) for day in range(7)}
        object.__setattr__(self, "hours", normalised)

    @classmethod
    def always(cls) -> WorkingTime:
        """24/7 in UTC: the clock runs around the clock."""
        return cls(tz=ZoneInfo("UTC"), hours=dict.fromkeys(range(7), ((MIDNIGHT, MIDNIGHT),)))

    @property
    def is_always(self) -> bool:
        return not self.holidays and all(self.hours[d] == ((MIDNIGHT, MIDNIGHT),) for d in range(7))

    @property
    def has_hours(self) -> bool:
        return any(self.hours[d] for d in range(7))


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def _day_intervals(wt: WorkingTime, day: date) -> list[tuple[datetime, datetime]]:
    """The working intervals of one local date as UTC instants, in order."""
    if day in wt.holidays:
        return []
    result: list[tuple[datetime, datetime]] = []
    for start, end in wt.hours[day.weekday()]:
        start_at = datetime.combine(day, start, tzinfo=wt.tz).astimezone(UTC)
        if end == MIDNIGHT:
            end_at = datetime.combine(day + timedelta(days=1), MIDNIGHT, tzinfo=wt.tz).astimezone(UTC)
        else:
            local_end = datetime.combine(day, end, tzinfo=wt.tz)
            # The later reading of a local time that is ambiguous (fold) or missing (gap).
            end_at = max(local_end.astimezone(UTC), local_end.replace(fold=1).astimezone(UTC))
        if end_at > start_at:
            result.append((start_at, end_at))
    return result


def _forward(wt: WorkingTime, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Working intervals (UTC) from ``start`` on, the first one clipped to begin at ``start``."""
    day = start.astimezone(wt.tz).date() - timedelta(days=1)
    for _ in range(_MAX_DAYS):
        for begin, end in _day_intervals(wt, day):
            if end <= start:
                continue
            yield max(begin, start), end
        day += timedelta(days=1)
    raise ValueError("no working time within twenty years")


def _backward(wt: WorkingTime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Working intervals (UTC) before ``end``, latest first, the first one clipped to end at ``end``."""
    day = end.astimezone(wt.tz).date() + timedelta(days=1)
    for _ in range(_MAX_DAYS):
        for begin, finish in reversed(_day_intervals(wt, day)):
            if begin >= end:
                continue
            yield begin, min(finish, end)
        day -= timedelta(days=1)
    raise ValueError("no working time within twenty years")


def add_working_seconds(wt: WorkingTime, start: datetime, seconds: int) -> datetime:
    """The instant ``seconds`` of working time after ``start`` (negative: before). Aware in, UTC out.

    ``seconds == 0`` returns ``start`` itself, even outside working hours.
    """
    _require_aware(start, "start")
    start = start.astimezone(UTC)
    if seconds == 0:
        return start
    if wt.is_always:
        return start + timedelta(seconds=seconds)
    if not wt.has_hours:
        raise ValueError("the calendar has no working hours")
    if seconds < 0:
        left = timedelta(seconds=-seconds)
        for begin, end in _backward(wt, start):
            if end - begin >= left:
                return end - left
            left -= end - begin
    left = timedelta(seconds=seconds)
    for begin, end in _forward(wt, start):
        if end - begin >= left:
            return begin + left
        left -= end - begin
    raise AssertionError("unreachable")  # pragma: no cover  (_forward raises first)


def working_seconds_between(wt: WorkingTime, start: datetime, end: datetime) -> int:
    """Whole seconds of working time in ``[start, end)``; 0 when ``end <= start``."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return 0
    if wt.is_always:
        return (end - start) // _ONE_SECOND
    if not wt.has_hours:
        return 0
    total = timedelta(0)
    for begin, finish in _forward(wt, start):
        if begin >= end:
            break
        total += min(finish, end) - begin
    return total // _ONE_SECOND


def signed_working_seconds(wt: WorkingTime, start: datetime, end: datetime) -> int:
    """Working seconds from ``start`` to ``end``, negative when ``end`` is earlier."""
    if end >= start:
        return working_seconds_between(wt, start, end)
    return -working_seconds_between(wt, end, start)


def parse_hours(data: object) -> dict[int, tuple[Interval, ...]]:
    """A calendar's JSON hours (``{"mon": [["09:00", "17:00"]], ...}``) as weekday intervals.

    ``"24:00"`` as an end means midnight. Raises ``ValueError`` on anything malformed.
    """
    if not isinstance(data, dict):
        raise ValueError("hours must be an object")
    unknown = set(data) - set(WEEKDAY_KEYS)
    if unknown:
        raise ValueError(f"unknown weekdays: {sorted(unknown)}")
    result: dict[int, tuple[Interval, ...]] = {}
    for index, key in enumerate(WEEKDAY_KEYS):
        raw = data.get(key) or []
        if not isinstance(raw, list):
            raise ValueError(f"{key}: a list of intervals is expected")
        intervals: list[Interval] = []
        for item in raw:
            if not (isinstance(item, list | tuple) and len(item) == 2):
                raise ValueError(f"{key}: each interval is [start, end]")
            start = _parse_clock(item[0], allow_24=False)
            end = _parse_clock(item[1], allow_24=True)
            intervals.append((start, end))
        result[index] = tuple(intervals)
    WorkingTime(tz=ZoneInfo("UTC"), hours=result)  # validates order and overlaps
    return result


def _parse_clock(value: object, *, allow_24: bool) -> time:
    if not isinstance(value, str):
        raise ValueError("times are strings like 09:00")
    if allow_24 and value == "24:00":
        return MIDNIGHT
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a time like 09:00") from None


def format_clock(value: time, *, is_end: bool) -> str:
    if is_end and value == MIDNIGHT:
        return "24:00"
    return value.strftime("%H:%M")


def hours_to_json(hours: Mapping[int, tuple[Interval, ...]]) -> dict[str, list[list[str]]]:
    return {
        key: [
            [format_clock(start, is_end=False), format_clock(end, is_end=True)]
            for start, end in hours.get(index, ())
        ]
        for index, key in enumerate(WEEKDAY_KEYS)
    }


def zone_or_none(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def working_time_for(*, calendar: BusinessCalendar | None, business_hours: bool) -> WorkingTime:
    """The working time a clock counts: the calendar's hours when the policy counts business hours.

    Without a calendar, without business hours, or with a calendar that has no working hours at all
    (which would stop the clock for ever), the clock runs around the clock.
    """
    if calendar is None or not business_hours:
        return WorkingTime.always()
    from tickets.models import Holiday

    tz = zone_or_none(calendar.timezone) or ZoneInfo("UTC")
    try:
        hours = parse_hours(calendar.hours)
    except ValueError:
        return WorkingTime.always()
    holidays = frozenset(
        Holiday.all_orgs.filter(organization_id=calendar.organization_id, calendar=calendar).values_list(
            "date", flat=True
        )
    )
    wt = WorkingTime(tz=tz, hours=hours, holidays=holidays)
    return wt if wt.has_hours else WorkingTime.always()
