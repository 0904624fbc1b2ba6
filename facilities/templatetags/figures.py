"""Showing counts that may not have been reported, and indicator statuses: `{% load figures %}`."""

from __future__ import annotations

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html
from django.utils.translation import gettext as _

from facilities.indicators import Status

register = template.Library()

STATUS_LEVELS = {Status.MET: "good", Status.NOT_MET: "bad", Status.UNKNOWN: "warn", Status.NOT_APPLICABLE: "na"}


@register.filter
def status_level(status: str) -> str:
    return STATUS_LEVELS.get(status, "na")


@register.filter
def reported(value: int | None) -> str:
    """A count in the locale's digits, or "not reported" (never 0) when it was not reported."""
    if value is None:
        return format_html('<span class="not-reported">{}</span>', _("not reported"))
    return intcomma(value)
