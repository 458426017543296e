"""The PDF board report: the board's print template rendered by WeasyPrint.

WeasyPrint never runs scripts, and its URL fetcher here refuses everything but ``data:`` URIs (the
charts), so nothing in the report can make the server fetch a URL.
"""

from __future__ import annotations

from pathlib import Path

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import formats
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from dashboards.board.context import BoardContext

PRINT_CSS = Path(__file__).with_name("print.css")


def report_filename(board: BoardContext) -> str:
    return f"board-report-{board.organization.slug}-{board.end.isoformat()}.pdf"


def render_board_pdf(*, board: BoardContext, request: HttpRequest | None = None) -> bytes:
    context = {
        "board": board,
        "organization": board.organization,
        "period_text": f"{formats.date_format(board.start, 'DATE_FORMAT')} – "
        f"{formats.date_format(board.end, 'DATE_FORMAT')}",
    }
    html = render_to_string("dashboards/board/report.html", context, request=request)
    pdf: bytes = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=("data",))).write_pdf(
        stylesheets=[CSS(filename=str(PRINT_CSS))]
    )
    return pdf
