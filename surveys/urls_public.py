"""The hosted link survey: /s/<public_id>/ (no login)."""

from django.urls import URLPattern, URLResolver, path

from surveys.views import public

app_name = "public_survey"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:public_id>/", public.start, name="start"),
    path("<str:public_id>/q/<str:key>/", public.question, name="question"),
]
