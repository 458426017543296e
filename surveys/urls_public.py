"""The hosted link survey: /s/<public_id>/ (no login)."""

from django.urls import URLPattern, URLResolver, path

from surveys.views import public

app_name = "public_survey"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:public_id>/", public.start, name="start"),
    path("<str:public_id>/q/<str:key>/", public.question, name="question"),
]

# Kiosk mode (surveys/views/public/kiosk.py): the full-screen page and its cookie-less JSON endpoint.
from surveys.views.public import kiosk  # noqa: E402

urlpatterns += [
    path("<str:public_id>/kiosk/", kiosk.kiosk_page, name="kiosk"),
    path("<str:public_id>/kiosk/responses", kiosk.KioskResponseView.as_view(), name="kiosk_responses"),
    path("<str:public_id>/kiosk/sw.js", kiosk.kiosk_worker, name="kiosk_worker"),
]
