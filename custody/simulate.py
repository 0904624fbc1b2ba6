"""Simulated custody registers: lawful detentions with known breaches planted at known rates.

Used by the tests (a week of several police centres must produce exactly the planted alerts) and
by ``bench/bench_custody.py`` (a national year). Everything is deterministic for a seed. Cells are
kept apart by who is held (men, women, children, the sick) so that the only cell findings are the
planted ones.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from custody import iin
from custody.conf import KAZAKHSTAN
from custody.rules.facts import MOMENT_NAMES, Placement, Record

H = dt.timedelta(hours=1)
CELLS = ("men", "women", "children", "sick")


def _lawful(rnd: random.Random, key: str, centre: str, start: dt.datetime, kind: str) -> Record:
    r = Record(key=key, facility=centre, person=f"person-{key}", line=key)
    if kind == "minor":
        r.birth_date = (start - dt.timedelta(days=rnd.randint(15 * 365, 17 * 365))).date()
    else:
        r.birth_date = (start - dt.timedelta(days=rnd.randint(19 * 365, 70 * 365))).date()
    r.sex = "female" if kind == "woman" else "male"
    r.citizenship = "KZ"
    r.legal_basis = "administrative" if kind == "administrative" else "criminal"
    r.offence_category = "administrative" if kind == "administrative" else rnd.choice(["minor_gravity", "medium",
                                                                                     "grave"])
    r.infectious = False
    r.detained_at = start
    r.delivered_at = start + 0.5 * H
    r.family_notified_at = start + 1 * H
    r.medical_exam_at = start + 1.5 * H
    r.medical_result = "no_injuries"
    if kind == "administrative":
        r.released_at = start + 2.5 * H
    else:
        r.protocol_at = start + 1.5 * H
        r.prosecutor_notified_at = start + 3 * H
        r.court_sanction_at = start + (20 if kind == "minor" else 30) * H
        r.court_decision = "custody"
        r.transferred_at = r.court_sanction_at + H
        if kind == "minor":
            r.lawyer_kind, r.lawyer_requested_at, r.lawyer_arrived_at = "legal_aid", start + 0.6 * H, start + 0.9 * H
            r.first_interview_at = start + 2 * H
    cell = "children" if kind == "minor" else "women" if r.sex == "female" else "men"
    r.placements = [Placement(cell=f"{centre}:{cell}", start=r.delivered_at, end=r.left_at, line=f"{key}/1")]
    return r


def _late(field: str, hours: float) -> Callable[[Record], None]:
    def plant(r: Record) -> None:
        base = {"protocol_at": r.delivered_at, "prosecutor_notified_at": r.protocol_at,
                "family_notified_at": r.detained_at, "medical_exam_at": r.delivered_at}[field]
        setattr(r, field, base + hours * H)
    return plant


def _held(hours: float) -> Callable[[Record], None]:
    def plant(r: Record) -> None:
        r.court_sanction_at = None
        r.court_decision = ""
        r.transferred_at = None
        r.released_at = r.detained_at + hours * H
        r.placements[0].end = r.released_at
    return plant


def _cell(cell: str) -> Callable[[Record], None]:
    def plant(r: Record) -> None:
        r.placements[0].cell = r.placements[0].cell.rsplit(":", 1)[0] + ":" + cell
    return plant


def _infectious(r: Record) -> None:
    r.infectious = True  # in the men's cell with others


def _injuries(r: Record) -> None:
    r.medical_result = "injuries"


def _chosen_lawyer(r: Record) -> None:
    r.lawyer_kind, r.lawyer_requested_at = "chosen", r.detained_at + H
    r.lawyer_arrived_at = r.lawyer_replacement_offered_at = None


def _claimed_term(r: Record) -> None:
    _held(60)(r)
    r.term_ground = "criminal_group"  # lawful for 72 hours on that ground: listed for a monitor to check


def _claimed_cell(r: Record) -> None:
    _cell("children")(r)
    r.cell_exception = "first_time_adult"  # an adult placed with the children on that ground


def _no_detention_time(r: Record) -> None:
    r.detained_at = None


# rule -> (who it is planted on, how). Each plants exactly that one finding on a lawful record.
PLANTS: dict[str, tuple[str, Callable[[Record], None]]] = {
    "adult_sanction_48h": ("adult", _held(50)),
    "minor_sanction_24h": ("minor", _held(26)),
    "administrative_3h": ("administrative", lambda r: setattr(r, "released_at", r.detained_at + 4 * H)),
    "protocol_3h": ("adult", _late("protocol_at", 4)),
    "prosecutor_notice_12h": ("adult", _late("prosecutor_notified_at", 13)),
    "family_notice_12h": ("adult", _late("family_notified_at", 13)),
    "medical_exam_24h": ("adult", _late("medical_exam_at", 25)),
    "injuries_not_reported": ("adult", _injuries),
    "chosen_lawyer_absent_24h": ("adult", _chosen_lawyer),
    "minor_with_adult": ("minor", _cell("men")),
    "infectious_with_others": ("adult", _infectious),
    "longer_term_claimed": ("adult", _claimed_term),
    "cell_exception_claimed": ("adult", _claimed_cell),
}


@dataclass
class Simulation:
    records: list[Record]
    planted: set[tuple[str, str]]  # (record key, rule)


def simulate(*, centres: list[str], days: int, per_day: int, breach_rate: float, seed: int = 1,
             start: dt.datetime | None = None) -> Simulation:
    """``per_day`` detentions per centre per day for ``days`` days; a share ``breach_rate`` of them
    carries one planted breach. ``planted`` lists what the rules must find, and nothing else."""
    rnd = random.Random(seed)
    start = start or dt.datetime(2026, 3, 2, 0, 0, tzinfo=KAZAKHSTAN)
    records, planted = [], set()
    kinds = ["adult"] * 7 + ["woman"] + ["minor"] + ["administrative"]
    rules = sorted(PLANTS)
    n = 0
    for day in range(days):
        for centre in centres:
            for _ in range(per_day):
                n += 1
                moment = start + dt.timedelta(days=day, minutes=rnd.randint(0, 24 * 60 - 1))
                if rnd.random() < breach_rate:
                    rule = rules[n % len(rules)]
                    who, plant = PLANTS[rule]
                    record = _lawful(rnd, f"{centre}-{n}", centre, moment, who)
                    plant(record)
                    if rule in ("minor_with_adult", "infectious_with_others"):
                        # the cell needs company: an adult man held at the same time
                        mate = _lawful(rnd, f"{centre}-{n}m", centre, moment, "adult")
                        records.append(mate)
                    planted.add((record.key, rule))
                else:
                    record = _lawful(rnd, f"{centre}-{n}", centre, moment, rnd.choice(kinds))
                records.append(record)
    return Simulation(records=records, planted=planted)


def as_rows(records: list[Record]) -> Iterator[tuple[dict[str, str], list[dict[str, str]]]]:
    """Each record as a register row and its placement rows (strings, as a police centre writes them)."""
    for n, r in enumerate(records, start=1):
        row = {"record_id": r.key, "facility": r.facility, "iin": iin.make(r.birth_date, r.sex, serial=n),
               "citizenship": r.citizenship, "legal_basis": r.legal_basis, "offence_category": r.offence_category,
               "infectious": "yes" if r.infectious else "no", "lawyer_kind": r.lawyer_kind,
               "court_decision": r.court_decision, "medical_result": r.medical_result,
               "term_ground": r.term_ground, "cell_exception": r.cell_exception}
        for name in MOMENT_NAMES:
            value = getattr(r, name)
            if value is not None:
                row[name] = value.astimezone(KAZAKHSTAN).isoformat()
        placements = [{"record_id": r.key, "facility": r.facility, "cell": p.cell.rsplit(":", 1)[1],
                       "from": p.start.astimezone(KAZAKHSTAN).isoformat(),
                       "until": p.end.astimezone(KAZAKHSTAN).isoformat() if p.end else ""} for p in r.placements]
        yield {k: v for k, v in row.items() if v not in ("", None)}, placements
