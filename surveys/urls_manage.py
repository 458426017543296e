"""Survey management under /o/<org_slug>/surveys/ (included by surveys/urls.py, app "surveys")."""

from django.urls import URLPattern, URLResolver, path

from surveys.views import manage

urlpatterns: list[URLPattern | URLResolver] = [
    path("", manage.SurveyListView.as_view(), name="survey_list"),
    path("new/", manage.SurveyCreateView.as_view(), name="survey_create"),
    path("<int:survey_id>/", manage.SurveyDetailView.as_view(), name="survey_detail"),
    path("<int:survey_id>/settings/", manage.SurveySettingsView.as_view(), name="survey_settings"),
    path("<int:survey_id>/status/", manage.SurveyStatusView.as_view(), name="survey_status"),
    path("<int:survey_id>/duplicate/", manage.SurveyDuplicateView.as_view(), name="survey_duplicate"),
    path("<int:survey_id>/delete/", manage.SurveyDeleteView.as_view(), name="survey_delete"),
    # the journey: stages and touchpoints
    path("touchpoints/", manage.TouchpointListView.as_view(), name="touchpoint_list"),
    path("touchpoints/new/", manage.TouchpointFormView.as_view(), name="touchpoint_create"),
    path("touchpoints/<int:touchpoint_id>/", manage.TouchpointFormView.as_view(), name="touchpoint_edit"),
    path(
        "touchpoints/<int:touchpoint_id>/delete/",
        manage.TouchpointDeleteView.as_view(),
        name="touchpoint_delete",
    ),
    path("stages/new/", manage.StageFormView.as_view(), name="stage_create"),
    path("stages/<int:stage_id>/", manage.StageFormView.as_view(), name="stage_edit"),
    path("stages/<int:stage_id>/delete/", manage.StageDeleteView.as_view(), name="stage_delete"),
    path("stages/<int:stage_id>/move/", manage.StageMoveView.as_view(), name="stage_move"),
]
