"""The board dashboard behind a share link: ``/board/<token>/...``, no login."""

from django.urls import URLPattern, URLResolver, path

from dashboards.views import board

app_name = "board_public"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:token>/", board.PublicBoardView.as_view(), name="board"),
    path("<str:token>/report.pdf", board.PublicBoardPdfView.as_view(), name="board_pdf"),
]
