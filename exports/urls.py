"""Export pages: ``/o/<org_slug>/exports/...``."""

from django.urls import URLPattern, URLResolver, path

from exports import views

app_name = "exports"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.ExportListView.as_view(), name="export_list"),
    path("new/", views.ExportCreateView.as_view(), name="export_create"),
    path("<int:export_id>/", views.ExportDetailView.as_view(), name="export_detail"),
    path("<int:export_id>/progress/", views.ExportProgressView.as_view(), name="export_progress"),
    path("<int:export_id>/download/", views.ExportDownloadView.as_view(), name="export_download"),
]
