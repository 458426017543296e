"""Feedback pages: ``/o/<org_slug>/feedback/...``."""

from django.urls import URLPattern, URLResolver, include, path

from feedback.alerts import urls as alert_urls
from feedback.views import imports, responses

app_name = "feedback"

urlpatterns: list[URLPattern | URLResolver] = [
    path("responses/", responses.ResponseListView.as_view(), name="response_list"),
    path("responses/<int:response_id>/", responses.ResponseDetailView.as_view(), name="response_detail"),
    path("imports/", imports.ImportListView.as_view(), name="import_list"),
    path("imports/new/", imports.ImportUploadView.as_view(), name="import_upload"),
    path("imports/<int:job_id>/", imports.ImportDetailView.as_view(), name="import_detail"),
    path("imports/<int:job_id>/mapping/", imports.ImportMappingView.as_view(), name="import_mapping"),
    path("imports/<int:job_id>/progress/", imports.ImportProgressView.as_view(), name="import_progress"),
    path("imports/<int:job_id>/start/", imports.ImportStartView.as_view(), name="import_start"),
    path("imports/<int:job_id>/rejected.csv", imports.ImportRejectedView.as_view(), name="import_rejected"),
    path("alerts/", include(alert_urls.urlpatterns)),
]
