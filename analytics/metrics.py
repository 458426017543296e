"""The CX metrics, defined once: NPS, CSAT, CES, their 95 % intervals and period-over-period tests.

Pure functions over ``Tally``, the sufficient statistics of a set of responses. A tally of any period
or segment is the field-by-field sum of the tallies of its parts, which is what lets the rollups serve
every number exactly. Definitions and worked examples: ``docs/metrics.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Literal

Z95 = 1.959963984540054  # two-sided 95 % normal quantile
ALPHA = 0.05

MetricName = Literal["nps", "csat", "ces", "ces_easy"]
METRICS: tuple[MetricName, ...] = ("nps", "csat", "ces", "ces_easy")


@dataclass(frozen=True)
class Tally:
    """Sufficient statistics of a set of responses; ``Tally() + t == t``."""

    responses: int = 0
    finished: int = 0
    nps_n: int = 0
    promoters: int = 0
    detractors: int = 0
    csat_n: int = 0
    csat_satisfied: int = 0
    ces_n: int = 0
    ces_sum: int = 0
    ces_sumsq: int = 0
    ces_easy: int = 0
    comments: int = 0
    positive: int = 0
    neutral: int = 0
    negative: int = 0

    def __add__(self, other: Tally) -> Tally:
        if not isinstance(other, Tally):
            return NotImplemented
        return Tally(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(Tally)})

    @property
    def passives(self) -> int:
        return self.nps_n - self.promoters - self.detractors


TALLY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Tally))


@dataclass(frozen=True)
class Estimate:
    metric: MetricName
    value: float | None  # NPS −100…100, CSAT and ces_easy 0…100, CES 1…7; None when n == 0
    n: int
    ci_low: float | None
    ci_high: float | None
    variance: float | None  # per-answer variance used by significance tests


@dataclass(frozen=True)
class Change:
    delta: float | None
    p_value: float | None
    significant: bool  # False when either side is empty
    direction: Literal["up", "down", ""]  # "" unless significant


def nps_groups(tally: Tally) -> tuple[int, int, int]:
    """(promoters, passives, detractors)."""
    return tally.promoters, tally.passives, tally.detractors


def _wilson(successes: int, n: int) -> tuple[float, float]:
    """Wilson score interval of a proportion, in percent."""
    p = successes / n
    z2 = Z95 * Z95
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return max(0.0, centre - half) * 100, min(1.0, centre + half) * 100


def _proportion(metric: MetricName, successes: int, n: int) -> Estimate:
    if n == 0:
        return Estimate(metric, None, 0, None, None, None)
    p = successes / n
    low, high = _wilson(successes, n)
    # Per-answer variance of the 0/100 score, consistent with the value's scale.
    return Estimate(metric, p * 100, n, low, high, p * (1 - p) * 10000)


def _nps(tally: Tally) -> Estimate:
    n = tally.nps_n
    if n == 0:
        return Estimate("nps", None, 0, None, None, None)
    mean = (tally.promoters - tally.detractors) / n  # per-answer score in {+1, 0, −1}
    variance = max(0.0, (tally.promoters + tally.detractors) / n - mean * mean)
    half = Z95 * math.sqrt(variance / n)
    return Estimate(
        "nps",
        mean * 100,
        n,
        max(-100.0, (mean - half) * 100),
        min(100.0, (mean + half) * 100),
        variance * 10000,
    )


def _ces(tally: Tally) -> Estimate:
    n = tally.ces_n
    if n == 0:
        return Estimate("ces", None, 0, None, None, None)
    mean = tally.ces_sum / n
    if n < 2:
        return Estimate("ces", mean, n, None, None, None)
    # Sample variance from the sums; exact integers first so that rounding cannot make it negative.
    variance = max(0.0, (n * tally.ces_sumsq - tally.ces_sum * tally.ces_sum) / (n * (n - 1)))
    half = Z95 * math.sqrt(variance / n)
    return Estimate("ces", mean, n, mean - half, mean + half, variance)


def estimate(tally: Tally, metric: MetricName) -> Estimate:
    """The metric's value, 95 % interval and per-answer variance."""
    if metric == "nps":
        return _nps(tally)
    if metric == "csat":
        return _proportion("csat", tally.csat_satisfied, tally.csat_n)
    if metric == "ces":
        return _ces(tally)
    if metric == "ces_easy":
        return _proportion("ces_easy", tally.ces_easy, tally.ces_n)
    raise ValueError(f"unknown metric {metric!r}")


def _two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def _counts(tally: Tally, metric: MetricName) -> tuple[int, int]:
    if metric == "csat":
        return tally.csat_satisfied, tally.csat_n
    return tally.ces_easy, tally.ces_n


def _padded(tally: Tally, metric: MetricName) -> Tally:
    """``tally`` with one answer added at each end of the metric's scale."""
    if metric == "nps":
        return replace(
            tally, nps_n=tally.nps_n + 2, promoters=tally.promoters + 1, detractors=tally.detractors + 1
        )
    if metric == "csat":
        return replace(tally, csat_n=tally.csat_n + 2, csat_satisfied=tally.csat_satisfied + 1)
    return replace(
        tally,
        ces_n=tally.ces_n + 2,
        ces_sum=tally.ces_sum + 1 + 7,
        ces_sumsq=tally.ces_sumsq + 1 + 49,
        ces_easy=tally.ces_easy + 1,
    )


def _padded_z(current: Tally, previous: Tally, metric: MetricName) -> float:
    """The z statistic of the difference between the padded estimates."""
    now, before = estimate(_padded(current, metric), metric), estimate(_padded(previous, metric), metric)
    delta = (now.value or 0) - (before.value or 0)
    if metric in ("csat", "ces_easy"):
        p1, p2 = (now.value or 0) / 100, (before.value or 0) / 100
        se = math.sqrt(p1 * (1 - p1) / now.n + p2 * (1 - p2) / before.n) * 100
    else:
        se = math.sqrt((now.variance or 0) / now.n + (before.variance or 0) / before.n)
    return delta / se


def compare(current: Tally, previous: Tally, metric: MetricName) -> Change:
    """Change of ``metric`` from ``previous`` to ``current`` and whether it is significant (two-sided
    z-test at 5 %). NPS: Wald difference; CSAT and CES easy share: pooled two-proportion z; CES mean:
    Welch z."""
    now, before = estimate(current, metric), estimate(previous, metric)
    if now.value is None or before.value is None:
        return Change(None, None, False, "")
    delta = now.value - before.value
    if metric in ("csat", "ces_easy"):
        x1, n1 = _counts(current, metric)
        x2, n2 = _counts(previous, metric)
        pooled = (x1 + x2) / (n1 + n2)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2)) * 100
    else:
        if now.variance is None or before.variance is None:
            return Change(delta, None, False, "")
        se = math.sqrt(now.variance / now.n + before.variance / before.n)
    if se == 0:
        if delta == 0:
            return Change(delta, None, False, "")
        # No spread on either side (every answer the same on each side, e.g. all promoters against
        # all detractors): the z-test's variance is zero. Add one answer at each end of the scale to
        # each side (Agresti–Caffo for proportions) so that large samples are marked and tiny ones not.
        z = _padded_z(current, previous, metric)
    else:
        z = delta / se
    p_value = _two_sided_p(z)
    significant = p_value < ALPHA and delta != 0
    direction: Literal["up", "down", ""] = ("up" if delta > 0 else "down") if significant else ""
    return Change(delta, p_value, significant, direction)
