"""The survey results page and the custom dashboards, under ``/o/<org_slug>/insights/``."""

from django.urls import URLPattern, URLResolver, path

from dashboards.views import custom, results

urlpatterns: list[URLPattern | URLResolver] = [
    path("results/", results.ResultsIndexView.as_view(), name="results_index"),
    path("results/<int:survey_id>/", results.ResultsView.as_view(), name="results"),
    path("dashboards/", custom.DashboardListView.as_view(), name="custom_list"),
    path("dashboards/new/", custom.DashboardCreateView.as_view(), name="custom_create"),
    path("dashboards/<int:dashboard_id>/", custom.DashboardDetailView.as_view(), name="custom_detail"),
    path("dashboards/<int:dashboard_id>/edit/", custom.DashboardEditView.as_view(), name="custom_edit"),
    path("dashboards/<int:dashboard_id>/delete/", custom.DashboardDeleteView.as_view(), name="custom_delete"),
    path(
        "dashboards/<int:dashboard_id>/tiles/new/", custom.TileFormView.as_view(), name="custom_tile_create"
    ),
    path(
        "dashboards/<int:dashboard_id>/tiles/<int:tile_id>/",
        custom.TileFormView.as_view(),
        name="custom_tile_edit",
    ),
    path(
        "dashboards/<int:dashboard_id>/tiles/<int:tile_id>/delete/",
        custom.TileDeleteView.as_view(),
        name="custom_tile_delete",
    ),
    path(
        "dashboards/<int:dashboard_id>/tiles/<int:tile_id>/move/",
        custom.TileMoveView.as_view(),
        name="custom_tile_move",
    ),
    path(
        "dashboards/<int:dashboard_id>/tiles/order/", custom.TileOrderView.as_view(), name="custom_tile_order"
    ),
]
