"""Forms of the survey results page and the custom dashboards.

Filter forms read GET parameters; a value that does not parse is shown as a field error and dropped,
the other filters still apply, so a hand-edited address never gives a 500.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from accounts.selectors import AccessScope
from analytics.filters import MetricFilters
from dashboards.models import Dashboard, TileKind
from dashboards.selectors import DEFAULT_PERIOD, MAX_PERIOD_DAYS, resolve_period
from feedback.models import Channel
from feedback.selectors import survey_filter_choices, touchpoint_filter_choices
from surveys.models import JourneyStage, Survey, Touchpoint
from textanalysis.models import Sentiment, Tag, Theme

# --- periods ---------------------------------------------------------------------------------------------

PERIOD_CHOICES = [
    ("7d", _("Last 7 days")),
    ("30d", _("Last 30 days")),
    ("90d", _("Last 90 days")),
    ("365d", _("Last 12 months")),
    ("custom", _("Custom dates")),
]

# --- choices shared by the forms ---------------------------------------------------------------------------

METRIC_CHOICES = [
    ("nps", _("NPS")),
    ("csat", _("CSAT")),
    ("ces", _("CES (mean)")),
    ("ces_easy", _("CES (easy share)")),
]
GROUP_BY_CHOICES = [
    ("channel", _("Channel")),
    ("touchpoint", _("Touchpoint")),
    ("stage", _("Journey stage")),
    ("language", _("Language")),
    ("survey", _("Survey")),
]
# Cross-tabs of the results page (one survey): the survey dimension would be a single row.
CROSSTAB_DIMENSIONS = GROUP_BY_CHOICES[:4]
INTERVAL_CHOICES = [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))]
SCORE_GROUP_CHOICES = [
    ("", _("Everyone")),
    ("promoter", _("Promoters (9–10)")),
    ("passive", _("Passives (7–8)")),
    ("detractor", _("Detractors (0–6)")),
]
COMPARE_CHOICES = [
    ("", _("Nothing")),
    ("previous", _("The previous period")),
    ("segment", _("A second segment")),
]


class _NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _PrefixUnderscore:
    """Name fields ``b_channel`` rather than Django's ``b-channel`` (the second segment's filters)."""

    prefix: str | None

    def add_prefix(self, field_name: str) -> str:
        return f"{self.prefix}_{field_name}" if self.prefix else field_name


class _PeriodMixin(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=_date_input())
    end = forms.DateField(label=_("Until"), required=False, widget=_date_input())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None
        if data.get("period") != "custom":
            return data
        start, end = data.get("start"), data.get("end")
        if start is None and "start" not in self.errors:
            self.add_error("start", _("Choose the first day of the period."))
        if end is None and "end" not in self.errors:
            self.add_error("end", _("Choose the last day of the period."))
        if start is not None and end is not None:
            if start > end:
                self.add_error("end", _("The last day must not be before the first day."))
            elif (end - start).days >= MAX_PERIOD_DAYS:
                self.add_error("end", _("Choose a period of at most three years."))
        return data

    def valid_data(self) -> dict[str, Any]:
        """The cleaned values of the fields that parsed (one bad field does not drop the others)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        if self.errors.get("start") or self.errors.get("end"):
            # A half-valid custom period falls back to the default period rather than an open end.
            data.pop("start", None)
            data.pop("end", None)
            data["period"] = DEFAULT_PERIOD
        return data

    def period_dates(self, *, today: dt.date) -> tuple[dt.date, dt.date]:
        data = self.valid_data()
        return resolve_period(
            data.get("period") or DEFAULT_PERIOD, data.get("start"), data.get("end"), today=today
        )


# --- the results page ------------------------------------------------------------------------------------


class _DimensionFields(forms.Form):
    """Channel, touchpoint, journey stage and language: the filters the rollups serve."""

    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("All channels")), *Channel.choices], required=False
    )
    touchpoint = _NamedChoiceField(
        label=_("Touchpoint"),
        queryset=Touchpoint.all_orgs.none(),
        required=False,
        empty_label=_("All touchpoints"),
    )
    stage = _NamedChoiceField(
        label=_("Journey stage"),
        queryset=JourneyStage.all_orgs.none(),
        required=False,
        empty_label=_("All stages"),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("All languages")), *settings.LANGUAGES], required=False
    )


class ResultsFilterForm(_PrefixUnderscore, _PeriodMixin, _DimensionFields):
    """One segment of a survey's results. The page has two: the main one and the ``b_`` one to compare."""

    field_order = [
        "period", "start", "end", "channel", "touchpoint", "stage", "language", "score_group",
        "hidden_name", "hidden_value", "tag", "theme", "sentiment",
    ]  # fmt: skip

    score_group = forms.ChoiceField(label=_("Score group"), choices=SCORE_GROUP_CHOICES, required=False)
    hidden_name = forms.ChoiceField(label=_("Hidden field"), choices=[("", "—")], required=False)
    hidden_value = forms.CharField(label=_("Hidden field value"), max_length=200, required=False)
    tag = _NamedChoiceField(
        label=_("Tag"), queryset=Tag.all_orgs.none(), required=False, empty_label=_("Any tag")
    )
    theme = _NamedChoiceField(
        label=_("Theme"), queryset=Theme.all_orgs.none(), required=False, empty_label=_("Any theme")
    )
    sentiment = forms.ChoiceField(
        label=_("Sentiment"), choices=[("", _("Any sentiment")), *Sentiment.choices], required=False
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None,
        *,
        organization: Organization,
        scope: AccessScope,
        survey: Survey,
        prefix: str | None = None,
    ) -> None:
        super().__init__(data, prefix=prefix)
        self.survey = survey
        self.fields["touchpoint"].queryset = touchpoint_filter_choices(  # type: ignore[attr-defined]
            organization=organization, scope=scope
        )
        self.fields["stage"].queryset = JourneyStage.all_orgs.filter(  # type: ignore[attr-defined]
            organization=organization
        ).order_by("position", "name")
        self.fields["tag"].queryset = Tag.all_orgs.filter(organization=organization).order_by("name")  # type: ignore[attr-defined]
        self.fields["theme"].queryset = Theme.all_orgs.filter(organization=organization).order_by("name")  # type: ignore[attr-defined]
        self.fields["hidden_name"].choices = [  # type: ignore[attr-defined]
            ("", _("Any")),
            *((name, name) for name in survey_hidden_fields(survey)),
        ]
        if prefix:
            for field in self.fields.values():
                field.label = f"{field.label} (B)"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("hidden_name")) != bool((data.get("hidden_value") or "").strip()):
            self.add_error("hidden_value", _("Choose a hidden field and the value it must have."))
        return data

    def metric_filters(self, *, today: dt.date) -> MetricFilters:
        data = self.valid_data()
        start, end = self.period_dates(today=today)
        touchpoint, stage, tag, theme = (data.get(n) for n in ("touchpoint", "stage", "tag", "theme"))
        hidden_name, hidden_value = data.get("hidden_name") or "", (data.get("hidden_value") or "").strip()
        return MetricFilters(
            start=start,
            end=end,
            survey_ids=(self.survey.pk,),
            channels=(data["channel"],) if data.get("channel") else (),
            touchpoint_ids=(touchpoint.pk,) if touchpoint is not None else (),
            stage_ids=(stage.pk,) if stage is not None else (),
            languages=(data["language"],) if data.get("language") else (),
            score_group=data.get("score_group") or "",
            hidden=((hidden_name, hidden_value),) if hidden_name and hidden_value else (),
            tag_ids=(tag.pk,) if tag is not None else (),
            theme_ids=(theme.pk,) if theme is not None else (),
            sentiment=data.get("sentiment") or "",
        )


def survey_hidden_fields(survey: Survey) -> list[str]:
    """The hidden fields the survey declares (published version first, else the draft)."""
    definition = survey.current_version.definition if survey.current_version is not None else survey.draft
    names = definition.get("hidden_fields") if isinstance(definition, Mapping) else None
    return [str(n) for n in names or [] if isinstance(n, str)]


class ResultsOptionsForm(forms.Form):
    """What the page adds to the segment: a comparison and the cross-tab's dimensions."""

    compare = forms.ChoiceField(label=_("Compare with"), choices=COMPARE_CHOICES, required=False)
    xt_rows = forms.ChoiceField(label=_("Rows"), choices=CROSSTAB_DIMENSIONS, required=False)
    xt_columns = forms.ChoiceField(label=_("Columns"), choices=CROSSTAB_DIMENSIONS, required=False)
    xt_metric = forms.ChoiceField(label=_("Metric"), choices=METRIC_CHOICES, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None
        rows, columns = data.get("xt_rows") or "channel", data.get("xt_columns") or "stage"
        if rows == columns:
            self.add_error("xt_columns", _("Choose different dimensions for rows and columns."))
        return data

    def options(self, *, default_metric: str) -> dict[str, str]:
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        rows = data.get("xt_rows") or "channel"
        columns = data.get("xt_columns") or ("stage" if rows != "stage" else "channel")
        return {
            "compare": data.get("compare") or "",
            "rows": rows,
            "columns": columns,
            "metric": data.get("xt_metric") or default_metric,
        }


# --- custom dashboards -----------------------------------------------------------------------------------


class DashboardForm(_PeriodMixin, _DimensionFields):
    """A dashboard's name, sharing and the filters every tile starts from."""

    name = forms.CharField(label=_("Name"), max_length=120)
    shared = forms.BooleanField(
        label=_("Share with the organisation"),
        required=False,
        help_text=_("Every member who reads dashboards can open it; each sees only the data they may see."),
    )
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, initial=DEFAULT_PERIOD)
    start = forms.DateField(label=_("From (custom period)"), required=False, widget=_date_input())
    end = forms.DateField(label=_("Until (custom period)"), required=False, widget=_date_input())
    survey = _NamedChoiceField(
        label=_("Survey"), queryset=Survey.all_orgs.none(), required=False, empty_label=_("All surveys")
    )
    field_order = [
        "name",
        "shared",
        "period",
        "start",
        "end",
        "survey",
        "channel",
        "touchpoint",
        "stage",
        "language",
    ]

    def __init__(self, *args: Any, organization: Organization, scope: AccessScope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = survey_filter_choices(organization=organization, scope=scope)  # type: ignore[attr-defined]
        self.fields["touchpoint"].queryset = touchpoint_filter_choices(  # type: ignore[attr-defined]
            organization=organization, scope=scope
        )
        self.fields["stage"].queryset = JourneyStage.all_orgs.filter(  # type: ignore[attr-defined]
            organization=organization
        ).order_by("position", "name")

    @staticmethod
    def initial_for(dashboard: Dashboard) -> dict[str, Any]:
        saved = dashboard.filters or {}
        return {
            "name": dashboard.name,
            "shared": dashboard.shared,
            "period": saved.get("period") or DEFAULT_PERIOD,
            "start": saved.get("start"),
            "end": saved.get("end"),
            "survey": _first(saved.get("survey_ids")),
            "channel": _first(saved.get("channels")) or "",
            "touchpoint": _first(saved.get("touchpoint_ids")),
            "stage": _first(saved.get("stage_ids")),
            "language": _first(saved.get("languages")) or "",
        }

    def saved_filters(self) -> dict[str, Any]:
        """The filters as stored on the dashboard (checked again by the service)."""
        data = self.cleaned_data
        return _filters_json(
            period=data.get("period") or DEFAULT_PERIOD,
            start=data.get("start"),
            end=data.get("end"),
            survey=data.get("survey"),
            channel=data.get("channel") or "",
            touchpoint=data.get("touchpoint"),
            stage=data.get("stage"),
            language=data.get("language") or "",
        )


def _first(values: Any) -> Any:
    return values[0] if isinstance(values, list) and values else None


def _filters_json(
    *,
    period: str,
    start: dt.date | None,
    end: dt.date | None,
    survey: Survey | None = None,
    channel: str = "",
    touchpoint: Touchpoint | None = None,
    stage: JourneyStage | None = None,
    language: str = "",
) -> dict[str, Any]:
    saved: dict[str, Any] = {}
    if period:
        saved["period"] = period
    if period == "custom":
        saved["start"] = start.isoformat() if start else None
        saved["end"] = end.isoformat() if end else None
    if survey is not None:
        saved["survey_ids"] = [survey.pk]
    if channel:
        saved["channels"] = [channel]
    if touchpoint is not None:
        saved["touchpoint_ids"] = [touchpoint.pk]
    if stage is not None:
        saved["stage_ids"] = [stage.pk]
    if language:
        saved["languages"] = [language]
    return saved


class TileForm(forms.Form):
    """The fields every tile has: a title and its own filters, which replace the dashboard's."""

    kind: str = ""
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    f_period = forms.ChoiceField(
        label=_("Period"),
        choices=[("", _("The dashboard's period")), *PERIOD_CHOICES],
        required=False,
    )
    f_start = forms.DateField(label=_("From (custom period)"), required=False, widget=_date_input())
    f_end = forms.DateField(label=_("Until (custom period)"), required=False, widget=_date_input())
    f_survey = _NamedChoiceField(
        label=_("Survey"),
        queryset=Survey.all_orgs.none(),
        required=False,
        empty_label=_("The dashboard's surveys"),
    )
    f_channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", _("The dashboard's channels")), *Channel.choices],
        required=False,
    )

    def __init__(self, *args: Any, organization: Organization, scope: AccessScope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["f_survey"].queryset = survey_filter_choices(organization=organization, scope=scope)  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, config: Mapping[str, Any], title: str) -> dict[str, Any]:
        own = config.get("filters") or {}
        initial = {
            "title": title,
            "f_period": own.get("period") or "",
            "f_start": own.get("start"),
            "f_end": own.get("end"),
            "f_survey": _first(own.get("survey_ids")),
            "f_channel": _first(own.get("channels")) or "",
        }
        for name in cls.base_fields:
            if name in config and not name.startswith("f_"):
                initial[name] = config[name]
        return initial

    def config(self) -> dict[str, Any]:
        """The tile's config as stored (the service validates it again)."""
        data = self.cleaned_data
        settings_ = {
            name: value
            for name, value in data.items()
            if name not in {"title", "f_period", "f_start", "f_end", "f_survey", "f_channel"}
        }
        filters = _filters_json(
            period=data.get("f_period") or "",
            start=data.get("f_start"),
            end=data.get("f_end"),
            survey=data.get("f_survey"),
            channel=data.get("f_channel") or "",
        )
        return {**settings_, "filters": filters}


def _metric_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Metric"), choices=METRIC_CHOICES, initial="nps")


def _limit_field(default: int) -> forms.IntegerField:
    return forms.IntegerField(label=_("How many"), min_value=1, max_value=50, initial=default)


class MetricTileForm(TileForm):
    kind = TileKind.METRIC
    metric = _metric_field()


class TrendTileForm(TileForm):
    kind = TileKind.TREND
    metric = _metric_field()
    interval = forms.ChoiceField(label=_("Interval"), choices=INTERVAL_CHOICES, initial="week")


class BreakdownTileForm(TileForm):
    kind = TileKind.BREAKDOWN
    metric = _metric_field()
    group_by = forms.ChoiceField(label=_("Group by"), choices=GROUP_BY_CHOICES, initial="channel")


class CrosstabTileForm(TileForm):
    kind = TileKind.CROSSTAB
    metric = _metric_field()
    rows = forms.ChoiceField(label=_("Rows"), choices=GROUP_BY_CHOICES, initial="channel")
    columns = forms.ChoiceField(label=_("Columns"), choices=GROUP_BY_CHOICES, initial="stage")


class ThemesTileForm(TileForm):
    kind = TileKind.THEMES
    limit = _limit_field(10)


class FeedTileForm(TileForm):
    kind = TileKind.FEED
    limit = _limit_field(10)


TILE_FORMS: dict[str, type[TileForm]] = {
    form.kind: form
    for form in (
        MetricTileForm,
        TrendTileForm,
        BreakdownTileForm,
        CrosstabTileForm,
        ThemesTileForm,
        FeedTileForm,
    )
}
