"""Custom dashboards: a member's composition of tiles, private or shared with the organisation.

Reading needs DASHBOARDS_VIEW (a private dashboard is a 404 for everyone but its owner); changing needs
DASHBOARDS_EDIT and being the owner (or an admin, for a shared one). Tiles are read with the viewer's own
access scope, so a restricted member reading a shared dashboard sees only their data.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.roles import Perm
from accounts.selectors import AccessScope, access_scope_for
from analytics.metrics import estimate
from analytics.selectors import Group, org_today
from core.views import OrgViewMixin
from dashboards import services
from dashboards.charts import Chart, bar_chart
from dashboards.forms import GROUP_BY_CHOICES, INTERVAL_CHOICES, TILE_FORMS, DashboardForm, TileForm
from dashboards.models import Dashboard, Tile, TileKind
from dashboards.selectors import (
    TileData,
    dashboard_editable_by,
    dashboard_get,
    dashboard_tiles,
    dashboards_for,
    tile_get,
    tile_read,
)
from dashboards.views.results import (
    METRIC_LABELS,
    ChangeView,
    FeedItem,
    MetricView,
    crosstab_table,
    feed_items,
    format_value,
    period_label,
    trend_chart,
)


class CustomMixin(OrgViewMixin):
    permission = Perm.DASHBOARDS_VIEW
    kwargs: dict[str, Any]

    @cached_property
    def scope(self) -> AccessScope:
        return access_scope_for(membership=self.membership)

    @cached_property
    def dashboard(self) -> Dashboard:
        try:
            return dashboard_get(
                organization=self.organization,
                user=self.membership.user,
                dashboard_id=self.kwargs["dashboard_id"],
            )
        except Dashboard.DoesNotExist:
            raise Http404 from None

    def editable_dashboard(self) -> Dashboard:
        dashboard = self.dashboard
        if not dashboard_editable_by(dashboard=dashboard, membership=self.membership):
            raise PermissionDenied
        return dashboard

    def detail_url(self, dashboard: Dashboard) -> str:
        return reverse("dashboards:custom_detail", args=[self.organization.slug, dashboard.pk])


class DashboardListView(CustomMixin, TemplateView):
    template_name = "dashboards/custom/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        dashboards = dashboards_for(organization=self.organization, user=self.membership.user)
        context["mine"] = [d for d in dashboards if d.owner_id == self.membership.user_id]
        context["shared"] = [d for d in dashboards if d.owner_id != self.membership.user_id]
        context["can_create"] = self.can(Perm.DASHBOARDS_EDIT)
        return context


class _DashboardFormView(CustomMixin, FormView):
    form_class = DashboardForm
    template_name = "dashboards/custom/form.html"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "organization": self.organization, "scope": self.scope}


class DashboardCreateView(_DashboardFormView):
    permission = Perm.DASHBOARDS_EDIT

    def form_valid(self, form: DashboardForm) -> HttpResponse:
        try:
            dashboard = services.dashboard_create(
                organization=self.organization,
                actor=self.membership,
                name=form.cleaned_data["name"],
                shared=form.cleaned_data["shared"],
                filters=form.saved_filters(),
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Dashboard created. Add its first tile."))
        return redirect(self.detail_url(dashboard))


class DashboardEditView(_DashboardFormView):
    permission = Perm.DASHBOARDS_EDIT

    def get_initial(self) -> dict[str, Any]:
        return DashboardForm.initial_for(self.editable_dashboard())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "dashboard": self.editable_dashboard()}

    def form_valid(self, form: DashboardForm) -> HttpResponse:
        dashboard = self.editable_dashboard()
        try:
            services.dashboard_update(
                dashboard=dashboard,
                actor=self.membership,
                name=form.cleaned_data["name"],
                shared=form.cleaned_data["shared"],
                filters=form.saved_filters(),
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Dashboard saved."))
        return redirect(self.detail_url(dashboard))


class DashboardDeleteView(CustomMixin, View):
    permission = Perm.DASHBOARDS_EDIT
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        dashboard = self.editable_dashboard()
        services.dashboard_delete(dashboard=dashboard, actor=self.membership)
        messages.success(request, _("Dashboard deleted."))
        return redirect("dashboards:custom_list", self.organization.slug)


# --- showing tiles ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BreakdownRow:
    label: str
    value: str
    n: int
    responses: int


@dataclass
class TileView:
    data: TileData
    title: str | Promise
    subtitle: str
    metric: MetricView | None = None
    previous: MetricView | None = None
    change: ChangeView | None = None
    chart: Chart | None = None
    breakdown: list[BreakdownRow] | None = None
    columns: list[Group] | None = None
    table: list[tuple[Group, list[tuple[str, int]]]] | None = None
    feed: list[FeedItem] | None = None

    @property
    def tile(self) -> Tile:
        return self.data.tile


_KIND_LABELS = dict(TileKind.choices)
_GROUP_LABELS = dict(GROUP_BY_CHOICES)
_INTERVAL_LABELS = dict(INTERVAL_CHOICES)


def tile_view(data: TileData) -> TileView:
    tile, metric = data.tile, data.metric
    metric_label = METRIC_LABELS[metric]
    default_title: str | Promise = _KIND_LABELS.get(tile.kind, tile.kind)
    filters = data.filters
    subtitle = period_label(filters.start, filters.end) if filters.start and filters.end else ""
    view = TileView(data=data, title=tile.title or default_title, subtitle=subtitle)
    if tile.kind == TileKind.METRIC and data.estimate is not None and data.previous is not None:
        view.title = tile.title or metric_label
        view.metric = MetricView.of(metric, data.estimate, data.nps_groups)
        view.previous = MetricView.of(metric, data.previous)
        view.change = ChangeView.of(metric, data.change) if data.change is not None else None
    elif tile.kind == TileKind.TREND:
        view.title = tile.title or _("%(metric)s by %(interval)s") % {
            "metric": metric_label,
            "interval": _INTERVAL_LABELS.get(data.interval, data.interval),
        }
        view.chart = trend_chart(
            title=str(view.title), metric=metric, points=data.series, interval=data.interval
        )
    elif tile.kind == TileKind.BREAKDOWN:
        group_by = tile.config.get("group_by", "channel")
        view.title = tile.title or _("%(metric)s by %(dimension)s") % {
            "metric": metric_label,
            "dimension": str(_GROUP_LABELS.get(group_by, group_by)).lower(),
        }
        estimates = [(g, estimate(g.tally, metric)) for g in data.groups]
        view.breakdown = [
            BreakdownRow(g.label, format_value(metric, e.value), e.n, g.tally.responses) for g, e in estimates
        ]
        if estimates:
            view.chart = bar_chart(
                title=str(view.title),
                labels=[g.label for g, _e in estimates],
                values=[e.value for _g, e in estimates],
                horizontal=True,
                value_format="{:.1f}" if metric == "ces" else "{:.0f}",
                value_header=str(metric_label),
            )
    elif tile.kind == TileKind.CROSSTAB:
        view.title = tile.title or _("%(metric)s cross-tab") % {"metric": metric_label}
        view.columns = data.columns
        view.table = crosstab_table(metric, data.rows, data.columns, data.cells)
    elif tile.kind == TileKind.THEMES and data.themes:
        view.chart = bar_chart(
            title=str(view.title),
            labels=[t.name for t in data.themes],
            values=[t.count for t in data.themes],
            horizontal=True,
            value_header=_("Comments"),
        )
    elif tile.kind == TileKind.FEED:
        view.feed = feed_items(data.feed)
    return view


class DashboardDetailView(CustomMixin, TemplateView):
    template_name = "dashboards/custom/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        dashboard = self.dashboard
        today = org_today(self.organization)
        tiles = [
            tile_view(
                tile_read(
                    organization=self.organization,
                    scope=self.scope,
                    tile=tile,
                    dashboard_filters=dashboard.filters or {},
                    today=today,
                )
            )
            for tile in dashboard_tiles(dashboard=dashboard)
        ]
        context.update(
            dashboard=dashboard,
            tiles=tiles,
            can_edit=dashboard_editable_by(dashboard=dashboard, membership=self.membership),
            kinds=TileKind.choices,
            restricted=not self.scope.unrestricted,
        )
        return context


# --- changing tiles -----------------------------------------------------------------------------------


class TileFormView(CustomMixin, FormView):
    """Add a tile (``?kind=`` picks the form) or edit one; each kind has its own form."""

    permission = Perm.DASHBOARDS_EDIT
    template_name = "dashboards/custom/tile_form.html"

    @cached_property
    def tile(self) -> Tile | None:
        tile_id = self.kwargs.get("tile_id")
        if tile_id is None:
            return None
        try:
            return tile_get(dashboard=self.editable_dashboard(), tile_id=tile_id)
        except Tile.DoesNotExist:
            raise Http404 from None

    @cached_property
    def kind(self) -> str:
        if self.tile is not None:
            return self.tile.kind
        return self.request.POST.get("kind") or self.request.GET.get("kind") or ""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.editable_dashboard()
        if self.kind not in TILE_FORMS:
            # No kind yet (or an unknown one): show the choice of kinds.
            return self.render_to_response(self.get_context_data(form=None, kinds=TileKind.choices))
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.editable_dashboard()
        if self.kind not in TILE_FORMS:
            raise Http404
        return super().post(request, *args, **kwargs)

    def get_form_class(self) -> type[TileForm]:
        return TILE_FORMS[self.kind]

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "organization": self.organization, "scope": self.scope}

    def get_initial(self) -> dict[str, Any]:
        if self.tile is None:
            return {}
        return self.get_form_class().initial_for(self.tile.config or {}, self.tile.title)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "dashboard": self.dashboard,
            "tile": self.tile,
            "kind": self.kind,
            "kind_label": _KIND_LABELS.get(self.kind, self.kind),
        }

    def form_valid(self, form: TileForm) -> HttpResponse:
        try:
            if self.tile is None:
                services.tile_create(
                    dashboard=self.dashboard,
                    actor=self.membership,
                    kind=self.kind,
                    title=form.cleaned_data.get("title") or "",
                    config=form.config(),
                )
                messages.success(self.request, _("Tile added."))
            else:
                services.tile_update(
                    tile=self.tile,
                    actor=self.membership,
                    title=form.cleaned_data.get("title") or "",
                    config=form.config(),
                )
                messages.success(self.request, _("Tile saved."))
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        return redirect(self.detail_url(self.dashboard))


class _TileActionView(CustomMixin, View):
    permission = Perm.DASHBOARDS_EDIT
    http_method_names = ["post"]

    def get_tile(self) -> Tile:
        try:
            return tile_get(dashboard=self.editable_dashboard(), tile_id=self.kwargs["tile_id"])
        except Tile.DoesNotExist:
            raise Http404 from None


class TileDeleteView(_TileActionView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.tile_delete(tile=self.get_tile(), actor=self.membership)
        messages.success(request, _("Tile removed."))
        return redirect(self.detail_url(self.dashboard))


class TileMoveView(_TileActionView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        tile = self.get_tile()
        try:
            services.tile_move(tile=tile, actor=self.membership, direction=request.POST.get("direction", ""))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(f"{self.detail_url(self.dashboard)}#tile-{tile.pk}")


class TileOrderView(CustomMixin, View):
    """The new order after a drag (``order`` = tile ids, repeated); JSON for scripts, else a redirect."""

    permission = Perm.DASHBOARDS_EDIT
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        dashboard = self.editable_dashboard()
        wants_json = "application/json" in request.headers.get("Accept", "")
        try:
            order = [int(value) for value in request.POST.getlist("order")]
            services.tiles_reorder(dashboard=dashboard, actor=self.membership, tile_ids=order)
        except (ValueError, ValidationError) as error:
            text = (
                " ".join(error.messages)
                if isinstance(error, ValidationError)
                else _("The order is not valid.")
            )
            if wants_json:
                return JsonResponse({"error": text}, status=400)
            messages.error(request, text)
            return redirect(self.detail_url(dashboard))
        if wants_json:
            return JsonResponse({"order": order})
        return redirect(self.detail_url(dashboard))
