"""Links that carry a survey to where customers are: printed QR codes and kiosk terminals.

A QR code encodes the link survey's address with a source tag (``?source=qr``, or any tag the team
chooses for one poster) and, optionally, the touchpoint where it hangs (``&tp=<id>``), so that the
responses it brings are counted there. A kiosk link opens the survey full screen on a tablet.
"""

from __future__ import annotations

import io
import re
from typing import Final
from urllib.parse import urlencode

import segno
from django.conf import settings

from surveys.models import Survey

SOURCE_TAG: Final = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
DEFAULT_SOURCE: Final = "qr"

# Pixels (PNG) or user units (SVG) per module: large enough for print, small enough not to be abused.
SCALE_MIN: Final = 1
SCALE_MAX: Final = 40
SCALE_DEFAULT: Final = 10
# The four-module quiet zone the QR standard asks for around the symbol.
QUIET_ZONE: Final = 4

# Seconds without a touch before a kiosk returns to its start screen.
IDLE_MIN: Final = 10
IDLE_MAX: Final = 3600
IDLE_DEFAULT: Final = 60


def valid_source(tag: str) -> bool:
    return bool(SOURCE_TAG.match(tag))


def _site() -> str:
    return str(settings.SITE_URL).rstrip("/")


def survey_link(survey: Survey, *, touchpoint_id: int | None = None, source: str = DEFAULT_SOURCE) -> str:
    """The absolute link survey address with the source tag and the touchpoint (when given)."""
    if not valid_source(source):
        raise ValueError(f"invalid source tag: {source!r}")
    query: dict[str, str | int] = {"source": source}
    if touchpoint_id is not None:
        query["tp"] = touchpoint_id
    return f"{_site()}/s/{survey.public_id}/?{urlencode(query)}"


def clamp_idle(value: int | None) -> int:
    if value is None:
        return IDLE_DEFAULT
    return max(IDLE_MIN, min(IDLE_MAX, value))


def kiosk_link(survey: Survey, *, touchpoint_id: int | None = None, idle_seconds: int = IDLE_DEFAULT) -> str:
    """The absolute address of the survey's kiosk mode."""
    query: dict[str, str | int] = {}
    if touchpoint_id is not None:
        query["tp"] = touchpoint_id
    query["idle"] = clamp_idle(idle_seconds)
    return f"{_site()}/s/{survey.public_id}/kiosk/?{urlencode(query)}"


def clamp_scale(value: int | None) -> int:
    if value is None:
        return SCALE_DEFAULT
    return max(SCALE_MIN, min(SCALE_MAX, value))


def _symbol(link: str) -> segno.QRCode:
    # A full QR code (never a Micro QR, which phone cameras do not read), error correction level M:
    # a code on a poster survives some dirt and glare. boost_error=False keeps it exactly M.
    return segno.make_qr(link, error="m", boost_error=False)


def qr_svg(link: str, *, scale: int = SCALE_DEFAULT, title: str = "") -> bytes:
    """The QR code of ``link`` as a standalone SVG document (UTF-8)."""
    out = io.BytesIO()
    _symbol(link).save(
        out,
        kind="svg",
        scale=clamp_scale(scale),
        border=QUIET_ZONE,
        xmldecl=True,
        svgns=True,
        title=title or None,
        encoding="utf-8",
    )
    return out.getvalue()


def qr_png(link: str, *, scale: int = SCALE_DEFAULT) -> bytes:
    """The QR code of ``link`` as a black-on-white PNG."""
    out = io.BytesIO()
    _symbol(link).save(out, kind="png", scale=clamp_scale(scale), border=QUIET_ZONE)
    return out.getvalue()


def qr_filename(survey: Survey, *, source: str, touchpoint_id: int | None, extension: str) -> str:
    """A download name that says which code it is, e.g. ``survey-Xk3p9QaL-qr-tp12.svg`` (ASCII only)."""
    safe_id = re.sub(r"[^A-Za-z0-9_-]", "", survey.public_id)
    place = f"-tp{touchpoint_id}" if touchpoint_id is not None else ""
    return f"survey-{safe_id}-{source}{place}.{extension}"
