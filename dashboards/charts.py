"""Server-side charts: pygal SVG embedded as ``<img src="data:image/svg+xml;base64,...">``.

An SVG shown through ``<img>`` never runs scripts and is not touched by the page's CSP except for
``img-src data:``, so the charts work on our strict-CSP pages, in emails that allow images, and in
WeasyPrint (which renders SVG images itself). pygal's ``<script>`` elements are removed anyway: they
would only load its tooltip JavaScript from a CDN.

Every chart comes with its alt text and a data table (first row = header) so that the numbers are
readable without the picture: render both with ``{% include "dashboards/_chart.html" with chart=c %}``.

Drawing is most of a dashboard's time (pygal takes 20–40 ms a chart, the rollup queries a few ms), and
a chart is a pure function of its arguments and the active language: each is kept in the cache under a
hash of those, so a dashboard whose numbers did not change is not drawn again. Without the cache (Redis
down) charts are simply drawn every time.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pygal
from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from pygal.style import Style

logger = logging.getLogger(__name__)
# Bump when the drawing code changes, so that no chart drawn by older code is served.
CHART_VERSION = 1
CHART_CACHE_SECONDS = 24 * 3600

# The app's palette (frontend/app.css): primary first, then colours that stay apart for colour-blind
# readers (Okabe-Ito inspired), all with AA contrast on white.
PALETTE = ("#0b5cad", "#b45309", "#146c2e", "#7c3aed", "#b42318", "#0e7490", "#57606a", "#a21caf")
BAND_COLOUR = "#7fa7d1"
FONT = 'sans-serif, "Noto Sans", "Noto Sans CJK SC"'

_SCRIPT_RE = re.compile(r"<script\b[^>]*?(?:/>|>.*?</script>)", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class Chart:
    svg_data_uri: str
    alt: str
    table: list[tuple[str, ...]]  # first row is the header

    @property
    def head(self) -> tuple[str, ...]:
        return self.table[0] if self.table else ()

    @property
    def body(self) -> list[tuple[str, ...]]:
        return self.table[1:]


def _style(colours: Sequence[str] = PALETTE) -> Style:
    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1b1f24",
        foreground_strong="#1b1f24",
        foreground_subtle="#d0d7de",
        opacity="0.85",
        opacity_hover="0.95",
        transition="0s",
        colors=tuple(colours),
        font_family=FONT,
        title_font_family=FONT,
        label_font_family=FONT,
        major_label_font_family=FONT,
        value_font_family=FONT,
        value_label_font_family=FONT,
        legend_font_family=FONT,
        tooltip_font_family=FONT,
        no_data_font_family=FONT,
        title_font_size=18,
        label_font_size=13,
        major_label_font_size=13,
        legend_font_size=13,
        value_font_size=13,
        value_label_font_size=13,
        no_data_font_size=20,
    )


def _config(**extra: Any) -> dict[str, Any]:
    return {
        "js": [],
        "disable_xml_declaration": True,
        "show_y_guides": True,
        "show_x_guides": False,
        "legend_at_bottom": True,
        "truncate_legend": -1,
        "truncate_label": -1,
        "tooltip_border_radius": 0,
        "no_data_text": _("No data for this period"),
        "margin": 12,
        **extra,
    }


def _to_uri(chart: Any) -> str:
    svg = chart.render(is_unicode=True)
    svg = _SCRIPT_RE.sub("", svg)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _memoised(draw: Callable[..., Chart]) -> Callable[..., Chart]:
    """Keep ``draw``'s charts in the cache under a hash of its arguments and the active language."""

    @functools.wraps(draw)
    def cached(**kwargs: Any) -> Chart:
        spec = json.dumps([CHART_VERSION, draw.__name__, get_language(), kwargs], default=str, sort_keys=True)
        key = "chart:" + hashlib.sha256(spec.encode("utf-8")).hexdigest()
        try:
            hit = cache.get(key)
        except Exception:  # the cache is an optimisation: never let it break a dashboard
            logger.warning("chart cache unavailable", exc_info=True)
            return draw(**kwargs)
        if isinstance(hit, Chart):
            return hit
        chart = draw(**kwargs)
        try:
            cache.set(key, chart, CHART_CACHE_SECONDS)
        except Exception:
            logger.warning("chart cache unavailable", exc_info=True)
        return chart

    return cached


def _fmt(value: float | int | None, value_format: str) -> str:
    return "—" if value is None else value_format.format(value)


@_memoised
def line_chart(
    *,
    title: str,
    x_labels: Sequence[str],
    series: dict[str, list[float | None]],
    y_range: tuple[float, float] | None = None,
    band: tuple[Sequence[float | None], Sequence[float | None]] | None = None,
    value_format: str = "{:.1f}",
) -> Chart:
    """A line per series over ``x_labels``; ``band`` = (CI low, CI high) drawn as two dashed lines in a
    light shade of the first series' colour. ``None`` values leave a gap."""
    colours: list[str] = []
    if band is not None:
        colours += [BAND_COLOUR, BAND_COLOUR]
    colours += list(PALETTE)
    config = _config(
        style=_style(colours),
        width=800,
        height=340,
        x_label_rotation=0 if len(x_labels) <= 8 else 30,
        show_minor_x_labels=len(x_labels) <= 14,
        x_labels_major_every=max(1, len(x_labels) // 7) if len(x_labels) > 14 else None,
        allow_interruptions=True,
        dots_size=3,
        range=y_range,
        formatter=lambda v: _fmt(v, value_format),
    )
    chart = pygal.Line(**config)
    chart.title = title
    chart.x_labels = list(x_labels)
    # xgettext:no-python-format
    low_label = _("95 % interval, low")
    # xgettext:no-python-format
    high_label = _("95 % interval, high")
    if band is not None:
        dashed = {"width": 1.5, "dasharray": "6, 4"}
        chart.add(low_label, list(band[0]), stroke_style=dashed, show_dots=False)
        chart.add(high_label, list(band[1]), stroke_style=dashed, show_dots=False)
    for name, values in series.items():
        chart.add(name, list(values), stroke_style={"width": 3})

    header: tuple[str, ...] = ("", *series.keys())
    if band is not None:
        header = (*header, low_label, high_label)
    rows: list[tuple[str, ...]] = [header]
    for i, label in enumerate(x_labels):
        row = [label] + [_fmt(v[i] if i < len(v) else None, value_format) for v in series.values()]
        if band is not None:
            row += [_fmt(_at(band[0], i), value_format), _fmt(_at(band[1], i), value_format)]
        rows.append(tuple(row))
    points = sum(1 for values in series.values() for v in values if v is not None)
    if points:
        first, last = (x_labels[0], x_labels[-1]) if x_labels else ("", "")
        alt = _("%(title)s: line chart from %(first)s to %(last)s; the values are in the table below.") % {
            "title": title,
            "first": first,
            "last": last,
        }
    else:
        alt = _("%(title)s: no data for this period.") % {"title": title}
    return Chart(svg_data_uri=_to_uri(chart), alt=alt, table=rows)


def _at(values: Sequence[float | None], i: int) -> float | None:
    return values[i] if i < len(values) else None


@_memoised
def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[float | int | None],
    horizontal: bool = False,
    value_format: str = "{:.0f}",
    y_range: tuple[float, float] | None = None,
    value_header: str = "",
) -> Chart:
    """One bar per label (a single series), values printed on the bars."""
    bars = len(labels)
    config = _config(
        style=_style(),
        width=800,
        height=max(220, 60 + 40 * bars) if horizontal else 340,
        show_legend=False,
        print_values=True,
        x_label_rotation=0 if horizontal or bars <= 6 else 30,
        range=y_range,
        formatter=lambda v: _fmt(v, value_format),
    )
    chart = pygal.HorizontalBar(**config) if horizontal else pygal.Bar(**config)
    chart.title = title
    chart.x_labels = list(labels)
    counts = [v for v in values if v is not None]
    if y_range is None and counts and all(float(v).is_integer() for v in counts) and 0 <= max(counts) <= 10:
        # Small counts (a backlog of 3 tickets): whole-number gridlines, not 0.2 steps.
        chart.y_labels = list(range(int(max(counts)) + 2))
    chart.add(value_header or title, list(values))
    rows: list[tuple[str, ...]] = [("", value_header or title)]
    rows += [(label, _fmt(value, value_format)) for label, value in zip(labels, values, strict=False)]
    if any(v is not None for v in values):
        alt = _("%(title)s: bar chart of %(count)s values; they are in the table below.") % {
            "title": title,
            "count": bars,
        }
    else:
        alt = _("%(title)s: no data for this period.") % {"title": title}
    return Chart(svg_data_uri=_to_uri(chart), alt=alt, table=rows)


@_memoised
def stacked_bar(*, title: str, labels: Sequence[str], series: dict[str, list[int]]) -> Chart:
    """Bars of ``labels`` each stacked from the series (e.g. promoters / passives / detractors)."""
    config = _config(
        style=_style(),
        width=800,
        height=340,
        print_values=False,
        x_label_rotation=0 if len(labels) <= 6 else 30,
        formatter=lambda v: _fmt(v, "{:.0f}"),
    )
    chart = pygal.StackedBar(**config)
    chart.title = title
    chart.x_labels = list(labels)
    for name, values in series.items():
        chart.add(name, list(values))
    rows: list[tuple[str, ...]] = [("", *series.keys())]
    for i, label in enumerate(labels):
        rows.append((label, *(_fmt(_at(v, i), "{:.0f}") for v in series.values())))
    if any(v for values in series.values() for v in values):
        alt = _("%(title)s: stacked bar chart; the values are in the table below.") % {"title": title}
    else:
        alt = _("%(title)s: no data for this period.") % {"title": title}
    return Chart(svg_data_uri=_to_uri(chart), alt=alt, table=rows)
