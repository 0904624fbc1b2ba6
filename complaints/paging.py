"""Paging a long list without counting all of it: the officers' inbox at 100,000 complaints.

Counting every row of a filter costs a pass over all of them on each page (at 100,000 rows, more
than the rest of the page on PostgreSQL). ``CappedPaginator`` counts at most ``cap`` rows: up to
the cap the figure is exact; beyond it the paginator knows only that there are more than ``cap``,
and the page says exactly that ("more than 10,000 complaints"), which is true of the list shown.
Asking for a page past the counted ones counts the list in full, so every page that exists is
reached and the last one is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


@dataclass(frozen=True)
class CappedCount:
    """How many rows a list has, counted no further than ``cap``: exactly ``count`` when ``exact``,
    else more than ``cap``. What the inbox heads its list with and every figure linking to it shows."""

    count: int
    cap: int

    @property
    def exact(self) -> bool:
        return self.count <= self.cap


def capped_counts(lists: Sequence[QuerySet], *, cap: int) -> list[CappedCount]:
    """Count each of ``lists`` (best in the cheap form ``selectors.countable`` gives) up to
    ``cap`` + 1, in one query: a COUNT over a LIMIT each, so the database stops after cap + 1 rows
    of the filter's index."""
    if not lists:
        return []
    parts, params = [], []
    for rows in lists:
        try:
            sql, part_params = rows.order_by()[: cap + 1].query.sql_with_params()
        except EmptyResultSet:  # a list that can hold nothing (none(), an empty IN): no SQL to run
            parts.append("0")
            continue
        # The ORM's own SQL of each list, its values passed as parameters: nothing from input is spliced in.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) capped_{len(parts)})")  # noqa: S608
        params += part_params
    if all(part == "0" for part in parts):
        return [CappedCount(count=0, cap=cap) for _part in parts]
    with connections[lists[0].db].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        counts = cursor.fetchone()
    return [CappedCount(count=n, cap=cap) for n in counts]


def capped_count(rows: QuerySet, *, cap: int) -> CappedCount:
    """``capped_counts`` of one list."""
    return capped_counts([rows], cap=cap)[0]


class CappedPaginator(Paginator):
    """A ``Paginator`` over a queryset that counts no more than ``cap`` of its rows unless a page
    beyond them is asked for. ``exact`` says whether ``count`` is the list's length; when it is
    not, the list has more than ``cap`` rows (and ``count`` is ``cap + 1``). ``counted``, when
    given, is the same rows as ``object_list`` in a form cheaper to count (unordered, selecting only
    what an index holds)."""

    def __init__(self, object_list: QuerySet, per_page: int, *, cap: int, counted: QuerySet | None = None) -> None:
        if cap < per_page:
            raise ValueError("the cap must hold at least one page")
        super().__init__(object_list, per_page)
        self.cap = cap
        self.counted = (object_list if counted is None else counted).order_by()
        self._in_full = False

    @cached_property
    def count(self) -> int:
        if self._in_full:
            return self.counted.count()
        return capped_count(self.counted, cap=self.cap).count

    @property
    def exact(self) -> bool:
        return self._in_full or self.count <= self.cap

    @property
    def pages_more_than(self) -> int:
        """When not ``exact``: the list has more pages than this (``cap`` rows fill this many)."""
        return self.cap // self.per_page

    def get_page(self, number: Any) -> Page:
        try:
            wanted = _whole(number)
        except PageNotAnInteger:
            wanted = 1
        # Past the counted pages (or before the first, which Django answers with the last): count it all.
        if not self.exact and not 1 <= wanted <= self.pages_more_than:
            self._in_full = True
            for name in ("count", "num_pages"):
                self.__dict__.pop(name, None)
        return super().get_page(number)


def _whole(number: Any) -> int:
    """The page number as ``Paginator.validate_number`` reads it."""
    try:
        if isinstance(number, float) and not number.is_integer():
            raise ValueError
        return int(number)
    except (TypeError, ValueError):
        raise PageNotAnInteger from None
