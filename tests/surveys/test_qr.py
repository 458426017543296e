"""QR codes and the share page: the link they encode, the SVG and PNG drawings, and who may see them."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
import segno
from django.test import override_settings
from PIL import Image

from accounts.models import AccessGroupMembership
from accounts.roles import Role
from surveys.qr import kiosk_link, qr_png, qr_svg, survey_link
from tests.factories import AccessGroupFactory, SurveyFactory, TouchpointFactory

SITE = "https://cx.example.com"
SVG_NS = "{http://www.w3.org/2000/svg}"


def expected_modules(link: str, border: int = 4) -> set[tuple[int, int]]:
    """The dark modules (row, column) of the QR code of ``link``, made independently of our code."""
    symbol = segno.make_qr(link, error="m", boost_error=False)
    return {
        (row + border, col + border)
        for row, line in enumerate(symbol.matrix)
        for col, dark in enumerate(line)
        if dark
    }


def svg_modules(svg: bytes) -> tuple[ET.Element, set[tuple[int, int]]]:
    """Reads segno's SVG path back into dark modules: ``M x y`` and ``m dx dy`` move, ``h n`` draws n."""
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed XML
    path = root.find(f"{SVG_NS}path")
    assert path is not None
    x = y = 0.0
    dark: set[tuple[int, int]] = set()
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path.get("d", "")):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark.update((int(y), int(x) + i) for i in range(int(a)))
            x += float(a)
    return root, dark


def png_modules(png: bytes, scale: int) -> tuple[Image.Image, set[tuple[int, int]]]:
    image = Image.open(io.BytesIO(png)).convert("L")
    modules = image.width // scale
    dark = {
        (row, col)
        for row in range(modules)
        for col in range(modules)
        if image.getpixel((col * scale + scale // 2, row * scale + scale // 2)) < 128
    }
    return image, dark


@override_settings(SITE_URL=SITE)
def test_the_link_carries_the_source_tag_and_the_touchpoint(organization):
    survey = SurveyFactory(organization=organization, public_id="Xk3p9QaL")

    assert survey_link(survey) == f"{SITE}/s/Xk3p9QaL/?source=qr"
    assert survey_link(survey, touchpoint_id=12, source="poster-lobby") == (
        f"{SITE}/s/Xk3p9QaL/?source=poster-lobby&tp=12"
    )
    assert kiosk_link(survey, touchpoint_id=12, idle_seconds=5) == f"{SITE}/s/Xk3p9QaL/kiosk/?tp=12&idle=10"
    assert kiosk_link(survey, idle_seconds=99999) == f"{SITE}/s/Xk3p9QaL/kiosk/?idle=3600"


@pytest.mark.parametrize("tag", ["", "Qr", "9lives", "a b", "a" * 41, "tag?x=1"])
def test_a_bad_source_tag_is_refused(organization, tag):
    survey = SurveyFactory(organization=organization)

    with pytest.raises(ValueError, match="invalid source tag"):
        survey_link(survey, source=tag)


def test_the_svg_is_valid_xml_and_encodes_the_link():
    link = f"{SITE}/s/Xk3p9QaL/?source=qr&tp=12"

    root, dark = svg_modules(qr_svg(link, scale=5, title="Store <1> & more"))

    size = len(segno.make_qr(link, error="m").matrix) + 8
    assert root.tag == f"{SVG_NS}svg"
    assert (root.get("width"), root.get("height")) == (str(size * 5), str(size * 5))
    assert root.findtext(f"{SVG_NS}title") == "Store <1> & more"
    assert dark == expected_modules(link)


def test_the_png_encodes_the_link_with_a_quiet_zone():
    link = f"{SITE}/s/Xk3p9QaL/?source=poster&tp=3"

    png = qr_png(link, scale=6)
    image, dark = png_modules(png, 6)

    size = len(segno.make_qr(link, error="m").matrix) + 8
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert image.size == (size * 6, size * 6)
    assert dark == expected_modules(link)
    assert not any(row < 4 or col < 4 or row >= size - 4 or col >= size - 4 for row, col in dark)


def test_the_scale_is_bounded():
    link = f"{SITE}/s/abc/?source=qr"
    size = len(segno.make_qr(link, error="m").matrix) + 8

    assert Image.open(io.BytesIO(qr_png(link, scale=1000))).size == (size * 40, size * 40)
    assert Image.open(io.BytesIO(qr_png(link, scale=0))).size == (size, size)


# --- the share page ----------------------------------------------------------------------------------


def share_url(organization, survey, name="share/"):
    return f"/o/{organization.slug}/surveys/{survey.pk}/{name}"


@pytest.fixture
def shop(organization):
    return TouchpointFactory(organization=organization, name="Shop Berlin")


@override_settings(SITE_URL=SITE)
def test_a_viewer_sees_the_link_qr_and_kiosk_link(client_for, viewer, organization, live_survey, shop):
    response = client_for(viewer).get(
        share_url(organization, live_survey), {"touchpoint": shop.pk, "source": "poster", "idle": "30"}
    )

    assert response.status_code == 200
    assert response.context["link"] == f"{SITE}/s/{live_survey.public_id}/?source=poster&tp={shop.pk}"
    assert response.context["kiosk"] == f"{SITE}/s/{live_survey.public_id}/kiosk/?tp={shop.pk}&idle=30"
    svg_url = share_url(organization, live_survey, "share/qr.svg")
    assert response.context["svg_url"] == f"{svg_url}?source=poster&scale=10&touchpoint={shop.pk}"
    page = response.content.decode()
    assert f'src="{svg_url}?source=poster&amp;scale=10&amp;touchpoint={shop.pk}"' in page
    assert f'value="{SITE}/s/{live_survey.public_id}/kiosk/?tp={shop.pk}&amp;idle=30"' in page


@override_settings(SITE_URL=SITE)
def test_the_share_page_defaults_to_the_qr_tag_without_a_touchpoint(
    client_for, viewer, organization, live_survey
):
    response = client_for(viewer).get(share_url(organization, live_survey))

    assert response.status_code == 200
    assert response.context["link"] == f"{SITE}/s/{live_survey.public_id}/?source=qr"
    assert response.context["kiosk"] == f"{SITE}/s/{live_survey.public_id}/kiosk/?idle=60"


@override_settings(SITE_URL=SITE)
def test_the_downloads_encode_the_chosen_link(client_for, viewer, organization, live_survey, shop):
    client = client_for(viewer)
    query = {"touchpoint": shop.pk, "source": "poster", "scale": "4", "download": "1"}
    link = f"{SITE}/s/{live_survey.public_id}/?source=poster&tp={shop.pk}"

    svg = client.get(share_url(organization, live_survey, "share/qr.svg"), query)
    png = client.get(share_url(organization, live_survey, "share/qr.png"), query)

    filename = f"survey-{live_survey.public_id}-poster-tp{shop.pk}"
    assert svg.status_code == 200
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg["Content-Disposition"] == f'attachment; filename="{filename}.svg"'
    assert svg_modules(svg.content)[1] == expected_modules(link)
    assert png.status_code == 200
    assert png["Content-Type"] == "image/png"
    assert png["Content-Disposition"] == f'attachment; filename="{filename}.png"'
    assert png_modules(png.content, 4)[1] == expected_modules(link)


def test_the_preview_is_inline(client_for, viewer, organization, live_survey):
    response = client_for(viewer).get(share_url(organization, live_survey, "share/qr.svg"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'inline; filename="survey-{live_survey.public_id}-qr.svg"'


@pytest.mark.parametrize(
    "query",
    [
        {"source": "Bad Tag"},
        {"source": "a" * 41},
        {"source": "qr\x00"},
        {"touchpoint": "999999"},
        {"touchpoint": "99999999999999999999999"},
        {"touchpoint": "x"},
        {"idle": "5"},
        {"scale": "99999999999999999999999"},
    ],
)
def test_bad_choices_are_form_errors(client_for, viewer, organization, live_survey, query):
    response = client_for(viewer).get(share_url(organization, live_survey), query)

    assert response.status_code == 200
    assert set(response.context["form"].errors) == set(query)
    assert "link" not in response.context


@pytest.mark.parametrize("query", [{"source": "Bad Tag"}, {"touchpoint": "999999"}, {"scale": "0"}])
@pytest.mark.parametrize("name", ["share/qr.svg", "share/qr.png"])
def test_bad_choices_make_the_images_404(client_for, viewer, organization, live_survey, query, name):
    response = client_for(viewer).get(share_url(organization, live_survey, name), query)

    assert response.status_code == 404


def test_another_organisations_touchpoint_is_refused(
    client_for, viewer, organization, other_organization, live_survey
):
    theirs = TouchpointFactory(organization=other_organization)
    client = client_for(viewer)

    page = client.get(share_url(organization, live_survey), {"touchpoint": theirs.pk})
    image = client.get(share_url(organization, live_survey, "share/qr.png"), {"touchpoint": theirs.pk})

    assert list(page.context["form"].errors) == ["touchpoint"]
    assert image.status_code == 404


@pytest.mark.parametrize("name", ["share/", "share/qr.svg", "share/qr.png"])
def test_outsiders_get_404_and_anonymous_visitors_sign_in(
    client, client_for, outsider, organization, live_survey, name
):
    assert client_for(outsider).get(share_url(organization, live_survey, name)).status_code == 404
    anonymous = client.get(share_url(organization, live_survey, name))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


def test_a_survey_outside_the_members_access_groups_is_404(client_for, organization, make_member, shop):
    member = make_member(organization, Role.CX_MANAGER, email="limited@acme.test")
    group = AccessGroupFactory(organization=organization, name="Stores")
    group.touchpoints.add(shop)
    AccessGroupMembership.all_orgs.create(organization=organization, access_group=group, membership=member)
    visible = SurveyFactory(organization=organization, touchpoint=shop)
    hidden = SurveyFactory(organization=organization)
    client = client_for(member)

    assert client.get(share_url(organization, visible)).status_code == 200
    assert client.get(share_url(organization, hidden)).status_code == 404
    assert client.get(share_url(organization, hidden, "share/qr.svg")).status_code == 404
    assert [
        t.name
        for t in client.get(share_url(organization, visible)).context["form"].fields["touchpoint"].queryset
    ] == ["Shop Berlin"]
