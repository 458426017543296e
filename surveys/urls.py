"""Organisation pages under /o/<org_slug>/surveys/: management and the builder."""

from django.urls import URLPattern, URLResolver

from surveys.urls_builder import urlpatterns as builder_patterns
from surveys.urls_manage import urlpatterns as manage_patterns

app_name = "surveys"

urlpatterns: list[URLPattern | URLResolver] = [*manage_patterns, *builder_patterns]

# Sharing: the link with a source tag and a touchpoint, its QR code, the kiosk link (surveys/views/distribute.py).
from django.urls import path  # noqa: E402

from surveys.views import distribute  # noqa: E402

urlpatterns += [
    path("<int:survey_id>/share/", distribute.SurveyShareView.as_view(), name="survey_share"),
    path("<int:survey_id>/share/qr.svg", distribute.SurveyQrSvgView.as_view(), name="survey_qr_svg"),
    path("<int:survey_id>/share/qr.png", distribute.SurveyQrPngView.as_view(), name="survey_qr_png"),
]
