"""The inbox's table rows, rendered in Python.

Fifty rows of eight cells through the template engine cost more than the rest of the inbox page
(every variable, filter and tag resolved again in each cell); the same HTML written here, escaped
by ``format_html``, costs a fraction of it. Dates are shown as the template's ``date`` filter shows
them: in the reader's time zone and format.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils import dateformat, formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from complaints.models import Channel, ComplaintStatus, Priority

CHOICES = (("status", ComplaintStatus.choices), ("priority", Priority.choices), ("channel", Channel.choices))


def _when(value: Any, *, fmt: str, zone: Any) -> str:
    return dateformat.format(timezone.localtime(value, zone), fmt)


def inbox_rows(complaints: Iterable[Any]) -> SafeString:
    """The ``<tr>`` of each complaint of an inbox page (as read by ``selectors.inbox_page``)."""
    # Each label looked up once per page: a model's get_*_display rebuilds (and hashes, translating
    # each label) the field's choices on every call.
    labels = {name: {value: str(label) for value, label in choices} for name, choices in CHOICES}
    overdue = format_html(' <span class="badge bad">{}</span>', _("overdue"))
    nobody = format_html('<span class="muted">{}</span>', _("nobody"))
    # The format and zone the date filter would look up for every date, looked up once.
    fmt, zone = formats.get_format("SHORT_DATETIME_FORMAT"), timezone.get_current_timezone()

    def when(value: Any) -> str:
        return _when(value, fmt=fmt, zone=zone)

    def cells(c: Any) -> tuple[Any, ...]:
        priority = labels["priority"].get(c.priority, c.priority)
        person = c.assigned_to
        return (
            c.pk, reverse("complaints:detail", args=[c.pk]), when(c.received_at), c.facility.code,
            c.facility.region.name,
            format_html('<span class="badge bad">{}</span>', priority) if c.priority == Priority.URGENT else priority,
            labels["status"].get(c.status, c.status), when(c.acknowledge_by) if c.acknowledge_by else "—",
            overdue if c.is_overdue else "",
            (person.get_full_name() or person.username) if person is not None else nobody,
            labels["channel"].get(c.channel, c.channel),
        )

    rows = format_html_join("\n", '<tr data-complaint="{}"><td><a href="{}">{}</a></td><td>{}</td><td>{}</td>'
                                  '<td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>',
                            (cells(c) for c in complaints))
    return rows or format_html('<tr><td colspan="8" class="empty">{}</td></tr>', _("No complaint matches."))
