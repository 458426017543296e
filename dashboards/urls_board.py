"""The board dashboard under ``/o/<org_slug>/insights/``."""

from django.urls import URLPattern, URLResolver, path

from dashboards.views import board

urlpatterns: list[URLPattern | URLResolver] = [
    path("board/", board.BoardView.as_view(), name="board"),
    path("board/report.pdf", board.BoardPdfView.as_view(), name="board_pdf"),
    path("board/shares/", board.BoardSharesView.as_view(), name="board_shares"),
    path(
        "board/shares/<int:share_id>/revoke/",
        board.BoardShareRevokeView.as_view(),
        name="board_share_revoke",
    ),
    path("board/digest/", board.DigestSettingsView.as_view(), name="digest_settings"),
]
