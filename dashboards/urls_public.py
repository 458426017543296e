"""The board dashboard behind a share link: ``/board/<token>/...``, no login."""

from django.urls import URLPattern, URLResolver

app_name = "board_public"

urlpatterns: list[URLPattern | URLResolver] = []
