"""The PDF board report: it renders (a page converts to a non-blank image), carries the NPS figure, the
organisation and the period, and prints respondent text as text."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from django.urls import reverse
from django.utils import translation
from PIL import ImageStat

from dashboards.board.selectors import hash_token
from dashboards.models import BoardShare
from tests.dashboards.test_board import THEME_NAME, build_board

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> tuple[str, int, object]:
    document = pdfium.PdfDocument(content)
    try:
        text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
        image = document[0].render(scale=1).to_pil()
        return text, len(document), image
    finally:
        document.close()


def test_the_pdf_report_renders_with_the_numbers(organization, owner, client_for):
    build_board(organization)

    response = client_for(owner).get(
        reverse("dashboards:board_pdf", kwargs={"org_slug": organization.slug}), {"period": "90"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text, pages, image = pdf_text(response.content)
    assert pages >= 1
    assert "Board report — Acme" in text
    assert "8" in text.split("NPS", 1)[1][:200]
    assert "-40 – 57" in text
    assert "Link survey" in text
    # The theme's name is printed as text: WeasyPrint never runs scripts.
    assert THEME_NAME in text.replace("\r\n", "\n").replace("\n", "")
    # Page 1 is not blank: some pixels are dark and the page is not one flat colour.
    grey = image.convert("L")
    assert ImageStat.Stat(grey).extrema[0][0] < 100
    assert ImageStat.Stat(grey).stddev[0] > 5
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="board-report-acme-')
    assert disposition.endswith('.pdf"')


def test_the_pdf_is_in_the_viewers_language(organization, make_member, client_for):
    member = make_member(organization, email="ru@acme.test", language="ru")
    build_board(organization)

    response = client_for(member).get(reverse("dashboards:board_pdf", kwargs={"org_slug": organization.slug}))

    text, _pages, _image = pdf_text(response.content)
    with translation.override("ru"):
        heading = translation.gettext("Channel")
    assert heading == "Канал"
    assert heading in text


def test_an_empty_organisation_gets_a_pdf_too(organization, owner, client_for):
    response = client_for(owner).get(reverse("dashboards:board_pdf", kwargs={"org_slug": organization.slug}))

    text, pages, _image = pdf_text(response.content)
    assert (response.status_code, pages) == (200, 1)
    assert "No feedback arrived in this period." in text


def test_the_shared_pdf_needs_no_login(organization, client):
    build_board(organization)
    BoardShare.all_orgs.create(organization=organization, token_hash=hash_token("t" * 43))

    response = client.get(reverse("board_public:board_pdf", kwargs={"token": "t" * 43}))

    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    text, _pages, _image = pdf_text(response.content)
    assert "Board report — Acme" in text
