"""Charts as server-side SVG: no JavaScript, readable on a wide screen and on a phone, reusable in print.

Every function returns SVG markup already marked safe. Horizontal geometry is given in percent
of the chart's width, so a chart stretches to its container while its text keeps a readable
size; vertical geometry is in pixels. Every chart carries role="img", a <title> and a <desc>
that states the values in words, so screen readers and the PDF's text layer get the numbers too.
Callers pass translated labels; numbers are formatted for the active language.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

INK = "#1b2430"
MUTED = "#5b6675"
GRID = "#d8dee6"
ACCENT = "#0b5cad"
BAD = "#b3261e"
FONT = "system-ui, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif"
# Distinguishable with the common colour-vision deficiencies (Okabe-Ito order, darkened for contrast).
PALETTE = ("#0b5cad", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#56b4e9", "#5b6675")

Formatter = Callable[[float], str]
# A white outline behind text that may cross a line, so it stays legible.
HALO = ' stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
BAR_ROW_HEIGHT = 40
LEGEND_LINE_CHARS = 44  # about what a 390-pixel phone shows at 12px in a card


def format_number(value: float | Decimal) -> str:
    """A count or a measure (one decimal) in the active language's notation, with digit grouping:
    39 161 and 2,4 in Kazakh and Russian, 39,161 and 2.4 in English."""
    if not isinstance(value, int) and not float(value).is_integer():
        return number_format(value, 1, force_grouping=True)
    return number_format(int(value), 0, force_grouping=True)


def format_percent(share: float, digits: int = 0) -> str:
    """0.834 -> "83%" (with a decimal comma in Kazakh and Russian when `digits` > 0)."""
    return f"{number_format(round(share * 100, digits), digits, force_grouping=True)}%"


def format_day(day: dt.date) -> str:
    """A date in the active language's words, never ambiguous like 11/12/2026."""
    return date_format(day, "DATE_FORMAT")


@dataclass(frozen=True)
class Bar:
    """One row of a horizontal bar chart; `target` draws a marker (e.g. capacity) across the bar."""

    label: str
    value: float
    target: float | None = None
    note: str = ""  # shown after the value, e.g. an occupancy percentage
    href: str = ""  # where the row leads, in linked_bar_chart


@dataclass(frozen=True)
class Segment:
    label: str
    value: float
    colour: str = ""


@dataclass(frozen=True)
class Point:
    date: dt.date
    value: float


def _pct(value: float) -> str:
    return f"{value:.2f}%"


def _chart_id(kind: str, *parts: object) -> str:
    digest = hashlib.blake2s(repr((kind, parts)).encode(), digest_size=5).hexdigest()
    return f"chart-{kind}-{digest}"


def _open(chart_id: str, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="svg-chart" width="100%" height="{height}" '
        f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d" font-family="{escape(FONT)}" '
        f'font-size="12" fill="{INK}">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]


def _empty(chart_id: str, title: str, empty_text: str) -> SafeString:
    text = empty_text or _("No data to show.")
    parts = _open(chart_id, 40, title, text)
    parts.append(f'<text x="0" y="24" fill="{MUTED}">{escape(text)}</text></svg>')
    return mark_safe("".join(parts))  # noqa: S308 (every interpolated text is escaped above)


def _bar_text(bar: Bar, fmt: Formatter) -> str:
    text = fmt(bar.value)
    return f"{text} · {bar.note}" if bar.note else text


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    description: str = "",
    value_label: str = "",
    target_label: str = "",
    empty_text: str = "",
    fmt: Formatter = format_number,
    plot_share: float = 0.68,
) -> SafeString:
    """Horizontal bars, one row per item: label above, bar below, value after the bar.

    The longest bar or marker spans `plot_share` of the width; the rest is room for the value.
    Where a bar passes its target the part beyond it is drawn in red.
    """
    chart_id = _chart_id("bar", title, bars)
    if not bars:
        return _empty(chart_id, title, empty_text)
    top = max(max(b.value, b.target or 0) for b in bars) or 1
    scale = plot_share * 100 / top
    legend_height = _legend_height(bars, value_label, target_label)
    row_height = BAR_ROW_HEIGHT
    height = legend_height + row_height * len(bars) + 4
    if not description:
        description = "; ".join(_describe_bar(b, fmt, target_label) for b in bars) + "."
    parts = _open(chart_id, height, title, description)
    if legend_height:
        parts.append(
            f'<g aria-hidden="true"><rect x="0" y="5" width="12" height="10" fill="{ACCENT}"/>'
            f'<text x="18" y="14" fill="{MUTED}">{escape(value_label)}'
            f'<tspan dx="14" fill="{INK}" font-weight="700">|</tspan>'
            f'<tspan dx="6">{escape(target_label)}</tspan></text></g>'
        )
    for i, bar in enumerate(bars):
        y = legend_height + i * row_height
        value = max(bar.value, 0)
        end = value * scale
        within = min(value, bar.target) * scale if bar.target is not None else end
        marker = bar.target * scale if bar.target is not None else None
        text_at = max(end, marker or 0)
        row = [f"<title>{escape(_describe_bar(bar, fmt, target_label))}</title>"]
        row.append(f'<text x="0" y="{y + 13}" font-size="13">{escape(bar.label)}</text>')
        if within > 0:
            row.append(f'<rect x="0" y="{y + 18}" width="{_pct(within)}" height="14" rx="2" fill="{ACCENT}"/>')
        if end > within:
            row.append(
                f'<rect x="{_pct(within)}" y="{y + 18}" width="{_pct(end - within)}" height="14" fill="{BAD}"/>'
            )
        if marker is not None:
            row.append(
                f'<line x1="{_pct(marker)}" x2="{_pct(marker)}" y1="{y + 15}" y2="{y + 35}" '
                f'stroke="{INK}" stroke-width="2"/>'
            )
        row.append(
            f'<text x="{_pct(text_at)}" dx="7" y="{y + 29}" fill="{MUTED}">{escape(_bar_text(bar, fmt))}</text>'
        )
        parts.append(f"<g>{''.join(row)}</g>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every interpolated text is escaped above)


def _legend_height(bars: Sequence[Bar], value_label: str, target_label: str) -> int:
    has_targets = any(b.target is not None for b in bars)
    return 22 if has_targets and (value_label or target_label) else 0


def linked_bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    links_label: str,
    value_label: str = "",
    target_label: str = "",
    empty_text: str = "",
    fmt: Formatter = format_number,
) -> SafeString:
    """A bar chart whose rows lead somewhere: bar_chart's SVG with an HTML link laid over each row.

    The links sit beside the SVG rather than inside it: a role="img" is one image to assistive
    technology and must not contain controls. Each link is named by its row's figures. It needs
    the page's CSS (.linked-chart, .chart-links); for print, use bar_chart.
    """
    svg = bar_chart(bars, title=title, value_label=value_label, target_label=target_label,
                    empty_text=empty_text, fmt=fmt)
    top = _legend_height(bars, value_label, target_label)
    links = []
    for bar in bars:
        if bar.href:
            text = escape(_describe_bar(bar, fmt, target_label))
            links.append(
                f'<li><a href="{escape(bar.href)}" title="{text}">'
                f'<span class="visually-hidden">{text}</span></a></li>'
            )
        else:
            links.append('<li aria-hidden="true"></li>')  # keeps the following links on their rows
    if not any(bar.href for bar in bars):
        return svg
    # Rows are laid out by the stylesheet (no style attributes: the Content-Security-Policy forbids them).
    return format_html(
        '<div class="linked-chart">{}<ul class="chart-links{}" aria-label="{}">{}</ul></div>',
        svg, " below-legend" if top else "", links_label,
        mark_safe("".join(links)),  # noqa: S308 (every interpolated text is escaped above)
    )


def _describe_bar(bar: Bar, fmt: Formatter, target_label: str) -> str:
    text = f"{bar.label}: {_bar_text(bar, fmt)}"
    if bar.target is not None:
        text += f" ({target_label or _('target')} {fmt(bar.target)})"
    return text


def nice_scale(top: float, intervals: int = 5, *, integer: bool = False) -> tuple[float, float]:
    """A round upper bound at or above `top` and a round grid step, at most `intervals` steps apart.

    With `integer`, the step is at least 1 (counts have no fractional grid lines).
    """
    if top <= 0:
        return (1, 1) if integer else (1.0, 1.0 / intervals)
    raw = top / intervals
    magnitude = 10 ** math.floor(math.log10(raw))
    if integer and magnitude < 10:
        magnitude = max(magnitude, 1)
        step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    else:
        step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return math.ceil(top / step) * step, step


def line_chart(
    points: Sequence[Point],
    *,
    title: str,
    description: str = "",
    value_label: str = "",
    reference: float | None = None,
    reference_label: str = "",
    empty_text: str = "",
    fmt: Formatter = format_number,
    height: int = 240,
) -> SafeString:
    """A series over time with an optional horizontal reference line (e.g. capacity).

    Points are sorted by date; the x axis is proportional to time and labelled by year.
    """
    points = sorted(points, key=lambda p: p.date)
    chart_id = _chart_id("line", title, points, reference)
    if not points:
        return _empty(chart_id, title, empty_text)
    values = [p.value for p in points]
    integer = all(isinstance(v, int) for v in [*values, reference or 0])
    top, step = nice_scale(max([*values, reference or 0]) * 1.05, integer=integer)
    plot_top, plot_bottom = 30, height - 26
    first, last = points[0].date, points[-1].date
    span = (last - first).days

    def x(day: dt.date) -> float:
        return 50.0 if span == 0 else 1 + 98 * (day - first).days / span

    def y(value: float) -> float:
        return round(plot_bottom - (plot_bottom - plot_top) * value / top, 1)

    if not description:
        description = _describe_series(points, fmt, reference, reference_label)
    parts = _open(chart_id, height, title, description)
    legend = [f'<g aria-hidden="true"><text x="0" y="14" fill="{MUTED}"><tspan fill="{ACCENT}" font-weight="700">'
              f'&#8212;</tspan> {escape(value_label)}']
    if reference is not None:
        legend.append(f'<tspan dx="14" fill="{BAD}" font-weight="700">- -</tspan> {escape(reference_label)}')
    parts.append("".join(legend) + "</text></g>")
    # Text is drawn after the series so no line crosses it.
    on_top: list[str] = []
    parts.append('<g aria-hidden="true">')
    tick = 0.0
    while tick <= top + step / 2:
        parts.append(f'<line x1="0" x2="100%" y1="{y(tick)}" y2="{y(tick)}" stroke="{GRID}"/>')
        on_top.append(f'<text x="0" y="{y(tick) - 3}" font-size="11" fill="{MUTED}"{HALO}>{escape(fmt(tick))}</text>')
        tick += step
    years = [dt.date(year, 1, 1) for year in range(first.year, last.year + 1) if first <= dt.date(year, 1, 1)]
    labels = [(day, str(day.year)) for day in years] or [(first, format_day(first)), (last, format_day(last))]
    for day, label in labels[: 1 if span == 0 else None]:
        at = x(day)
        anchor = "middle" if span == 0 else "start" if at < 6 else "end" if at > 94 else "middle"
        parts.append(
            f'<line x1="{_pct(at)}" x2="{_pct(at)}" y1="{plot_bottom}" y2="{plot_bottom + 5}" stroke="{MUTED}"/>'
            f'<text x="{_pct(at)}" y="{height - 6}" text-anchor="{anchor}" font-size="11" '
            f'fill="{MUTED}">{escape(label)}</text>'
        )
    parts.append("</g>")
    end = points[-1]
    if reference is not None:
        parts.append(
            f'<line x1="0" x2="100%" y1="{y(reference)}" y2="{y(reference)}" stroke="{BAD}" '
            f'stroke-width="2" stroke-dasharray="6 4"/>'
        )
        # On the other side of the line from the latest point, whose own label sits above it.
        label_y = y(reference) + 15 if end.value >= reference else y(reference) - 5
        on_top.append(
            f'<text x="100%" y="{label_y}" text-anchor="end" fill="{BAD}"{HALO}>'
            f"{escape(reference_label)} {escape(fmt(reference))}</text>"
        )
    for a, b in itertools.pairwise(points):
        parts.append(
            f'<line x1="{_pct(x(a.date))}" y1="{y(a.value)}" x2="{_pct(x(b.date))}" y2="{y(b.value)}" '
            f'stroke="{ACCENT}" stroke-width="2.5" stroke-linecap="round"/>'
        )
    for p in points:
        parts.append(
            f'<circle cx="{_pct(x(p.date))}" cy="{y(p.value)}" r="{4 if p is points[-1] else 2.5}" fill="{ACCENT}">'
            f"<title>{escape(format_day(p.date))}: {escape(fmt(p.value))}</title></circle>"
        )
    parts.extend(on_top)
    parts.append(
        f'<text x="{_pct(x(end.date))}" y="{y(end.value) - 9}" text-anchor="{"end" if x(end.date) > 50 else "start"}" '
        f'font-weight="700" fill="{ACCENT}"{HALO}>{escape(fmt(end.value))}</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every interpolated text is escaped above)


def _describe_series(points: Sequence[Point], fmt: Formatter, reference: float | None, reference_label: str) -> str:
    low = min(points, key=lambda p: p.value)
    high = max(points, key=lambda p: p.value)
    text = ngettext(
        "%(count)s value from %(first)s to %(last)s; latest %(latest)s on %(last)s; "
        "lowest %(low)s on %(low_date)s; highest %(high)s on %(high_date)s.",
        "%(count)s values from %(first)s to %(last)s; latest %(latest)s on %(last)s; "
        "lowest %(low)s on %(low_date)s; highest %(high)s on %(high_date)s.",
        len(points),
    ) % {
        "count": format_number(len(points)), "first": format_day(points[0].date),
        "last": format_day(points[-1].date), "latest": fmt(points[-1].value), "low": fmt(low.value),
        "low_date": format_day(low.date), "high": fmt(high.value), "high_date": format_day(high.date),
    }
    if reference is not None:
        text += f" {reference_label or _('Reference')}: {fmt(reference)}."
    return text


def stacked_bar(
    segments: Sequence[Segment],
    *,
    title: str,
    description: str = "",
    empty_text: str = "",
    fmt: Formatter = format_number,
) -> SafeString:
    """One bar split into parts of a whole, with a legend line per part (value and share)."""
    chart_id = _chart_id("stack", title, segments)
    total = sum(max(s.value, 0) for s in segments)
    if not segments or total <= 0:
        return _empty(chart_id, title, empty_text)
    legend_top = 34
    figures = [f"{fmt(s.value)} ({format_percent(max(s.value, 0) / total)})" for s in segments]
    texts = [f"{s.label}: {figure}" for s, figure in zip(segments, figures, strict=True)]
    # A long legend line would be cut off on a phone: its figures go on a line of their own.
    wrapped = [len(text) > LEGEND_LINE_CHARS for text in texts]
    tops = list(itertools.accumulate((34 if w else 20 for w in wrapped), initial=legend_top))
    height = tops[-1]
    parts = _open(chart_id, height, title, description or "; ".join(texts) + ".")
    offset = 0.0
    for i, (segment, text) in enumerate(zip(segments, texts, strict=True)):
        colour = segment.colour or PALETTE[i % len(PALETTE)]
        width = max(segment.value, 0) / total * 100
        if width > 0:
            parts.append(
                f'<rect x="{_pct(offset)}" y="2" width="{_pct(width)}" height="22" fill="{colour}" '
                f'stroke="#ffffff" stroke-width="1"><title>{escape(text)}</title></rect>'
            )
        offset += width
        y = tops[i]
        shown = escape(text) if not wrapped[i] else (
            f'<tspan>{escape(segment.label)}:</tspan><tspan x="18" dy="14"> {escape(figures[i])}</tspan>')
        parts.append(
            f'<rect x="0" y="{y - 10}" width="12" height="12" rx="2" fill="{colour}" aria-hidden="true"/>'
            f'<text x="18" y="{y}" aria-hidden="true">{shown}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every interpolated text is escaped above)
