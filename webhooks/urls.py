"""Outgoing webhooks: ``/o/<org_slug>/settings/webhooks/...``."""

from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.EndpointListView.as_view(), name="endpoint_list"),
    path("new/", views.EndpointFormView.as_view(), name="endpoint_create"),
    path("<int:endpoint_id>/", views.EndpointDetailView.as_view(), name="endpoint_detail"),
    path("<int:endpoint_id>/edit/", views.EndpointFormView.as_view(), name="endpoint_edit"),
    path("<int:endpoint_id>/delete/", views.EndpointDeleteView.as_view(), name="endpoint_delete"),
    path("<int:endpoint_id>/rotate/", views.EndpointRotateView.as_view(), name="endpoint_rotate"),
    path("<int:endpoint_id>/test/", views.EndpointPingView.as_view(), name="endpoint_ping"),
    path(
        "<int:endpoint_id>/deliveries/<int:delivery_id>/",
        views.DeliveryDetailView.as_view(),
        name="delivery_detail",
    ),
    path(
        "<int:endpoint_id>/deliveries/<int:delivery_id>/retry/",
        views.DeliveryRetryView.as_view(),
        name="delivery_retry",
    ),
]
