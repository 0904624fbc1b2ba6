"""Running the rules: over a whole register at once, or incrementally, one event at a time.

``evaluate(records, now=, rules=)`` links each person's detentions (a release followed by a new
detention within the redetention rule's hours continues the first one's term), runs every
per-record check and then the cell checks over every pair of overlapping placements in a cell.

``Register`` keeps the records indexed by key, person and cell; ``Register.apply(key, **changes)``
updates one record and returns a ``Change``: the per-record findings of every record the change may
alter (the record and the person's later detentions), and the cell findings of the pairs the
record forms in the cells it touched.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from custody.rules.catalogue import Rule, RuleSet
from custody.rules.checks import CHECKS, Context
from custody.rules.facts import Finding, Placement, Record

KAZAKHSTAN = dt.timezone(dt.timedelta(hours=5))
HOUR = dt.timedelta(hours=1)


def _redetention_hours(rules: RuleSet) -> float:
    rule = next((r for r in rules.rules if r.check == "redetention"), None)
    return rule.params["hours"] if rule is not None else 24


def link_person(records: list[Record], rules: RuleSet) -> None:
    """Set ``previous`` and ``clock_start`` on one person's detentions."""
    window = _redetention_hours(rules) * HOUR
    ordered = sorted((r for r in records if r.start is not None), key=lambda r: r.start)
    previous: Record | None = None
    for record in ordered:
        record.previous, record.clock_start = None, record.start
        if previous is not None and previous.released_at is not None:
            gap = record.start - previous.released_at
            if dt.timedelta(0) <= gap < window:
                record.previous = previous
                record.clock_start = previous.clock_start or previous.start
        previous = record
    for record in records:
        if record.start is None:
            record.previous, record.clock_start = None, None


def _moment(day: dt.date | None, zone: dt.tzinfo) -> dt.datetime | None:
    return None if day is None else dt.datetime(day.year, day.month, day.day, tzinfo=zone)


def _end(placement: Placement, record: Record, now: dt.datetime) -> dt.datetime:
    ends = [t for t in (placement.end, record.left_at) if t is not None]
    return min(ends) if ends else now


def pair_findings(rule: Rule, a: tuple[Record, Placement], b: tuple[Record, Placement],
                  ctx: Context) -> Iterable[Finding]:
    """The cell rule's findings for two overlapping placements, in both directions."""
    (ra, pa), (rb, pb) = a, b
    if ra.key == rb.key:
        return ()
    start = max(pa.start, pb.start)
    end = min(_end(pa, ra, ctx.now), _end(pb, rb, ctx.now))
    if end <= start:
        return ()
    found = []
    for (x, px), (y, py) in (((ra, pa), (rb, pb)), ((rb, pb), (ra, pa))):
        hit = _breach(rule.params["kind"], x, y, start, end, ctx, rule.params.get("exceptions", ()))
        if hit is not None:
            s, e = hit
            found.append(Finding(rule.code, x.key, other=y.key, minor=x.is_minor_at(s, ctx.zone) is True,
                                 detail=(("cell", px.cell), ("from", s.isoformat()), ("until", e.isoformat()),
                                         ("lines", f"{px.line} / {py.line}"))))
    return found


def _breach(kind: str, x: Record, y: Record, start: dt.datetime, end: dt.datetime,
            ctx: Context, exceptions: Iterable[str] = ()) -> tuple[dt.datetime, dt.datetime] | None:
    if kind == "woman_with_men":
        return (start, end) if x.sex == "female" and y.sex == "male" else None
    if kind == "infectious_with_others":
        return (start, end) if x.infectious is True and y.infectious is not True else None
    if kind == "minor_with_adult":
        if x.related_group and x.related_group == y.related_group:
            return None
        if y.cell_exception and y.cell_exception in exceptions:
            return None  # the adult's claimed ground (Law 353-I art. 32): the exception_claimed rule lists it
        x_adult, y_adult = _moment(x.adult_from(), ctx.zone), _moment(y.adult_from(), ctx.zone)
        if x_adult is None or y_adult is None:
            return None  # an unknown age is the required_fields rule's finding
        s, e = max(start, y_adult), min(end, x_adult)  # x still a minor, y already an adult
        return (s, e) if s < e else None
    return None


def _cell_findings(rules: list[Rule], cell: list[tuple[Record, Placement]], ctx: Context,
                   only: str | None = None) -> list[Finding]:
    """Every pair of overlapping placements in one cell (only those involving ``only``, if given)."""
    found: list[Finding] = []
    ordered = sorted(cell, key=lambda item: item[1].start)
    active: list[tuple[Record, Placement, dt.datetime]] = []
    for record, placement in ordered:
        end = _end(placement, record, ctx.now)
        active = [item for item in active if item[2] > placement.start]
        for other, other_placement, _other_end in active:
            if only is not None and only not in (record.key, other.key):
                continue
            for rule in rules:
                found.extend(pair_findings(rule, (other, other_placement), (record, placement), ctx))
        active.append((record, placement, end))
    return found


def _record_findings(rules: list[Rule], record: Record, ctx: Context) -> list[Finding]:
    found: list[Finding] = []
    for rule in rules:
        found.extend(CHECKS[rule.check].run(rule, record, ctx))
    return found


def _split(rules: RuleSet) -> tuple[list[Rule], list[Rule]]:
    enabled = rules.enabled()
    return ([r for r in enabled if not CHECKS[r.check].per_cell], [r for r in enabled if CHECKS[r.check].per_cell])


def evaluate(records: Iterable[Record], *, now: dt.datetime, rules: RuleSet,
             zone: dt.tzinfo = KAZAKHSTAN) -> list[Finding]:
    """Every finding of every enabled rule over the register."""
    records = list(records)
    ctx = Context(now=now, zone=zone, rules=rules)
    per_record, per_cell = _split(rules)
    by_person: dict[str, list[Record]] = defaultdict(list)
    cells: dict[str, list[tuple[Record, Placement]]] = defaultdict(list)
    for record in records:
        if record.person:
            by_person[record.person].append(record)
        else:
            record.previous, record.clock_start = None, record.start
        for placement in record.placements:
            cells[placement.cell].append((record, placement))
    for group in by_person.values():
        link_person(group, rules)
    found: list[Finding] = []
    for record in records:
        found.extend(_record_findings(per_record, record, ctx))
    if per_cell:
        for cell in cells.values():
            if len(cell) > 1:
                found.extend(_cell_findings(per_cell, cell, ctx))
    return found


@dataclass
class Change:
    """What one event changed: ``records`` maps each re-evaluated record to its per-record findings;
    ``pairs`` are the cell findings involving ``key`` in ``cells`` (other pairs are unchanged)."""

    key: str
    records: dict[str, list[Finding]] = field(default_factory=dict)
    cells: set[str] = field(default_factory=set)
    pairs: list[Finding] = field(default_factory=list)


class Register:
    """The records of a register, indexed for incremental evaluation."""

    def __init__(self, records: Iterable[Record], *, rules: RuleSet, zone: dt.tzinfo = KAZAKHSTAN) -> None:
        self.rules, self.zone = rules, zone
        self.per_record, self.per_cell = _split(rules)
        self.records: dict[str, Record] = {}
        self.by_person: dict[str, list[Record]] = defaultdict(list)
        self.cells: dict[str, list[tuple[Record, Placement]]] = defaultdict(list)
        for record in records:
            self._index(record)
        for group in self.by_person.values():
            link_person(group, rules)

    def _index(self, record: Record) -> None:
        self.records[record.key] = record
        if record.person:
            self.by_person[record.person].append(record)
        else:
            record.clock_start = record.start
        for placement in record.placements:
            self.cells[placement.cell].append((record, placement))

    def add(self, record: Record, *, now: dt.datetime) -> Change:
        """Add a new record; the findings of every record it may affect."""
        self._index(record)
        return self._affected(record, now, cells={p.cell for p in record.placements})

    def apply(self, key: str, *, now: dt.datetime, placement: Placement | None = None,
              **changes: Any) -> Change:
        """Change facts of one record (an event: a moment recorded, a placement added)."""
        record = self.records[key]
        for name, value in changes.items():
            if not hasattr(record, name) or name in ("key", "placements", "previous", "clock_start"):
                raise AttributeError(f"records have no fact {name!r}")
            setattr(record, name, value)
        touched = {p.cell for p in record.placements}
        if placement is not None:
            record.placements.append(placement)
            self.cells[placement.cell].append((record, placement))
            touched = {placement.cell} if not changes else touched | {placement.cell}
        elif not changes.keys() & {"released_at", "transferred_at", "birth_date", "sex", "infectious",
                                    "related_group"}:
            touched = set()
        return self._affected(record, now, cells=touched)

    def _affected(self, record: Record, now: dt.datetime, *, cells: set[str]) -> Change:
        ctx = Context(now=now, zone=self.zone, rules=self.rules)
        affected = [record]
        if record.person:
            group = self.by_person[record.person]
            if len(group) > 1:
                link_person(group, self.rules)
                affected = [r for r in group if r is record or (r.start and record.start and r.start >= record.start)]
            else:
                record.previous, record.clock_start = None, record.start
        else:
            record.clock_start = record.start
        change = Change(key=record.key, cells=cells)
        change.records = {r.key: _record_findings(self.per_record, r, ctx) for r in affected}
        for cell in cells:
            change.pairs.extend(_cell_findings(self.per_cell, self.cells[cell], ctx, only=record.key))
        return change
