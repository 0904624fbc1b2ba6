"""The visit planner's factor for open critical findings (registered in visits.risk on start-up)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy, ngettext

from visits.risk import Contribution, factor

POINTS_PER_FINDING = 15
MAX_POINTS = 45


@factor("open_critical_findings", gettext_lazy("Open critical findings"))
def open_critical_findings(facilities: Any, today: dt.date) -> dict[int, Contribution]:
    """Confirmed critical findings not yet resolved (selectors.open_condition): 15 points each, at most 45."""
    from visits.models import Finding, Severity
    from visits.reports.selectors import open_condition

    rows = (Finding.objects.filter(open_condition(), facility__in=facilities, severity=Severity.CRITICAL)
            .values("facility").annotate(n=Count("id")).values_list("facility", "n"))
    return {pk: Contribution(min(MAX_POINTS, n * POINTS_PER_FINDING), ngettext(
        "%(count)d critical finding still open.", "%(count)d critical findings still open.", n) % {"count": n})
        for pk, n in rows}
