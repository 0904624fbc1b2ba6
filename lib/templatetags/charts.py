"""Small formatting helpers for figures in templates: `{% load charts %}`."""

from __future__ import annotations

from django import template

from lib.charts import format_percent

register = template.Library()


@register.filter
def percent(value: float | None, digits: int = 0) -> str:
    """0.834 -> "83%"; None (no data) -> "—"."""
    if value is None or value == "":
        return "—"
    return format_percent(float(value), int(digits))


@register.filter
def occupancy_level(rate: float | None) -> str:
    """The badge class for an occupancy rate: over capacity is bad, above 90% a warning."""
    if rate is None or rate == "":
        return "na"
    rate = float(rate)
    if rate > 1:
        return "bad"
    if rate > 0.9:
        return "warn"
    return "good"


@register.filter
def compliance_level(compliant: bool | None) -> str:
    """The badge class for an indicator's verdict (None: not applicable)."""
    if compliant is None:
        return "na"
    return "good" if compliant else "bad"


@register.filter
def share_of(part: int | None, whole: int | None) -> float | None:
    """part / whole, or None when there is no whole to divide by."""
    if not whole or part is None:
        return None
    return part / whole
