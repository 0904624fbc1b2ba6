"""`{% complaints_overview %}`: the complaint figures on the national overview, each linking to
the inbox list it counts (the same filter computes both: complaints.views.figures.inbox_figures)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from complaints.views.figures import inbox_figures

register = template.Library()


@register.inclusion_tag("complaints/_overview_figures.html", takes_context=True)
def complaints_overview(context: Any) -> dict[str, Any]:
    user = context.get("user")
    return {"inbox_figures": inbox_figures(user) if user is not None else []}


@register.filter
def figure_rows(rows: Iterable[Any]) -> SafeString:
    """The ``<tr>`` of each row of a statistics table (a label and its figure, shown suppressed
    as the figure says), written in Python: the facilities' table has hundreds of rows."""
    html = format_html_join("", '<tr><th scope="row">{}</th><td class="num{}">{}</td></tr>', (
        (row.label, " muted" if row.figure.suppressed else "", str(row.figure)) for row in rows))
    return html or format_html('<tr><td colspan="2" class="empty">{}</td></tr>', _("None"))
