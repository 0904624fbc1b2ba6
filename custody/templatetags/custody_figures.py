"""The education and rehabilitation figures on a facility's profile,
``{% load custody_figures %}{% custody_enrolment_figure facility %}``, and the national ones on
the registry's overview, ``{% custody_enrolment_overview %}``.

The facilities app does not import custody; its template loads this tag. The figures are the
registry's (``custody.selectors.enrolment_figures``) for the facility's latest reported month, each
with who reported it; a programme nobody reported is "not reported", never 0.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Max

from custody import selectors
from custody.models import Enrolment
from facilities.models import Facility, FacilityType

register = template.Library()


@register.inclusion_tag("custody/enrolment_figure.html", takes_context=True)
def custody_enrolment_figure(context: Any, facility: Facility) -> dict[str, Any]:
    """Enrolment, completion and who reported, per programme, for the latest month the facility reported.

    Shown to those who may read custody figures (as on the colonies page), for a colony or for a
    facility that has reported any enrolment.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not selectors.may_read_programmes(user):
        return {"shown": False}
    month = Enrolment.objects.filter(facility=facility).aggregate(latest=Max("month"))["latest"]
    if month is None:
        return {"shown": facility.type in FacilityType.colonies(), "month": None, "programmes": []}
    figures = selectors.enrolment_figures(Facility.objects.filter(pk=facility.pk), month)
    programmes = []
    for programme in figures["programmes"]:
        reports = [row for row in figures["rows"] if row.programme == programme["programme"]]
        programmes.append({**programme, "reports": reports})
    return {"shown": True, "month": month, "programmes": programmes}


@register.inclusion_tag("custody/enrolment_overview.html", takes_context=True)
def custody_enrolment_overview(context: Any) -> dict[str, Any]:
    """The national figures: per programme, the people enrolled and completing, summed over the
    latest report per facility of the reader's mandate, with the facilities that reported and
    those that did not, each linking to its list (one query)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not selectors.may_read_programmes(user):
        return {"shown": False}
    return {"shown": True, **selectors.enrolment_table(selectors.programme_facilities_for(user))}
