"""`{% complaints_overview %}`: the complaint figures on the national overview, each linking to
the inbox list it counts (the same filter computes both: complaints.views.figures.inbox_figures)."""

from __future__ import annotations

from typing import Any

from django import template

from complaints.views.figures import inbox_figures

register = template.Library()


@register.inclusion_tag("complaints/_overview_figures.html", takes_context=True)
def complaints_overview(context: Any) -> dict[str, Any]:
    user = context.get("user")
    return {"inbox_figures": inbox_figures(user) if user is not None else []}
