"""The survey results page: a survey's numbers for a segment, compared with the previous period or a
second segment, per question, as a cross-tab, and its comments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any, cast

from django.http import Http404
from django.utils import formats, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from accounts.roles import Perm
from accounts.selectors import AccessScope, access_scope_for
from analytics.filters import MetricFilters, previous_period
from analytics.metrics import Change, Estimate, MetricName, Tally, compare, estimate, nps_groups
from analytics.selectors import (
    Group,
    GroupBy,
    Interval,
    QuestionStats,
    comment_feed,
    crosstab,
    org_today,
    question_stats,
    tally,
    tally_series,
)
from core.views import OrgViewMixin
from dashboards.charts import Chart, bar_chart, line_chart
from dashboards.forms import ResultsFilterForm, ResultsOptionsForm
from dashboards.selectors import interval_for, results_survey_get, results_surveys
from feedback.models import Response
from surveys.models import Survey
from textanalysis.models import Sentiment, Theme

FEED_PAGE = 20

METRIC_LABELS: dict[str, str | Promise] = {
    "nps": gettext_lazy("NPS"),
    "csat": gettext_lazy("CSAT"),
    "ces": gettext_lazy("CES"),
    "ces_easy": gettext_lazy("CES easy share"),
}
METRIC_HELP: dict[str, str | Promise] = {
    "nps": gettext_lazy("Net Promoter Score: % promoters (9–10) minus % detractors (0–6)"),
    "csat": gettext_lazy("Customer satisfaction: share of 4 and 5 out of 5"),
    "ces": gettext_lazy("Customer effort score: mean from 1 to 7, higher is easier"),
    "ces_easy": gettext_lazy("Share of customer effort answers from 5 to 7"),
}
SCORE_TYPES: dict[str, MetricName] = {"nps": "nps", "csat": "csat", "ces": "ces"}


# --- formatting shared with the custom dashboards ------------------------------------------------------


def _number(value: float, digits: int) -> str:
    """Localised, rounded half away from zero (Django's number_format would cut the digits off)."""
    exponent = Decimal(1).scaleb(-digits)
    rounded = Decimal(repr(value)).quantize(exponent, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    return formats.number_format(rounded, digits)


def format_value(metric: str, value: float | None) -> str:
    if value is None:
        return "—"
    if metric == "ces":
        return _number(value, 1)
    text = _number(value, 0)
    return f"{text}%" if metric in ("csat", "ces_easy") else text


def format_interval(metric: str, est: Estimate | None) -> str:
    if est is None or est.ci_low is None or est.ci_high is None:
        return ""
    return _("95 %% interval %(low)s to %(high)s") % {
        "low": format_value(metric, est.ci_low),
        "high": format_value(metric, est.ci_high),
    }


@dataclass(frozen=True)
class MetricView:
    """One metric for the templates, already formatted."""

    metric: str
    label: str | Promise
    help: str | Promise
    value: str
    interval: str
    n: int
    groups: tuple[int, int, int] | None = None

    @classmethod
    def of(cls, metric: MetricName, est: Estimate, groups: tuple[int, int, int] | None = None) -> MetricView:
        return cls(
            metric=metric,
            label=METRIC_LABELS[metric],
            help=METRIC_HELP[metric],
            value=format_value(metric, est.value),
            interval=format_interval(metric, est),
            n=est.n,
            groups=groups,
        )


@dataclass(frozen=True)
class ChangeView:
    """A change, marked (↑/↓) only when it is statistically significant."""

    significant: bool
    direction: str
    delta: str
    p_value: str

    @classmethod
    def of(cls, metric: str, change: Change) -> ChangeView:
        if change.delta is None:
            delta = ""
        else:
            sign = "+" if change.delta > 0 else ""
            unit = " pp" if metric in ("csat", "ces_easy") else ""
            digits = 1 if metric == "ces" else 0
            delta = f"{sign}{_number(change.delta, digits)}{unit}"
        p_value = "" if change.p_value is None else _number(change.p_value, 3)
        return cls(change.significant, change.direction, delta, p_value)


def survey_metrics(survey: Survey) -> list[MetricName]:
    """The headline metrics of the survey's score questions, in a fixed order."""
    definition = survey.current_version.definition if survey.current_version is not None else survey.draft
    types = {q.get("type") for q in (definition or {}).get("questions", []) if isinstance(q, Mapping)}
    metrics: list[MetricName] = [SCORE_TYPES[t] for t in ("nps", "csat", "ces") if t in types]
    if "ces" in metrics:
        metrics.append("ces_easy")
    return metrics


def cell_view(metric: MetricName, value: Tally | None) -> tuple[str, int]:
    est = estimate(value or Tally(), metric)
    return format_value(metric, est.value), est.n


def crosstab_table(
    metric: MetricName,
    rows: Sequence[Group],
    columns: Sequence[Group],
    cells: Mapping[tuple[str, str], Tally],
) -> list[tuple[Group, list[tuple[str, int]]]]:
    return [(row, [cell_view(metric, cells.get((row.key, col.key))) for col in columns]) for row in rows]


def period_label(start: dt.date, end: dt.date) -> str:
    return _("%(start)s to %(end)s") % {
        "start": formats.date_format(start, "SHORT_DATE_FORMAT"),
        "end": formats.date_format(end, "SHORT_DATE_FORMAT"),
    }


def series_labels(points: Sequence[tuple[dt.date, Any]], interval: str) -> list[str]:
    fmt = "YEAR_MONTH_FORMAT" if interval == "month" else "MONTH_DAY_FORMAT"
    return [formats.date_format(day, fmt) for day, _tally in points]


def trend_chart(
    *, title: str, metric: MetricName, points: Sequence[tuple[dt.date, Tally]], interval: str
) -> Chart:
    estimates = [estimate(t, metric) for _day, t in points]
    y_range = {"nps": (-100.0, 100.0), "csat": (0.0, 100.0), "ces_easy": (0.0, 100.0), "ces": (1.0, 7.0)}
    return line_chart(
        title=title,
        x_labels=series_labels(points, interval),
        series={str(METRIC_LABELS[metric]): [e.value for e in estimates]},
        y_range=y_range[metric],
        band=([e.ci_low for e in estimates], [e.ci_high for e in estimates]),
        value_format="{:.1f}" if metric == "ces" else "{:.0f}",
    )


# --- per question ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionView:
    stats: QuestionStats
    type_label: str | Promise
    drop_off: str
    answered_share: str
    metric: MetricView | None
    mean: str
    chart: Chart | None


def _as_int(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _question_tally(qtype: str, distribution: Sequence[tuple[str, str, int]]) -> Tally:
    """The question's own score tally, from its distribution (exact: one answer per response)."""
    scores = [
        (score, count) for value, _label, count in distribution if (score := _as_int(value)) is not None
    ]
    n = sum(count for _score, count in scores)
    if qtype == "nps":
        return Tally(
            nps_n=n,
            promoters=sum(c for s, c in scores if s >= 9),
            detractors=sum(c for s, c in scores if s <= 6),
        )
    if qtype == "csat":
        return Tally(csat_n=n, csat_satisfied=sum(c for s, c in scores if s >= 4))
    return Tally(
        ces_n=n,
        ces_sum=sum(s * c for s, c in scores),
        ces_sumsq=sum(s * s * c for s, c in scores),
        ces_easy=sum(c for s, c in scores if s >= 5),
    )


def question_view(stats: QuestionStats, started: int) -> QuestionView:
    from surveys.definition.types import QUESTION_TYPES

    qtype = QUESTION_TYPES.get(stats.type)
    metric: MetricView | None = None
    mean = ""
    if stats.type in SCORE_TYPES:
        name = SCORE_TYPES[stats.type]
        q_tally = _question_tally(stats.type, stats.distribution)
        metric = MetricView.of(name, estimate(q_tally, name), nps_groups(q_tally) if name == "nps" else None)
    elif stats.type == "rating":
        scores = [(s, c) for v, _l, c in stats.distribution if (s := _as_int(v)) is not None]
        total = sum(c for _s, c in scores)
        if total:
            mean = _number(sum(s * c for s, c in scores) / total, 2)
    chart = None
    if stats.distribution:
        chart = bar_chart(
            title=stats.title or stats.key,
            labels=[label for _value, label, _count in stats.distribution],
            values=[count for _value, _label, count in stats.distribution],
            horizontal=len(stats.distribution) > 11 or stats.type not in (*SCORE_TYPES, "rating"),
            value_header=_("Answers"),
        )
    drop_off = "—" if not started else f"{_number(100 * (1 - stats.answered / started), 0)}%"
    answered_share = "—" if not stats.reached else f"{_number(100 * stats.answered / stats.reached, 0)}%"
    return QuestionView(
        stats=stats,
        type_label=qtype.label if qtype is not None else stats.type,
        drop_off=drop_off,
        answered_share=answered_share,
        metric=metric,
        mean=mean,
        chart=chart,
    )


def funnel_chart(questions: Sequence[QuestionStats], started: int) -> Chart:
    labels = [_("Started"), *(q.title or q.key for q in questions)]
    return bar_chart(
        title=_("Responses answering each question"),
        labels=labels,
        values=[started, *(q.answered for q in questions)],
        horizontal=True,
        value_header=_("Responses"),
    )


# --- the views ------------------------------------------------------------------------------------------


class ResultsScopeMixin(OrgViewMixin):
    permission = Perm.DASHBOARDS_VIEW

    @cached_property
    def scope(self) -> AccessScope:
        return access_scope_for(membership=self.membership)


class ResultsIndexView(ResultsScopeMixin, TemplateView):
    template_name = "dashboards/results/index.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["rows"] = results_surveys(organization=self.organization, scope=self.scope)
        context["restricted"] = not self.scope.unrestricted
        return context


@dataclass(frozen=True)
class HeadlineRow:
    current: MetricView
    other: MetricView | None
    change: ChangeView | None


class ResultsView(ResultsScopeMixin, TemplateView):
    template_name = "dashboards/results/detail.html"

    @cached_property
    def survey(self) -> Survey:
        try:
            return results_survey_get(
                organization=self.organization, scope=self.scope, survey_id=self.kwargs["survey_id"]
            )
        except Survey.DoesNotExist:
            raise Http404 from None

    def _form(self, prefix: str | None = None) -> ResultsFilterForm:
        return ResultsFilterForm(
            self.request.GET or None,
            organization=self.organization,
            scope=self.scope,
            survey=self.survey,
            prefix=prefix,
        )

    def _before_id(self) -> int | None:
        value = _as_int(self.request.GET.get("before", ""))
        return value if value is not None and 0 < value < 2**63 else None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        org, scope, survey = self.organization, self.scope, self.survey
        today = org_today(org)
        form, form_b = self._form(), self._form("b")
        options_form = ResultsOptionsForm(self.request.GET or None)
        metrics = survey_metrics(survey)
        options = options_form.options(default_metric=metrics[0] if metrics else "nps")
        filters = form.metric_filters(today=today)
        start, end = filters.start or today, filters.end or today

        current = tally(organization=org, scope=scope, filters=filters)
        other_filters: MetricFilters | None = None
        other_label = ""
        if options["compare"] == "previous":
            other_filters = filters.with_period(*previous_period(start, end))
            other_label = _("Previous period")
        elif options["compare"] == "segment":
            other_filters = form_b.metric_filters(today=today)
            other_label = _("Segment B")
        other = tally(organization=org, scope=scope, filters=other_filters) if other_filters else None

        headline = []
        for metric in metrics:
            groups = nps_groups(current) if metric == "nps" else None
            row_other = row_change = None
            if other is not None:
                row_other = MetricView.of(
                    metric, estimate(other, metric), nps_groups(other) if metric == "nps" else None
                )
                row_change = ChangeView.of(metric, compare(current, other, metric))
            headline.append(
                HeadlineRow(MetricView.of(metric, estimate(current, metric), groups), row_other, row_change)
            )

        interval = cast(Interval, interval_for(start, end))
        points = tally_series(organization=org, scope=scope, filters=filters, interval=interval)
        trends = [
            trend_chart(title=str(METRIC_LABELS[m]), metric=m, points=points, interval=interval)
            for m in metrics
            if m != "ces_easy"
        ]
        responses_chart = bar_chart(
            title=_("Responses"),
            labels=series_labels(points, interval),
            values=[t.responses for _day, t in points],
            value_header=_("Responses"),
        )

        stats = question_stats(
            organization=org, scope=scope, filters=filters, survey=survey, language=translation.get_language()
        )
        questions = [question_view(s, current.responses) for s in stats]
        answerable = [s for s in stats if s.type != "info"]

        rows_dim, cols_dim = cast(GroupBy, options["rows"]), cast(GroupBy, options["columns"])
        xt_metric = cast(MetricName, options["metric"])
        xt_rows, xt_cols, xt_cells = crosstab(
            organization=org, scope=scope, filters=filters, rows=rows_dim, columns=cols_dim
        )

        before_id = self._before_id()
        feed = comment_feed(
            organization=org, scope=scope, filters=filters, limit=FEED_PAGE + 1, before_id=before_id
        )
        more = len(feed) > FEED_PAGE
        feed = feed[:FEED_PAGE]
        query = self.request.GET.copy()
        query.pop("before", None)

        context.update(
            survey=survey,
            form=form,
            form_b=form_b,
            options_form=options_form,
            options=options,
            has_errors=bool(
                (form.is_bound and form.errors)
                or (options["compare"] == "segment" and form_b.is_bound and form_b.errors)
                or (options_form.is_bound and options_form.errors)
            ),
            period=period_label(start, end),
            other_label=other_label,
            other_period=(
                period_label(other_filters.start, other_filters.end)
                if other_filters is not None and other_filters.start and other_filters.end
                else ""
            ),
            current=current,
            other=other,
            headline=headline,
            trends=trends,
            responses_chart=responses_chart,
            questions=questions,
            funnel=funnel_chart(answerable, current.responses) if answerable else None,
            xt_metric_label=METRIC_LABELS[xt_metric],
            xt_columns=xt_cols,
            xt_table=crosstab_table(xt_metric, xt_rows, xt_cols, xt_cells),
            feed=feed_items(feed),
            feed_older=f"{query.urlencode()}&before={feed[-1].pk}".lstrip("&") if more and feed else "",
            feed_paged=before_id is not None,
            feed_first=query.urlencode(),
            restricted=not scope.unrestricted,
        )
        return context


@dataclass(frozen=True)
class FeedItem:
    response: Response
    themes: list[str]

    @property
    def sentiment_label(self) -> str:
        sentiment = self.response.sentiment
        return str(Sentiment(sentiment).label) if sentiment in Sentiment.values else sentiment


def feed_items(responses: Sequence[Response]) -> list[FeedItem]:
    names = _theme_names(responses)
    return [FeedItem(r, [names[t] for t in r.theme_ids or [] if t in names]) for r in responses]


def _theme_names(responses: Sequence[Response]) -> dict[int, str]:
    ids = {t for r in responses for t in (r.theme_ids or [])}
    if not ids:
        return {}
    organization_id = responses[0].organization_id
    return dict(Theme.all_orgs.filter(organization_id=organization_id, pk__in=ids).values_list("pk", "name"))
