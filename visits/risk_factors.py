"""The visit planner's factors from the findings and from the other modules (registered in visits.risk on
start-up): open critical findings, camera outages (video), custody register alerts (custody), complaints and
silent complaint terminals (complaints). Each reads its module only through that module's selector."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
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


# --- Factors read from the other modules, each through that module's own selector ----------------

CAMERA_MAX_POINTS = 30
CUSTODY_POINTS_PER_WEIGHT = 5
CUSTODY_MAX_POINTS = 40
CUSTODY_UNKNOWN_POINTS = 5
SILENT_ALARM_POINTS = 25
OTHER_ALARM_POINTS = 10
COMPLAINT_POINTS = 2
COMPLAINTS_MAX_POINTS = 40
COMPLAINTS_WINDOW_DAYS = 90


@factor("camera_outages", gettext_lazy("Camera outages"))
def camera_outages(facilities: Any, today: dt.date) -> dict[int, Contribution]:
    """video.selectors.outage_risk (0 to 1 over 90 days; 1 = a week of critical outages): up to 30 points."""
    from video.selectors import outage_risk

    out = {}
    for facility in facilities:
        share = outage_risk(facility)
        points = round(share * CAMERA_MAX_POINTS)
        if points > 0:
            out[facility.pk] = Contribution(points, _(
                "Cameras were out in the last 90 days for %(share)s%% of a week of critical outages.") % {
                "share": round(share * 100)})
    return out


@factor("custody_alerts", gettext_lazy("Custody register alerts"))
def custody_alerts(facilities: Any, today: dt.date) -> dict[int, Contribution]:
    """custody.selectors.risk_factor: open alerts of 90 days weighted critical 3, high 2, medium 1, 5 points a
    weight, at most 40; a facility that has sent no register gets 5 points, as unknown is not "no risk"."""
    from custody.selectors import risk_factor

    out = {}
    for facility in facilities:
        found = risk_factor(facility)
        if not found["known"]:
            out[facility.pk] = Contribution(CUSTODY_UNKNOWN_POINTS, _(
                "No custody register has been sent: whether people are held beyond their time is unknown."))
            continue
        if found["score"] <= 0:
            continue
        counts = found["counts"]
        total = sum(counts.values())
        reason = ngettext("%(count)d open custody alert in 90 days", "%(count)d open custody alerts in 90 days",
                          total) % {"count": total}
        reason += " " + _("(critical %(critical)d, high %(high)d, medium %(medium)d)") % {
            "critical": counts.get("critical", 0), "high": counts.get("high", 0), "medium": counts.get("medium", 0)}
        if found["minors"]:
            reason += "; " + ngettext("%(count)d concerns a minor", "%(count)d concern minors",
                                      found["minors"]) % {"count": found["minors"]}
        out[facility.pk] = Contribution(min(CUSTODY_MAX_POINTS, found["score"] * CUSTODY_POINTS_PER_WEIGHT),
                                        reason + ".")
    return out


@factor("complaints", gettext_lazy("Complaints and silent complaint terminals"))
def complaints(facilities: Any, today: dt.date) -> dict[int, Contribution]:
    """complaints.selectors.planner_signals: an open silence alarm (facility or terminal) 25 points each, another
    open suppression alarm 10, and 2 points a complaint received in 90 days (at most 40 in all)."""
    from complaints.selectors import planner_signals

    since = dt.datetime.combine(today - dt.timedelta(days=COMPLAINTS_WINDOW_DAYS), dt.time.min,
                                tzinfo=timezone.get_current_timezone())
    out = {}
    for pk, row in planner_signals(facilities, since=since).items():
        parts = []
        if row["silent"]:
            parts.append(ngettext("%(count)d open alarm that complaints have gone silent",
                                  "%(count)d open alarms that complaints have gone silent",
                                  row["silent"]) % {"count": row["silent"]})
        if row["alarms"]:
            parts.append(ngettext("%(count)d open alarm of a gap or forgery in the terminals' records",
                                  "%(count)d open alarms of gaps or forgeries in the terminals' records",
                                  row["alarms"]) % {"count": row["alarms"]})
        if row["complaints"]:
            parts.append(ngettext("%(count)d complaint in 90 days", "%(count)d complaints in 90 days",
                                  row["complaints"]) % {"count": row["complaints"]})
        points = min(COMPLAINTS_MAX_POINTS, row["silent"] * SILENT_ALARM_POINTS + row["alarms"] * OTHER_ALARM_POINTS
                     + row["complaints"] * COMPLAINT_POINTS)
        if points:
            out[pk] = Contribution(points, "; ".join(parts) + ".")
    return out
