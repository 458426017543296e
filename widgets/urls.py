"""Websites that embed the widget: ``/o/<org_slug>/sites/...``."""

from django.urls import path

from widgets import views

app_name = "widgets"

urlpatterns = [
    path("", views.SiteListView.as_view(), name="site_list"),
    path("new/", views.SiteFormView.as_view(), name="site_create"),
    path("<int:site_id>/", views.SiteDetailView.as_view(), name="site_detail"),
    path("<int:site_id>/edit/", views.SiteFormView.as_view(), name="site_edit"),
    path("<int:site_id>/rotate/", views.SiteRotateView.as_view(), name="site_rotate"),
    path("<int:site_id>/revoke/", views.SiteRevokeView.as_view(), name="site_revoke"),
    path("<int:site_id>/button/", views.SiteButtonView.as_view(), name="site_button"),
    path("<int:site_id>/surveys/new/", views.InterceptFormView.as_view(), name="intercept_create"),
    path(
        "<int:site_id>/surveys/<int:intercept_id>/", views.InterceptFormView.as_view(), name="intercept_edit"
    ),
    path(
        "<int:site_id>/surveys/<int:intercept_id>/remove/",
        views.InterceptDeleteView.as_view(),
        name="intercept_delete",
    ),
]
