"""The checks the rules name: plain functions over ``facts.Record``; none may fail on a missing fact.

A per-record check is ``run(rule, record, ctx)`` yielding findings. The cell check is run by the
engine per cell, over pairs of overlapping placements. Each check says which parameters it needs
(``required``) and which it accepts (``optional``); the catalogue refuses any other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from custody.rules.facts import FACT_NAMES, MOMENT_NAMES, Finding, Record

if TYPE_CHECKING:
    from custody.rules.catalogue import Rule, RuleSet

HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Context:
    now: dt.datetime
    zone: dt.tzinfo
    rules: RuleSet


@dataclass(frozen=True)
class Check:
    run: Callable[[Rule, Record, Context], Iterator[Finding]] | None
    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    per_cell: bool = False

    def validate(self, code: str, params: Mapping[str, Any]) -> None:
        from custody.rules.catalogue import RuleSetError

        missing = self.required - params.keys()
        extra = params.keys() - self.required - self.optional
        if missing or extra:
            raise RuleSetError(f"rule {code}: parameters missing {sorted(missing)} or unknown {sorted(extra)}")
        for name in ("hours", "minor_hours"):
            if name in params and not (isinstance(params[name], int | float) and 0 < params[name] <= 24 * 365):
                raise RuleSetError(f"rule {code}: {name} must be a positive number of hours")
        for name in ("base", "target"):
            if name in params and params[name] not in MOMENT_NAMES:
                raise RuleSetError(f"rule {code}: {name} must be one of the register's moments")
        if "fields" in params and not set(params["fields"]) <= set(MOMENT_NAMES) | set(FACT_NAMES):
            raise RuleSetError(f"rule {code}: fields must be fields of the register")


def _hours(delta: dt.timedelta) -> float:
    return round(delta / HOUR, 1)


def _minor(record: Record, ctx: Context) -> bool:
    return record.is_minor_at(record.clock_start or record.start, ctx.zone) is True


def limit_applies(params: Mapping[str, Any], record: Record, ctx: Context) -> bool:
    """Whether a sanction-term rule with ``params`` governs ``record`` (age judged at the start)."""
    if record.legal_basis != "criminal":
        return False
    minor = record.is_minor_at(record.clock_start or record.start, ctx.zone)
    if params["who"] == "minor":
        return minor is True
    if minor is True:
        return False
    extended = record.offence_category in params.get("categories", ()) or bool(record.state_of_emergency)
    return extended == bool(params.get("extended", False))


def held_without_sanction(rule: Rule, record: Record, ctx: Context) -> Iterator[Finding]:
    start = record.clock_start or record.start
    if start is None or not limit_applies(rule.params, record, ctx):
        return
    limit = start + rule.params["hours"] * HOUR
    ends = [(t, why) for t, why in ((record.court_sanction_at, "sanction"), (record.released_at, "release"),
                                     (record.transferred_at, "transfer")) if t is not None]
    end, why = min(ends, key=lambda pair: pair[0]) if ends else (ctx.now, "still_held")
    if end > limit:
        yield Finding(rule.code, record.key, detail=(("held_hours", _hours(end - start)),
                                                     ("limit_hours", rule.params["hours"]), ("until", why)),
                      minor=_minor(record, ctx))


def sanction_after_limit(rule: Rule, record: Record, ctx: Context) -> Iterator[Finding]:
    start = record.clock_start or record.start
    if start is None or record.court_sanction_at is None:
        return
    for code in rule.params["limits_from"]:
        governing = ctx.rules.by_code.get(code)
        if governing is None or not limit_applies(governing.params, record, ctx):
            continue
        hours = governing.params["hours"]
        if record.court_sanction_at > start + hours * HOUR:
            yield Finding(rule.code, record.key, detail=(
                ("sanction_after_hours", _hours(record.court_sanction_at - start)), ("limit_hours", hours)),
                minor=_minor(record, ctx))
        return


def administrative_limit(rule: Rule, record: Record, ctx: Context) -> Iterator[Finding]:
    start = record.start
    if record.legal_basis != "administrative" or start is None:
        return
    ends = [t for t in (record.released_at, record.transferred_at, record.court_sanction_at) if t is not None]
    end = min(ends) if ends else ctx.now
    if end > start + rule.params["hours"] * HOUR:
        yield Finding(rule.code, record.key, detail=(("held_hours", _hours(end - start)),
                                                     ("limit_hours", rule.params["hours"])),
                      minor=_minor(record, ctx))


def actual_detention_time(rule: Rule, record: Record, ctx: Context) -> Iterator[Finding]:
    if record.detained_at is None:
        yield Finding(rule.code, record.key, missing="detained_at", minor=_minor(record, ctx))
    elif record.delivered_at is not None and record.detained_at > record.delivered_at:
        yield Finding(rule.code, record.key, detail=(
            ("later_by_hours", _hours(record.detained_at - record.delivered_at)),), minor=_minor(record, ctx))


def deadline(rule: Rule, record: Record, ctx: Context) -> Iterator[Finding]:
    p = rule.params
    if "basis" in p and record.legal_basis not in p["basis"]:
        return
    if p.get("foreigners") and record.is_foreigner is not True:
        return  # citizenship unknown: the required_fields rule says so
    if "when_result" in p and record.medical_result != p["when_result"]:
        return
    base = getattr(record, p["base"])
    if base is None:
        return
    minor = _minor(record, ctx)
    hours = p["minor_hours"] if minor and "minor_hours" in p else p["hours"]
    limit = base + hours * HOUR
    target = getattr(record, p["target"])
    if target is None:
        left = record.left_at
        if ctx.now > limit and (left is None or left > limit):
            yield Finding(rule.code, record.key, missing=p["target"], detail=(("limit_hours", hours),), minor=minor)
    elif target > limit:
        yield Finding(rule.code, record.key, detail=(("after_hours", _hours(target - base)),
                                                     ("limit_hours", hours)), minor=minor)


def minor_lawyer_before_interview(rule: Rule, record: Record, ctx: Context) -> Iterator[Finding]:
    interview = record.first_interview_at
    if interview is None or not _minor(record, ctx):
        return
    arrived = record.lawyer_arrived_at
    if arrived is None or arrived > interview:
        yield Finding(rule.code, record.key, missing="lawyer_arrived_at" if arrived is None else "", minor=True)


def chosen_lawyer_absent(rule: Rule, record: Record, ctx: Context) -> Iterator[Finding]:
    asked = record.lawyer_requested_at
    if record.lawyer_kind != "chosen" or asked is None:
        return
    limit = asked + rule.params["hours"] * HOUR
    in_time = [t for t in (record.lawyer_arrived_at, record.lawyer_replacement_offered_at)
               if t is not None and t <= limit]
    left = record.left_at
    if in_time or ctx.now <= limit or (left is not None and left <= limit):
        return
    yield Finding(rule.code, record.key, detail=(("limit_hours", rule.params["hours"]),), minor=_minor(record, ctx))


def redetention(rule: Rule, record: Record, ctx: Context) -> Iterator[Finding]:
    previous = record.previous
    if previous is None or previous.released_at is None or record.start is None:
        return
    yield Finding(rule.code, record.key, other=previous.key,
                  detail=(("gap_hours", _hours(record.start - previous.released_at)),), minor=_minor(record, ctx))


def required_fields(rule: Rule, record: Record, ctx: Context) -> Iterator[Finding]:
    for name in rule.params["fields"]:
        if getattr(record, name, None) in (None, ""):
            yield Finding(rule.code, record.key, missing=name, minor=_minor(record, ctx))


CHECKS: dict[str, Check] = {
    "held_without_sanction": Check(held_without_sanction, frozenset({"hours", "who"}),
                                   frozenset({"extended", "categories"})),
    "sanction_after_limit": Check(sanction_after_limit, frozenset({"limits_from"})),
    "administrative_limit": Check(administrative_limit, frozenset({"hours"})),
    "actual_detention_time": Check(actual_detention_time),
    "deadline": Check(deadline, frozenset({"base", "target", "hours"}),
                      frozenset({"minor_hours", "basis", "foreigners", "when_result"})),
    "minor_lawyer_before_interview": Check(minor_lawyer_before_interview),
    "chosen_lawyer_absent": Check(chosen_lawyer_absent, frozenset({"hours"})),
    "redetention": Check(redetention, frozenset({"hours"})),
    "required_fields": Check(required_fields, frozenset({"fields"})),
    "cell_separation": Check(None, frozenset({"kind"}), per_cell=True),
}
