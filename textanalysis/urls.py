"""Text analytics pages: ``/o/<org_slug>/insights/text/...``."""

from django.urls import URLPattern, URLResolver, path

from textanalysis import views

app_name = "textanalysis"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.ThemeListView.as_view(), name="theme_list"),
    path("themes/new/", views.ThemeFormView.as_view(), name="theme_create"),
    path("themes/defaults/", views.ThemeDefaultsView.as_view(), name="theme_install_defaults"),
    path("themes/<int:theme_id>/", views.ThemeFormView.as_view(), name="theme_edit"),
    path("themes/<int:theme_id>/delete/", views.ThemeDeleteView.as_view(), name="theme_delete"),
    path("tags/", views.TagListView.as_view(), name="tag_list"),
    path("tags/<int:tag_id>/", views.TagFormView.as_view(), name="tag_edit"),
    path("tags/<int:tag_id>/delete/", views.TagDeleteView.as_view(), name="tag_delete"),
    path("responses/<int:response_id>/tags/", views.ResponseTagAddView.as_view(), name="response_tag_add"),
    path(
        "responses/<int:response_id>/tags/<int:tag_id>/remove/",
        views.ResponseTagRemoveView.as_view(),
        name="response_tag_remove",
    ),
]
