"""The hosted link survey: /s/<public_id>/ (no login)."""

from django.urls import URLPattern, URLResolver

app_name = "public_survey"

urlpatterns: list[URLPattern | URLResolver] = []
