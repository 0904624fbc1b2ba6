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
    return Complaint.objects.filter(facility__in=facilities_for(user).values("pk"))


def _rows(pairs: list[tuple[str, str, int]], raw: bool = False) -> list[Any]:
    """Rows with their figures; with ``raw``, (row, count) pairs for ``protected_tables``."""
    if raw:
        return [(Row(label=label, figure=Figure.of(n), key=key), n) for key, label, n in pairs]
    return [Row(label=label, figure=Figure.of(n), key=key) for key, label, n in pairs]


def by_facility(queryset: QuerySet[Complaint], *, raw: bool = False) -> list[Any]:
    counts = dict(queryset.values_list("facility").annotate(n=Count("pk")).values_list("facility", "n"))
    facilities = Facility.objects.filter(pk__in=counts).order_by("sort_key")
    return _rows([(f.code, f"{f.code} · {f.name}", counts[f.pk]) for f in facilities], raw)


def by_region(queryset: QuerySet[Complaint], *, raw: bool = False) -> list[Any]:
    counts = queryset.values_list("facility__region__code", "facility__region__name_en").annotate(n=Count("pk"))
    from facilities.models import Region

    names = {r.code: r.name for r in Region.objects.filter(code__in=[c for c, _n, _k in counts])}
    return _rows(sorted((code, names.get(code, code), n) for code, _name, n in counts), raw)


def by_category(queryset: QuerySet[Complaint], *, raw: bool = False) -> list[Any]:
    counts = dict(queryset.values_list("handling__category").annotate(n=Count("pk")).values_list(
        "handling__category", "n"))
    pairs = [(value, str(label), counts.get(value, 0)) for value, label in Category.choices]
    unclassified = counts.get(None, 0) + counts.get("", 0)
    return _rows([*pairs, ("", str(NOT_CLASSIFIED), unclassified)], raw)


def by_month(queryset: QuerySet[Complaint], *, months: int = 12, today: dt.date | None = None,
             raw: bool = False) -> list[Any]:
    """The last ``months`` calendar months, oldest first, every month shown (a month with none is
    shown as suppressed, like any small count)."""
    from django.utils.formats import date_format

    today = today or timezone.localdate()
    counts: dict[tuple[int, int], int] = {}
    for month, n in queryset.annotate(month=TruncMonth("received_at")).values_list("month").annotate(
            n=Count("pk")).values_list("month", "n"):
        local = timezone.localtime(month) if isinstance(month, dt.datetime) and timezone.is_aware(month) else month
        counts[(local.year, local.month)] = counts.get((local.year, local.month), 0) + n
    pairs = []
    year, month = today.year, today.month
    for _i in range(months):
        first = dt.date(year, month, 1)
        pairs.append((first.isoformat(), date_format(first, "YEAR_MONTH_FORMAT"), counts.get((year, month), 0)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return _rows(list(reversed(pairs)), raw)


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
    total = queryset.count()
    facility_rows, region_rows = by_facility(queryset, raw=True), by_region(queryset, raw=True)
    category_rows = by_category(queryset, raw=True)
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

