"""A facility's cameras over the last hours, as one server-side SVG: recorded, gap, no signal.

Each camera is a labelled bar across the window. Green is recorded footage, red a gap (an outage,
or a silence not yet old enough to be one), orange a recorder's "no signal", grey the time before
the camera's first segment. Widths are in percent, so the chart stretches from a phone to a wide
screen; the <desc> and the table beside it say the same in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from video import conf
from video.models import Camera, NoSignal, Outage, OutageKind, Segment

COLOURS = {"recorded": "#009e73", "gap": "#b3261e", "no_signal": "#d55e00", "no_data": "#d8dee6"}
MIN_WIDTH = 0.4  # percent
ROW = 46
BAR = 16


@dataclass(frozen=True)
class Span:
    kind: str  # recorded, gap, no_signal, no_data
    start: datetime
    end: datetime


def label(kind: str) -> str:
    return {"recorded": _("Recorded"), "gap": _("Gap: no footage"), "no_signal": _("No signal"),
            "no_data": _("No data yet")}[kind]


def _paint(spans: list[Span], kind: str, start: datetime, end: datetime) -> list[Span]:
    """``spans`` with [start, end) painted ``kind`` over whatever was there."""
    out: list[Span] = []
    for span in spans:
        if span.end <= start or span.start >= end:
            out.append(span)
            continue
        if span.start < start:
            out.append(Span(span.kind, span.start, start))
        if span.end > end:
            out.append(Span(span.kind, end, span.end))
    out.append(Span(kind, max(start, spans[0].start), min(end, spans[-1].end)))
    return sorted((s for s in out if s.end > s.start), key=lambda s: s.start)


def camera_spans(cameras: list[Camera], start: datetime, end: datetime) -> dict[int, list[Span]]:
    """Every camera's spans over [start, end), in four queries for all the cameras together."""
    ids = [c.pk for c in cameras]
    first = dict(Segment.objects.filter(camera_id__in=ids).values("camera_id").annotate(first=Min("start"))
                 .values_list("camera_id", "first"))
    outages = list(Outage.objects.filter(camera_id__in=ids, start__lt=end, end__gt=start)
                   .values_list("camera_id", "kind", "start", "end"))
    silences = list(NoSignal.objects.filter(camera_id__in=ids, start__lt=end, end__gt=start)
                    .values_list("camera_id", "start", "end"))
    threshold = conf.gap_threshold()
    result: dict[int, list[Span]] = {}
    for camera in cameras:
        spans = [Span("recorded", start, end)]
        began = first.get(camera.pk)
        if began is None or began >= end:
            result[camera.pk] = [Span("no_data", start, end)]
            continue
        if began > start:
            spans = _paint(spans, "no_data", start, began)
        last = camera.checked_until or camera.last_end
        if camera.last_end and (last is None or camera.last_end > last):
            last = camera.last_end
        if last is not None and last < end and end - last > threshold:
            spans = _paint(spans, "gap", last, end)
        for camera_id, kind, a, b in outages:
            if camera_id == camera.pk:
                spans = _paint(spans, "no_signal" if kind == OutageKind.NO_SIGNAL else "gap", a, b)
        for camera_id, a, b in silences:
            if camera_id == camera.pk:
                spans = _paint(spans, "no_signal", a, b)
        result[camera.pk] = spans
    return result


def _pct(value: float) -> str:
    return f"{max(0.0, min(100.0, value)):.3f}%"


def _when(at: datetime) -> str:
    return date_format(timezone.localtime(at), "SHORT_DATETIME_FORMAT")


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}


def timeline_svg(cameras: list[Camera], *, hours: int = 24, now: datetime | None = None) -> SafeString:
    now = now or timezone.now()
    start = now - timedelta(hours=hours)
    spans = camera_spans(cameras, start, now)
    total = (now - start).total_seconds()
    title = _("Cameras over the last %(hours)d hours") % {"hours": hours}
    height = ROW * max(1, len(cameras)) + 28
    words: list[str] = []
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="svg-chart video-timeline" width="100%" height="{height}" '
        f'role="img" aria-labelledby="timeline-t timeline-d" font-size="12" fill="#1b2430">',
        f'<title id="timeline-t">{escape(title)}</title>',
    ]
    for row, camera in enumerate(cameras):
        y = row * ROW
        parts.append(f'<text x="0" y="{y + 13}" font-weight="600">{escape(camera.code)} · '
                     f'{escape(camera.get_zone_display())}</text>')
        bad = []
        for span in spans[camera.pk]:
            x = (span.start - start).total_seconds() / total * 100
            # A minute in a day is 0.07%: every span gets at least a visible sliver.
            w = max((span.end - span.start).total_seconds() / total * 100, MIN_WIDTH)
            tip = f"{label(span.kind)}: {_when(span.start)} \u2013 {_when(span.end)}"
            parts.append(f'<rect x="{_pct(x)}" y="{y + 20}" width="{_pct(w)}" height="{BAR}" '
                         f'fill="{COLOURS[span.kind]}" data-kind="{span.kind}"><title>{escape(tip)}</title></rect>')
            if span.kind in ("gap", "no_signal"):
                bad.append(f"{label(span.kind)} {_when(span.start)} \u2013 {_when(span.end)} "
                           f"({_duration(span.end - span.start)})")
        words.append(f"{camera.code}: " + ("; ".join(bad) if bad else _("no gap")))
    axis = ROW * max(1, len(cameras)) + 20
    for i in range(5):
        at = start + (now - start) * i / 4
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        parts.append(f'<text x="{_pct(i * 25)}" y="{axis}" fill="#5b6675" text-anchor="{anchor}">'
                     f'{escape(date_format(timezone.localtime(at), "H:i"))}</text>')
    parts.insert(2, f'<desc id="timeline-d">{escape(". ".join(words))}</desc>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every interpolated text is escaped above)
