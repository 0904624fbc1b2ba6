"""Complaint figures for the overview and the annual report: aggregated, small counts suppressed.

What is counted is routing and handling metadata only: the facility, its region, the month of
receipt, when it was acknowledged and closed. The category is sealed inside the complaint; the
figures by category count the officers' classification (``Handling.category``), recorded as
non-content metadata when an entitled officer first opens the complaint. A complaint nobody has
opened yet is counted as "not yet classified", never as any category.

Suppression: any count below ``SMALL`` (5), zero included, is shown as "fewer than 5", so a
small facility's figure cannot single out a complainant, nor tell the facility that somebody
complained at all. Medians of times are shown only over at least ``SMALL`` complaints.
"""

from __future__ import annotations

import datetime as dt
import statistics as pystats
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import Capability, can
from complaints.models import Category, Complaint
from facilities.models import Facility
from facilities.selectors import facilities_for

SMALL = 5
NOT_CLASSIFIED = gettext_lazy("Not yet classified")


@dataclass(frozen=True)
class Figure:
    """One count as it may be shown: the number, or None when it is suppressed."""

    count: int | None

    @classmethod
    def of(cls, n: int) -> Figure:
        return cls(n if n >= SMALL else None)

    @property
    def suppressed(self) -> bool:
        return self.count is None

    def __str__(self) -> str:
        if self.count is None:
            return _("fewer than %(n)d") % {"n": SMALL}
        from django.utils.formats import number_format

        return number_format(self.count, force_grouping=True)


@dataclass(frozen=True)
class Row:
    label: str
    figure: Figure
    key: str = ""


def complaints_in_mandate(user: Any) -> QuerySet[Complaint]:
    """Every complaint in the facilities of the user's mandate (for aggregated figures only)."""
    if not can(user, Capability.VIEW_COMPLAINT_STATISTICS):
        return Complaint.objects.none()
    return Complaint.objects.filter(facility__in=facilities_for(user).values("pk"))


def _rows(pairs: list[tuple[str, str, int]]) -> list[Row]:
    return [Row(label=label, figure=Figure.of(n), key=key) for key, label, n in pairs]


def by_facility(queryset: QuerySet[Complaint]) -> list[Row]:
    counts = dict(queryset.values_list("facility").annotate(n=Count("pk")).values_list("facility", "n"))
    facilities = Facility.objects.filter(pk__in=counts).order_by("sort_key")
    return _rows([(f.code, f"{f.code} · {f.name}", counts[f.pk]) for f in facilities])


def by_region(queryset: QuerySet[Complaint]) -> list[Row]:
    counts = queryset.values_list("facility__region__code", "facility__region__name_en").annotate(n=Count("pk"))
    from facilities.models import Region

    names = {r.code: r.name for r in Region.objects.filter(code__in=[c for c, _n, _k in counts])}
    return _rows(sorted((code, names.get(code, code), n) for code, _name, n in counts))


def by_category(queryset: QuerySet[Complaint]) -> list[Row]:
    counts = dict(queryset.values_list("handling__category").annotate(n=Count("pk")).values_list(
        "handling__category", "n"))
    pairs = [(value, str(label), counts.get(value, 0)) for value, label in Category.choices]
    unclassified = counts.get(None, 0) + counts.get("", 0)
    return [*_rows(pairs), Row(label=str(NOT_CLASSIFIED), figure=Figure.of(unclassified), key="")]


def by_month(queryset: QuerySet[Complaint], *, months: int = 12, today: dt.date | None = None) -> list[Row]:
    """The last ``months`` calendar months, oldest first, every month shown (a month with none is
    shown as suppressed, like any small count)."""
    from django.utils.formats import date_format

    today = today or timezone.localdate()
    counts: dict[tuple[int, int], int] = {}
    for month, n in queryset.annotate(month=TruncMonth("received_at")).values_list("month").annotate(
            n=Count("pk")).values_list("month", "n"):
        local = timezone.localtime(month) if isinstance(month, dt.datetime) and timezone.is_aware(month) else month
        counts[(local.year, local.month)] = counts.get((local.year, local.month), 0) + n
    rows = []
    year, month = today.year, today.month
    for _i in range(months):
        first = dt.date(year, month, 1)
        rows.append(Row(label=date_format(first, "YEAR_MONTH_FORMAT"), figure=Figure.of(counts.get((year, month), 0)),
                        key=first.isoformat()))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(rows))


@dataclass(frozen=True)
class Duration:
    """A median time in hours over ``n`` complaints; None when fewer than SMALL."""

    n: int
    median_hours: float | None


def _median_hours(pairs: list[tuple[dt.datetime, dt.datetime | None]]) -> Duration:
    hours = [(end - start).total_seconds() / 3600 for start, end in pairs if end is not None]
    if len(hours) < SMALL:
        return Duration(n=len(hours), median_hours=None)
    return Duration(n=len(hours), median_hours=round(pystats.median(hours), 1))


def time_to_acknowledge(queryset: QuerySet[Complaint]) -> Duration:
    return _median_hours(list(queryset.values_list("received_at", "handling__acknowledged_at")))


def time_to_resolve(queryset: QuerySet[Complaint]) -> Duration:
    return _median_hours(list(queryset.values_list("received_at", "handling__closed_at")))


def facility_monthly(facility: Facility, *, months: int = 12) -> list[Row]:
    """What a facility officer may see: complaints about their facility per month, suppressed
    below SMALL; nothing about any single complaint."""
    return by_month(Complaint.objects.filter(facility=facility), months=months)


def total(queryset: QuerySet[Complaint]) -> Figure:
    return Figure.of(queryset.count())
