"""The metric definitions against hand-computed worked examples (the same as in docs/metrics.md)."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.filters import MetricFilters, previous_period
from analytics.metrics import Change, Estimate, Tally, compare, estimate, nps_groups


def test_tally_adds_field_by_field() -> None:
    a = Tally(responses=2, finished=1, nps_n=2, promoters=1, ces_sum=5, ces_sumsq=25)
    b = Tally(responses=3, nps_n=1, detractors=1, ces_sum=2, ces_sumsq=4)

    assert a + b == Tally(
        responses=5, finished=1, nps_n=3, promoters=1, detractors=1, ces_sum=7, ces_sumsq=29
    )
    assert Tally() + a == a


def test_nps_worked_example() -> None:
    # 200 answers: 100 promoters, 60 passives, 40 detractors.
    tally = Tally(nps_n=200, promoters=100, detractors=40)

    result = estimate(tally, "nps")

    assert nps_groups(tally) == (100, 60, 40)
    assert result.value == 30.0
    assert result.n == 200
    # per-answer variance (100 + 40)/200 − 0.3² = 0.61; half-width 1.96 × √(0.61/200) = 0.10824
    assert result.variance == pytest.approx(6100.0)
    assert result.ci_low == pytest.approx(19.1757, abs=1e-4)
    assert result.ci_high == pytest.approx(40.8243, abs=1e-4)


def test_nps_interval_is_clipped() -> None:
    result = estimate(Tally(nps_n=3, promoters=3), "nps")

    assert (result.value, result.ci_low, result.ci_high) == (100.0, 100.0, 100.0)


def test_csat_worked_example_wilson() -> None:
    result = estimate(Tally(csat_n=100, csat_satisfied=80), "csat")

    assert result.value == 80.0
    assert result.ci_low == pytest.approx(71.1171, abs=1e-4)
    assert result.ci_high == pytest.approx(86.6633, abs=1e-4)


def test_ces_worked_example() -> None:
    # Answers 2, 4, 5, 6, 7, 7: sum 31, sum of squares 179, four of six are 5–7.
    tally = Tally(ces_n=6, ces_sum=31, ces_sumsq=179, ces_easy=4)

    mean = estimate(tally, "ces")
    easy = estimate(tally, "ces_easy")

    assert mean.value == pytest.approx(5.16667, abs=1e-5)
    assert mean.variance == pytest.approx(113 / 30)  # sample variance (6·179 − 31²) / (6·5)
    assert mean.ci_low == pytest.approx(3.6137, abs=1e-4)
    assert mean.ci_high == pytest.approx(6.7196, abs=1e-4)
    assert easy.value == pytest.approx(66.6667, abs=1e-4)
    assert easy.ci_low == pytest.approx(29.9993, abs=1e-4)
    assert easy.ci_high == pytest.approx(90.3229, abs=1e-4)


def test_ces_mean_of_one_answer_has_no_interval() -> None:
    assert estimate(Tally(ces_n=1, ces_sum=4, ces_sumsq=16), "ces") == Estimate(
        "ces", 4.0, 1, None, None, None
    )


@pytest.mark.parametrize("metric", ["nps", "csat", "ces", "ces_easy"])
def test_empty_tally_has_no_value(metric: str) -> None:
    assert estimate(Tally(), metric) == Estimate(metric, None, 0, None, None, None)  # type: ignore[arg-type]


def test_nps_change_is_significant() -> None:
    current = Tally(nps_n=200, promoters=100, detractors=40)  # NPS 30, variance 0.61
    previous = Tally(nps_n=200, promoters=80, detractors=60)  # NPS 10, variance 0.69

    change = compare(current, previous, "nps")

    # z = 0.2 / √(0.61/200 + 0.69/200) = 2.4807
    assert change.delta == 20.0
    assert change.p_value == pytest.approx(0.01311, abs=1e-5)
    assert (change.significant, change.direction) == (True, "up")


def test_csat_change_is_not_significant() -> None:
    change = compare(Tally(csat_n=100, csat_satisfied=80), Tally(csat_n=100, csat_satisfied=70), "csat")

    # pooled p = 0.75, z = 0.1 / √(0.75·0.25·(1/100 + 1/100)) = 1.633
    assert change.delta == pytest.approx(10.0)
    assert change.p_value == pytest.approx(0.10247, abs=1e-5)
    assert (change.significant, change.direction) == (False, "")


def test_ces_change_welch() -> None:
    current = Tally(ces_n=6, ces_sum=31, ces_sumsq=179, ces_easy=4)  # 2, 4, 5, 6, 7, 7
    previous = Tally(ces_n=6, ces_sum=17, ces_sumsq=59, ces_easy=1)  # 1, 2, 2, 3, 4, 5

    mean_change = compare(current, previous, "ces")
    easy_change = compare(current, previous, "ces_easy")

    # z = 2.3333 / √(3.7667/6 + 2.1667/6) = 2.3466
    assert mean_change.p_value == pytest.approx(0.01896, abs=1e-5)
    assert (mean_change.significant, mean_change.direction) == (True, "up")
    assert easy_change.p_value == pytest.approx(0.07898, abs=1e-5)
    assert easy_change.significant is False


def test_decline_is_marked_down() -> None:
    change = compare(
        Tally(nps_n=200, promoters=80, detractors=60), Tally(nps_n=200, promoters=100, detractors=40), "nps"
    )

    assert (change.delta, change.significant, change.direction) == (-20.0, True, "down")


def test_change_against_an_empty_side_is_never_significant() -> None:
    assert compare(Tally(nps_n=5, promoters=5), Tally(), "nps") == Change(None, None, False, "")


def test_change_without_spread_is_padded_so_that_one_answer_each_is_not_significant() -> None:
    change = compare(Tally(nps_n=1, promoters=1), Tally(nps_n=1, detractors=1), "nps")

    # Padded: 2 promoters, 1 detractor of 3 (33.3) against 1 promoter, 2 detractors of 3 (−33.3).
    assert (change.delta, change.significant, change.direction) == (200.0, False, "")
    assert change.p_value == pytest.approx(0.3865, abs=1e-4)


def test_change_without_spread_is_marked_when_the_samples_are_large() -> None:
    change = compare(Tally(nps_n=30, promoters=30), Tally(nps_n=30, detractors=30), "nps")

    assert (change.delta, change.significant, change.direction) == (200.0, True, "up")


def test_no_change_without_spread_is_not_tested() -> None:
    assert compare(Tally(nps_n=4, promoters=4), Tally(nps_n=9, promoters=9), "nps") == Change(
        0.0, None, False, ""
    )


def test_previous_period_has_the_same_length() -> None:
    assert previous_period(date(2024, 3, 1), date(2024, 3, 31)) == (date(2024, 1, 30), date(2024, 2, 29))


def test_filters_round_trip_through_json() -> None:
    filters = MetricFilters(
        start=date(2024, 1, 1),
        end=date(2024, 1, 31),
        survey_ids=(3, 4),
        channels=("web",),
        stage_ids=(7,),
        hidden=(("plan", "pro"),),
        score_group="detractor",
        sentiment="negative",
    )

    assert MetricFilters.from_json(filters.to_json()) == filters
    assert filters.uses_rollups() is False
    assert filters.with_period(None, None).start is None


def test_filters_from_json_drop_bad_values() -> None:
    data = {
        "start": "not a date",
        "end": "2024-02-30",
        "survey_ids": ["1", "x", -2, True, 5],
        "channels": ["web", 3, ""],
        "hidden": [["plan", "pro"], ["bad"], 4],
        "score_group": "everyone",
        "sentiment": "angry",
        "unknown": 1,
    }

    assert MetricFilters.from_json(data) == MetricFilters(
        survey_ids=(1, 5), channels=("web",), hidden=(("plan", "pro"),)
    )
    assert MetricFilters.from_json([]) == MetricFilters()  # type: ignore[arg-type]
    assert MetricFilters(channels=("web",)).uses_rollups() is True
