"""Personal invitation links: /i/<token> (no login)."""

from django.urls import URLPattern, URLResolver, path

from campaigns import views_public

app_name = "invite"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:token>", views_public.open_link, name="open"),
    path("<str:token>/o.gif", views_public.pixel, name="pixel"),
]
