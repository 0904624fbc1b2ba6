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
        _validate_grounds(code, params)


def _validate_grounds(code: str, params: Mapping[str, Any]) -> None:
    """``grounds`` (a list, or a map of ground to hours) and ``exceptions`` name the choices of
    custody.grounds and nothing else."""
    from custody.grounds import CellException, TermGround
    from custody.rules.catalogue import RuleSetError

    grounds = params.get("grounds", ())
    if not isinstance(grounds, list | tuple | dict) or not set(grounds) <= set(TermGround.values):
        raise RuleSetError(f"rule {code}: grounds must be among {', '.join(TermGround.values)}")
    if isinstance(grounds, dict) and not all(isinstance(h, int | float) and 0 < h <= 24 * 365
                                             for h in grounds.values()):
        raise RuleSetError(f"rule {code}: each ground's hours must be a positive number")
    exceptions = params.get("exceptions", ())
    if not isinstance(exceptions, list | tuple) or not set(exceptions) <= set(CellException.values):
        raise RuleSetError(f"rule {code}: exceptions must be among {', '.join(CellException.values)}")


def _hours(delta: dt.timedelta) -> float:
    return round(delta / HOUR, 1)


def _minor(record: Record, ctx: Context) -> bool:
    return record.is_minor_at(record.clock_start or record.start, ctx.zone) is True


def extended_ground(params: Mapping[str, Any], record: Record) -> str:
    """The ground on which ``record`` may be held for the longer term, or "": the register's stated
    ground when the rule names it, else an offence category or the state of emergency the rule counts."""
    if record.term_ground and record.term_ground in params.get("grounds", ()):
        return record.term_ground
    if record.offence_category and record.offence_category in params.get("categories", ()):
        return record.offence_category
    return "emergency" if record.state_of_emergency else ""


def limit_applies(params: Mapping[str, Any], record: Record, ctx: Context) -> bool:
    """Whether a sanction-term rule with ``params`` governs ``record`` (age judged at the start).

    The longer term (``extended``) governs adults and minors alike on its grounds (Criminal
    Procedure Code art. 131(4), 133(2)); otherwise the minor's or the adult's term, an unknown age
    counted as an adult's (the required_fields rule reports the missing birth date)."""
    if record.legal_basis != "criminal":
        return False
    extended = bool(extended_ground(params, record))
    if params.get("extended", False):
        return extended
    if extended:
        return False
    minor = record.is_minor_at(record.clock_start or record.start, ctx.zone)
    if params["who"] == "minor":
        return minor is True
    return minor is not True


def held_without_sanction(rule: Rule, record: Record, ctx: Context) -> Iterator[Finding]:
    start = record.clock_start or record.start
    if start is None or not limit_applies(rule.params, record, ctx):
        return
    limit = start + rule.params["hours"] * HOUR
    ends = [(t, why) for t, why in ((record.court_sanction_at, "sanction"), (record.released_at, "release"),
                                     (record.transferred_at, "transfer")) if t is not None]
    end, why = min(ends, key=lambda pair: pair[0]) if ends else (ctx.now, "still_held")
    if end > limit:
        ground = extended_ground(rule.params, record) if rule.params.get("extended") else ""
        yield Finding(rule.code, record.key, detail=(("held_hours", _hours(end - start)),
                                                     ("limit_hours", rule.params["hours"]), ("until", why),
                                                     *((("ground", ground),) if ground else ())),
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


def administrative_hours(params: Mapping[str, Any], record: Record) -> tuple[float, str]:
    """The hours an administrative detention may last, and the ground that allows more than the
    ordinary term ("" when none is claimed, or the rule does not count the one claimed)."""
    grounds = params.get("grounds", {})
    if record.term_ground and record.term_ground in grounds:
        return grounds[record.term_ground], record.term_ground
    return params["hours"], ""


def administrative_limit(rule: Rule, record: Record, ctx: Context) -> Iterator[Finding]:
    start = record.start
    if record.legal_basis != "administrative" or start is None:
        return
    ends = [t for t in (record.released_at, record.transferred_at, record.court_sanction_at) if t is not None]
    end = min(ends) if ends else ctx.now
    hours, ground = administrative_hours(rule.params, record)
    if end > start + hours * HOUR:
        yield Finding(rule.code, record.key, detail=(("held_hours", _hours(end - start)), ("limit_hours", hours),
                                                     *((("ground", ground),) if ground else ())),
                      minor=_minor(record, ctx))


def ground_hours(rules: RuleSet, ground: str) -> float | None:
    """The hours the enabled rules allow on a stated ground (None when no rule counts it)."""
    for rule in rules.enabled():
        grounds = rule.params.get("grounds", ())
        if ground not in grounds:
            continue
        if rule.check == "held_without_sanction" and rule.params.get("extended"):
            return rule.params["hours"]
        if rule.check == "administrative_limit":
            return grounds[ground]
    return None


def longer_term_claimed(rule: Rule, record: Record, ctx: Context) -> Iterator[Finding]:
    """A longer term the register claims and the person was held into, so that a monitor checks its
    ground against the case file: not a breach, the claim the other rules accepted."""
    start = record.clock_start or record.start
    if not record.term_ground or start is None:
        return
    ordinary, allowed = _terms(rule, record, ctx)
    end = min([t for t in (record.court_sanction_at, record.left_at) if t is not None], default=ctx.now)
    if allowed is not None and end - start > ordinary * HOUR:
        yield Finding(rule.code, record.key, detail=(
            ("ground", record.term_ground), ("allowed_hours", allowed), ("ordinary_hours", ordinary),
            ("held_hours", _hours(end - start))), minor=_minor(record, ctx))


def cell_exception_claimed(rule: Rule, record: Record, ctx: Context) -> Iterator[Finding]:
    """An adult the register says may share a cell with minors, and the cells they were placed in."""
    if record.cell_exception and record.placements:
        cells = ", ".join(sorted({p.cell.rsplit(":", 1)[-1] for p in record.placements}))
        yield Finding(rule.code, record.key, detail=(("ground", record.cell_exception), ("cells", cells)))


def _terms(rule: Rule, record: Record, ctx: Context) -> tuple[float, float | None]:
    """The ordinary term of ``record`` and the longer one its claimed ground allows (None: the
    ground allows nothing longer under the rules in force), from the rules the claim rule names."""
    by_code = ctx.rules.by_code
    if record.legal_basis == "administrative":
        governing = by_code.get(rule.params["administrative"])
        if governing is None or not governing.enabled:
            return 0, None
        hours, ground = administrative_hours(governing.params, record)
        return governing.params["hours"], hours if ground else None
    minor = record.is_minor_at(record.clock_start or record.start, ctx.zone) is True
    ordinary_rule = by_code.get(rule.params["minor" if minor else "adult"])
    extended_rule = by_code.get(rule.params["extended"])
    if ordinary_rule is None or extended_rule is None or not extended_rule.enabled:
        return 0, None
    if record.term_ground not in extended_rule.params.get("grounds", ()):
        return ordinary_rule.params["hours"], None
    return ordinary_rule.params["hours"], extended_rule.params["hours"]


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
                                   frozenset({"extended", "categories", "grounds"})),
    "sanction_after_limit": Check(sanction_after_limit, frozenset({"limits_from"})),
    "administrative_limit": Check(administrative_limit, frozenset({"hours"}), frozenset({"grounds"})),
    "longer_term_claimed": Check(longer_term_claimed, frozenset({"adult", "minor", "extended", "administrative"})),
    "cell_exception_claimed": Check(cell_exception_claimed),
    "actual_detention_time": Check(actual_detention_time),
    "deadline": Check(deadline, frozenset({"base", "target", "hours"}),
                      frozenset({"minor_hours", "basis", "foreigners", "when_result"})),
    "minor_lawyer_before_interview": Check(minor_lawyer_before_interview),
    "chosen_lawyer_absent": Check(chosen_lawyer_absent, frozenset({"hours"})),
    "redetention": Check(redetention, frozenset({"hours"})),
    "required_fields": Check(required_fields, frozenset({"fields"})),
    "cell_separation": Check(None, frozenset({"kind"}), frozenset({"exceptions"}), per_cell=True),
}
