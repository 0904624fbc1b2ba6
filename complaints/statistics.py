"""Complaint figures for the overview and the annual report: aggregated, small counts suppressed.

What is counted is routing and handling metadata only: the facility, its region, the month of
receipt, when it was acknowledged and closed. The category is sealed inside the complaint; the
figures by category count the officers' classification (``Handling.category``), recorded as
non-content metadata when an entitled officer first opens the complaint. A complaint nobody has
opened yet is counted as "not yet classified", never as any category.

Suppression: any count below ``SMALL`` (5), zero included, is shown as "fewer than 5", so a
small facility's figure cannot single out a complainant, nor tell the facility that somebody
complained at all. Medians of times are shown only over at least ``SMALL`` complaints.

Secondary suppression (``protect``): the statistics page shows totals too (all complaints, each
region as the sum of its facilities, the categories and, when they hold every complaint, the
months as breakdowns of the total). Where a hidden count could be worked out by subtracting the
shown counts from a shown total, the next-smallest shown count of that sum is hidden as well
("not shown"), or, when none is left, the total; until no hidden count can be worked out.
"""

from __future__ import annotations

import datetime as dt
import statistics as pystats
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import Capability, can
from complaints.models import Category, Complaint, Handling
from facilities.models import Facility
from facilities.selectors import facilities_for

SMALL = 5
NOT_CLASSIFIED = gettext_lazy("Not yet classified")


@dataclass(frozen=True)
class Figure:
    """One count as it may be shown: the number, or None when it is suppressed."""

    count: int | None
    # Hidden although not small: so that a small count cannot be worked out from the totals.
    secondary: bool = False

    @classmethod
    def of(cls, n: int) -> Figure:
        return cls(n if n >= SMALL else None)

    @property
    def suppressed(self) -> bool:
        return self.count is None

    def __str__(self) -> str:
        if self.secondary:
            return _("not shown")
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
    facilities = facilities_for(user)
    if not facilities.query.where:  # a national mandate: every facility, no test needed (nor its join)
        return Complaint.objects.all()
    return Complaint.objects.filter(facility__in=facilities.values("pk"))


def handlings_of(queryset: QuerySet[Complaint]) -> QuerySet[Handling]:
    """The officers' metadata of the complaints of ``queryset`` (read from its own table, without
    passing over every complaint when ``queryset`` is all of them)."""
    if not queryset.query.where and not queryset.query.is_empty():
        return Handling.objects.all()
    return Handling.objects.filter(complaint__in=queryset.values("pk"))


def _rows(pairs: list[tuple[str, str, int]], raw: bool = False) -> list[Any]:
    """Rows with their figures; with ``raw``, (row, count) pairs for ``protected_tables``."""
    if raw:
        return [(Row(label=label, figure=Figure.of(n), key=key), n) for key, label, n in pairs]
    return [Row(label=label, figure=Figure.of(n), key=key) for key, label, n in pairs]


def month_starts(*, months: int, today: dt.date | None = None) -> list[dt.date]:
    """The first days of the last ``months`` calendar months, oldest first, this month last."""
    today = today or timezone.localdate()
    year, month = today.year, today.month
    starts = []
    for _i in range(months):
        starts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(starts))


def facility_counts(queryset: QuerySet[Complaint]) -> dict[int, int]:
    """Complaints per facility (pk), read from the (facility, received_at) index: the counts every
    figure by facility and region, and the total, are sums of (so they add up by construction)."""
    return dict(queryset.order_by().values_list("facility").annotate(n=Count("*")).values_list("facility", "n"))


def by_facility(queryset: QuerySet[Complaint], *, raw: bool = False, counts: dict[int, int] | None = None) -> list[Any]:
    counts = facility_counts(queryset) if counts is None else counts
    from complaints.selectors import name_column

    facilities = Facility.objects.filter(pk__in=counts).order_by("sort_key").values_list(
        "pk", "code", name_column(), "name_en")
    return _rows([(code, f"{code} · {mine or english}", counts[pk]) for pk, code, mine, english in facilities], raw)


def by_region(queryset: QuerySet[Complaint], *, raw: bool = False, counts: dict[int, int] | None = None) -> list[Any]:
    """Each region's count: the sum of its facilities' (counted once, by facility, without a join)."""
    from facilities.models import Region

    per_facility = facility_counts(queryset) if counts is None else counts
    totals: dict[int, int] = {}
    for facility, region in Facility.objects.filter(pk__in=per_facility).values_list("pk", "region"):
        totals[region] = totals.get(region, 0) + per_facility[facility]
    regions = Region.objects.filter(pk__in=totals)
    return _rows(sorted((r.code, r.name, totals[r.pk]) for r in regions), raw)


def by_category(queryset: QuerySet[Complaint], *, raw: bool = False, counts: dict[int, int] | None = None) -> list[Any]:
    """The officers' classification; every complaint without one is "not yet classified"."""
    # COUNT(*): read from the category's index alone.
    classified = dict(handlings_of(queryset).exclude(category="").order_by().values_list("category")
                      .annotate(n=Count("*")).values_list("category", "n"))
    pairs = [(value, str(label), classified.get(value, 0)) for value, label in Category.choices]
    everything = sum((facility_counts(queryset) if counts is None else counts).values())
    return _rows([*pairs, ("", str(NOT_CLASSIFIED), everything - sum(classified.values()))], raw)


def by_month(queryset: QuerySet[Complaint], *, months: int = 12, today: dt.date | None = None,
             raw: bool = False) -> list[Any]:
    """The last ``months`` calendar months (in the current time zone), oldest first, every month
    shown (a month with none is shown as suppressed, like any small count). Each month is a range
    of ``received_at`` between its first moment and the next's, counted along the index (one query:
    the months' counts side by side), with no date function computed for every complaint."""
    from django.utils.formats import date_format

    starts = month_starts(months=months, today=today)
    last = starts[-1]
    edges = [timezone.make_aware(dt.datetime.combine(day, dt.time()))
             for day in [*starts, dt.date(last.year + last.month // 12, last.month % 12 + 1, 1)]]
    parts = [queryset.order_by().filter(received_at__gte=edges[i], received_at__lt=edges[i + 1])
             .annotate(month=Value(i)).values("month").annotate(n=Count("*")).values_list("month", "n")
             for i in range(len(starts))]
    found = dict(parts[0].union(*parts[1:], all=True)) if len(parts) > 1 else dict(parts[0])
    pairs = [(day.isoformat(), date_format(day, "YEAR_MONTH_FORMAT"), found.get(i, 0)) for i, day in enumerate(starts)]
    return _rows(pairs, raw)


@dataclass(frozen=True)
class Duration:
    """A median time in hours over ``n`` complaints; None when fewer than SMALL."""

    n: int
    median_hours: float | None


def _median_hours(handlings: QuerySet[Handling], hours: str) -> Duration:
    """The median of ``hours`` (hours from receipt, written by the service with the moment it
    counts) over the complaints of ``handlings`` that have it, from the one or two middle values
    read along its index (never every time in Python)."""
    done = handlings.filter(**{f"{hours}__isnull": False}).order_by()
    n = done.count()
    if n < SMALL:
        return Duration(n=n, median_hours=None)
    middle = list(done.order_by(hours).values_list(hours, flat=True)[(n - 1) // 2: n // 2 + 1])
    return Duration(n=n, median_hours=round(pystats.median(middle), 1))


def time_to_acknowledge(queryset: QuerySet[Complaint]) -> Duration:
    return _median_hours(handlings_of(queryset), "hours_to_acknowledge")


def time_to_resolve(queryset: QuerySet[Complaint]) -> Duration:
    return _median_hours(handlings_of(queryset), "hours_to_close")


def facility_monthly(facility: Facility, *, months: int = 12) -> list[Row]:
    """What a facility officer may see: complaints about their facility per month, suppressed
    below SMALL; nothing about any single complaint."""
    return by_month(Complaint.objects.filter(facility=facility), months=months)


def total(queryset: QuerySet[Complaint]) -> Figure:
    return Figure.of(queryset.count())


# --- Secondary suppression ------------------------------------------------------------------

Sum = tuple[Hashable, Sequence[Hashable]]  # a total and the counts it adds up


def bounds(shown: dict[Hashable, int | None], sums: Sequence[Sum], *, secondary: set[Hashable] = frozenset(),
           ceiling: int) -> dict[Hashable, tuple[int, int]]:
    """What a reader can work out about each count from what is shown: its lowest and highest
    possible value, by subtracting along every sum until nothing changes. A hidden small count
    lies in [0, SMALL - 1], a hidden secondary one in [SMALL, ceiling]."""
    keys = set(shown) | {k for total, parts in sums for k in (total, *parts)}
    low: dict[Hashable, int] = {}
    high: dict[Hashable, int] = {}
    for key in keys:
        value = shown.get(key)
        if value is not None:
            low[key] = high[key] = value
        elif key in secondary:
            low[key], high[key] = SMALL, ceiling
        else:
            low[key], high[key] = 0, SMALL - 1
    changed = True
    while changed:
        changed = False
        for total, parts in sums:
            sum_low, sum_high = sum(low[p] for p in parts), sum(high[p] for p in parts)
            new = (max(low[total], sum_low), min(high[total], sum_high))
            if new != (low[total], high[total]):
                (low[total], high[total]), changed = new, True
            for part in parts:
                new = (max(low[part], low[total] - (sum_high - high[part])),
                       min(high[part], high[total] - (sum_low - low[part])))
                if new != (low[part], high[part]):
                    (low[part], high[part]), changed = new, True
                    sum_low, sum_high = sum(low[p] for p in parts), sum(high[p] for p in parts)
    return {key: (low[key], high[key]) for key in keys}


def protect(counts: dict[Hashable, int], sums: Sequence[Sum]) -> dict[Hashable, Figure]:
    """The figures of ``counts`` with small ones suppressed, and as many more hidden (the smallest
    shown count of a sum that gives one away, else that sum's total) as it takes for no hidden
    count to be worked out from the shown ones along ``sums`` (each total = the sum of its parts)."""
    ceiling = 10**12  # a reader knows no upper bound of a hidden count that is not small
    secondary: set[Hashable] = set()
    while True:
        shown = {k: (n if n >= SMALL and k not in secondary else None) for k, n in counts.items()}
        found = bounds(shown, sums, secondary=secondary, ceiling=ceiling)
        exposed = {k for k, v in shown.items() if v is None and found[k][0] == found[k][1]}
        if not exposed:
            break
        candidates = [k for total, parts in sums if exposed & {total, *parts}
                      for k in sorted(parts, key=lambda p: counts[p]) if shown[k] is not None]
        totals = [total for total, parts in sums if exposed & {total, *parts} and shown[total] is not None]
        if not candidates and not totals:
            break  # everything of these sums is hidden already (cannot happen with counts that add up)
        secondary.add(min(candidates, key=lambda k: counts[k]) if candidates else totals[0])
    return {k: Figure(None, secondary=True) if k in secondary else Figure.of(n) for k, n in counts.items()}


@dataclass(frozen=True)
class Tables:
    total: Figure
    by_facility: list[Row]
    by_region: list[Row]
    by_category: list[Row]
    by_month: list[Row]


def protected_tables(queryset: QuerySet[Complaint], *, months: int = 12, today: dt.date | None = None) -> Tables:
    """The statistics page's figures, with small counts suppressed and secondary suppression so
    that none of them can be worked out from the totals shown beside them."""
    per_facility = facility_counts(queryset)
    total = sum(per_facility.values())
    facility_rows = by_facility(queryset, raw=True, counts=per_facility)
    region_rows = by_region(queryset, raw=True, counts=per_facility)
    category_rows = by_category(queryset, raw=True, counts=per_facility)
    month_rows = by_month(queryset, months=months, today=today, raw=True)
    counts: dict[Hashable, int] = {("total",): total}
    for table, rows in (("facility", facility_rows), ("region", region_rows), ("category", category_rows),
                        ("month", month_rows)):
        counts.update({(table, row.key): n for row, n in rows})
    region_of = dict(Facility.objects.filter(code__in=[row.key for row, _n in facility_rows])
                     .values_list("code", "region__code"))
    sums: list[Sum] = [(("total",), [("region", row.key) for row, _n in region_rows]),
                       (("total",), [("category", row.key) for row, _n in category_rows])]
    for row, _n in region_rows:
        sums.append((("region", row.key),
                     [("facility", f.key) for f, _m in facility_rows if region_of.get(f.key) == row.key]))
    if sum(n for _row, n in month_rows) == total:  # every complaint is in the months shown
        sums.append((("total",), [("month", row.key) for row, _n in month_rows]))
    figures = protect(counts, sums)

    def rows(table: str, raw: list[tuple[Row, int]]) -> list[Row]:
        return [Row(label=row.label, figure=figures[(table, row.key)], key=row.key) for row, _n in raw]

    return Tables(total=figures[("total",)], by_facility=rows("facility", facility_rows),
                  by_region=rows("region", region_rows), by_category=rows("category", category_rows),
                  by_month=rows("month", month_rows))

