"""The builder: /o/<org_slug>/surveys/<survey_id>/builder/ (page, draft saving, publishing) and versions."""

from django.urls import URLPattern, URLResolver, path

from surveys.views.builder import BuilderDraftView, BuilderPublishView, BuilderView, SurveyVersionsView

urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:survey_id>/builder/", BuilderView.as_view(), name="builder"),
    path("<int:survey_id>/builder/draft", BuilderDraftView.as_view(), name="builder_draft"),
    path("<int:survey_id>/builder/publish", BuilderPublishView.as_view(), name="builder_publish"),
    path("<int:survey_id>/versions/", SurveyVersionsView.as_view(), name="survey_versions"),
]
