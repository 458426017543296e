"""Business-hours arithmetic: weekends, holidays, DST changes, midnight, round-trip properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.models import BusinessCalendar, Holiday
from tickets.sla.calendar import (
    WorkingTime,
    add_working_seconds,
    hours_to_json,
    parse_hours,
    signed_working_seconds,
    working_seconds_between,
    working_time_for,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600
NINE_TO_FIVE = ((time(9), time(17)),)


def office(tz: ZoneInfo, *holidays: date) -> WorkingTime:
    return WorkingTime(tz=tz, hours=dict.fromkeys(range(5), NINE_TO_FIVE), holidays=frozenset(holidays))


def around_the_clock(tz: ZoneInfo) -> WorkingTime:
    return WorkingTime(tz=tz, hours=dict.fromkeys(range(7), ((time(0), time(0)),)))


def test_always_is_real_time() -> None:
    start = datetime(2024, 3, 30, 22, 15, tzinfo=BERLIN)
    end = add_working_seconds(WorkingTime.always(), start, 48 * HOUR)
    assert end == datetime(2024, 4, 1, 21, 15, tzinfo=UTC)  # 22:15 CET is 21:15 UTC
    assert end.tzinfo == UTC
    assert working_seconds_between(WorkingTime.always(), start, end) == 48 * HOUR


def test_friday_afternoon_rolls_over_the_weekend() -> None:
    wt = office(BERLIN)
    start = datetime(2024, 6, 7, 15, 0, tzinfo=BERLIN)  # a Friday
    due = add_working_seconds(wt, start, 4 * HOUR)
    assert due == datetime(2024, 6, 10, 11, 0, tzinfo=BERLIN)  # Monday 11:00
    assert working_seconds_between(wt, start, due) == 4 * HOUR


def test_start_outside_hours_begins_at_the_next_opening() -> None:
    wt = office(BERLIN)
    saturday_night = datetime(2024, 6, 8, 23, 30, tzinfo=BERLIN)
    assert add_working_seconds(wt, saturday_night, 1) == datetime(2024, 6, 10, 9, 0, 1, tzinfo=BERLIN)
    assert working_seconds_between(wt, saturday_night, datetime(2024, 6, 10, 8, 59, tzinfo=BERLIN)) == 0


def test_holidays_are_skipped() -> None:
    # Good Friday and Easter Monday 2024.
    wt = office(BERLIN, date(2024, 3, 29), date(2024, 4, 1))
    start = datetime(2024, 3, 28, 16, 0, tzinfo=BERLIN)  # Thursday
    due = add_working_seconds(wt, start, 2 * HOUR)
    assert due == datetime(2024, 4, 2, 10, 0, tzinfo=BERLIN)  # Tuesday
    assert working_seconds_between(wt, start, due) == 2 * HOUR


def test_48_business_hours_span_six_working_days() -> None:
    wt = office(NEW_YORK, date(2024, 7, 4))
    start = datetime(2024, 7, 1, 9, 0, tzinfo=NEW_YORK)  # Monday; Thursday is a holiday
    # Mon, Tue, Wed, Fri, Mon, Tue: the sixth working day ends at 17:00.
    assert add_working_seconds(wt, start, 48 * HOUR) == datetime(2024, 7, 9, 17, 0, tzinfo=NEW_YORK)


def test_berlin_spring_forward_day_is_23_hours() -> None:
    wt = around_the_clock(BERLIN)
    day = datetime(2024, 3, 31, 0, 0, tzinfo=BERLIN)
    next_day = datetime(2024, 4, 1, 0, 0, tzinfo=BERLIN)
    assert working_seconds_between(wt, day, next_day) == 23 * HOUR
    assert add_working_seconds(wt, day, 23 * HOUR) == next_day


def test_berlin_fall_back_day_is_25_hours() -> None:
    wt = around_the_clock(BERLIN)
    day = datetime(2024, 10, 27, 0, 0, tzinfo=BERLIN)
    next_day = datetime(2024, 10, 28, 0, 0, tzinfo=BERLIN)
    assert working_seconds_between(wt, day, next_day) == 25 * HOUR
    assert add_working_seconds(wt, day, 25 * HOUR) == next_day


def test_berlin_office_hours_keep_local_time_across_dst() -> None:
    wt = office(BERLIN)
    friday = datetime(2024, 3, 29, 16, 0, tzinfo=BERLIN)  # CET (+01:00)
    due = add_working_seconds(wt, friday, 2 * HOUR)
    # Monday 10:00 CEST (+02:00): the weekend's lost hour is not working time.
    assert due == datetime(2024, 4, 1, 8, 0, tzinfo=UTC)
    assert working_seconds_between(wt, friday, due) == 2 * HOUR


def test_night_shift_across_the_spring_gap_is_shorter() -> None:
    wt = WorkingTime(tz=BERLIN, hours={6: ((time(1), time(4)),)})  # Sundays 01:00–04:00
    sunday = datetime(2024, 3, 31, 0, 0, tzinfo=BERLIN)
    assert working_seconds_between(wt, sunday, sunday + timedelta(days=1)) == 2 * HOUR
    autumn = datetime(2024, 10, 27, 0, 0, tzinfo=BERLIN)
    assert working_seconds_between(wt, autumn, autumn + timedelta(days=1)) == 4 * HOUR


def test_new_york_dst_changes() -> None:
    wt = around_the_clock(NEW_YORK)
    spring = datetime(2024, 3, 10, 0, 0, tzinfo=NEW_YORK)
    autumn = datetime(2024, 11, 3, 0, 0, tzinfo=NEW_YORK)
    assert working_seconds_between(wt, spring, datetime(2024, 3, 11, tzinfo=NEW_YORK)) == 23 * HOUR
    assert working_seconds_between(wt, autumn, datetime(2024, 11, 4, tzinfo=NEW_YORK)) == 25 * HOUR
    office_wt = office(NEW_YORK)
    friday = datetime(2024, 3, 8, 16, 0, tzinfo=NEW_YORK)  # EST
    assert add_working_seconds(office_wt, friday, 2 * HOUR) == datetime(2024, 3, 11, 14, 0, tzinfo=UTC)


def test_until_midnight_interval() -> None:
    wt = WorkingTime(tz=BERLIN, hours={0: ((time(20), time(0)),), 1: ((time(0), time(2)),)})
    monday_evening = datetime(2024, 6, 10, 20, 0, tzinfo=BERLIN)
    assert add_working_seconds(wt, monday_evening, 5 * HOUR) == datetime(2024, 6, 11, 1, 0, tzinfo=BERLIN)
    assert working_seconds_between(wt, monday_evening, datetime(2024, 6, 12, tzinfo=BERLIN)) == 6 * HOUR


def test_interval_spanning_midnight_is_rejected() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        WorkingTime(tz=BERLIN, hours={0: ((time(22), time(2)),)})
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_hours({"mon": [["22:00", "02:00"]]})


def test_overlapping_intervals_are_rejected() -> None:
    with pytest.raises(ValueError, match="overlap"):
        parse_hours({"tue": [["09:00", "13:00"], ["12:00", "17:00"]]})


def test_parse_and_format_hours_round_trip() -> None:
    data = {"mon": [["09:00", "12:00"], ["13:00", "17:30"]], "sat": [["20:00", "24:00"]]}
    assert hours_to_json(parse_hours(data)) == {
        "mon": [["09:00", "12:00"], ["13:00", "17:30"]],
        "tue": [],
        "wed": [],
        "thu": [],
        "fri": [],
        "sat": [["20:00", "24:00"]],
        "sun": [],
    }


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_working_seconds(office(BERLIN), datetime(2024, 6, 10, 9, 0), 60)  # noqa: DTZ001


def test_negative_seconds_walk_backwards() -> None:
    wt = office(BERLIN)
    monday = datetime(2024, 6, 10, 10, 0, tzinfo=BERLIN)
    assert add_working_seconds(wt, monday, -2 * HOUR) == datetime(2024, 6, 7, 16, 0, tzinfo=BERLIN)
    assert signed_working_seconds(wt, monday, datetime(2024, 6, 7, 16, 0, tzinfo=BERLIN)) == -2 * HOUR


def test_working_time_for_a_calendar(organization: Any) -> None:
    calendar = BusinessCalendar.all_orgs.create(
        organization=organization, name="Berlin office", timezone="Europe/Berlin"
    )
    Holiday.all_orgs.create(organization=organization, calendar=calendar, date=date(2024, 12, 25))
    wt = working_time_for(calendar=calendar, business_hours=True)
    assert wt.tz == BERLIN
    assert wt.holidays == frozenset({date(2024, 12, 25)})
    assert wt.hours[0] == NINE_TO_FIVE
    assert wt.hours[5] == ()
    assert working_time_for(calendar=calendar, business_hours=False) == WorkingTime.always()
    assert working_time_for(calendar=None, business_hours=True) == WorkingTime.always()


# --- properties --------------------------------------------------------------------------------------

ZONES = st.sampled_from([BERLIN, NEW_YORK, ZoneInfo("UTC"), ZoneInfo("Asia/Kolkata")])
STARTS = st.datetimes(
    min_value=datetime(2023, 1, 1),  # noqa: DTZ001
    max_value=datetime(2026, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
SECONDS = st.integers(min_value=0, max_value=400 * HOUR)


@st.composite
def working_times(draw: Any) -> WorkingTime:
    tz = draw(ZONES)
    hours: dict[int, tuple[tuple[time, time], ...]] = {}
    for day in range(7):
        if draw(st.booleans()):
            first = draw(st.integers(min_value=0, max_value=22))
            last = draw(st.integers(min_value=first + 1, max_value=24))
            hours[day] = ((time(first), time(last % 24)),)
    if not hours:
        hours[0] = NINE_TO_FIVE
    holidays = draw(
        st.frozensets(st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 6, 30)), max_size=20)
    )
    return WorkingTime(tz=tz, hours=hours, holidays=holidays)


@settings(max_examples=200, deadline=None)
@given(wt=working_times(), start=STARTS, seconds=SECONDS)
def test_add_then_measure_round_trips(wt: WorkingTime, start: datetime, seconds: int) -> None:
    end = add_working_seconds(wt, start, seconds)
    assert working_seconds_between(wt, start, end) == seconds
    back = add_working_seconds(wt, end, -seconds)
    assert start <= back <= end
    assert working_seconds_between(wt, back, end) == seconds


@settings(max_examples=200, deadline=None)
@given(wt=working_times(), start=STARTS, a=SECONDS, b=SECONDS)
def test_adding_is_monotonic(wt: WorkingTime, start: datetime, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert start <= add_working_seconds(wt, start, low) <= add_working_seconds(wt, start, high)


@settings(max_examples=200, deadline=None)
@given(wt=working_times(), start=STARTS, a=SECONDS, b=SECONDS)
def test_measuring_is_monotonic_and_additive(wt: WorkingTime, start: datetime, a: int, b: int) -> None:
    middle = start + timedelta(seconds=min(a, b))
    end = start + timedelta(seconds=max(a, b))
    first = working_seconds_between(wt, start, middle)
    second = working_seconds_between(wt, middle, end)
    whole = working_seconds_between(wt, start, end)
    assert 0 <= first <= whole <= end.timestamp() - start.timestamp()
    assert whole in (first + second, first + second + 1)
