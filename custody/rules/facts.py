"""The facts a rule reads: plain records, so the engine runs without a database (and fast)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

MOMENT_NAMES = (
    "detained_at", "delivered_at", "protocol_at", "prosecutor_notified_at", "family_notified_at",
    "consulate_notified_at", "lawyer_requested_at", "lawyer_arrived_at", "lawyer_replacement_offered_at",
    "first_interview_at", "medical_exam_at", "injuries_reported_at", "court_sanction_at",
    "transferred_at", "released_at",
)
FACT_NAMES = (
    "birth_date", "sex", "citizenship", "legal_basis", "offence_category", "state_of_emergency",
    "related_group", "infectious", "lawyer_kind", "court_decision", "medical_result",
    "term_ground", "cell_exception",
)


@dataclass(slots=True)
class Placement:
    cell: str  # unique within the register (facility and unit)
    start: dt.datetime
    end: dt.datetime | None = None
    line: str = ""


@dataclass(slots=True)
class Record:
    """One detention. Every field may be missing (None or ""): rules never assume one is there."""

    key: str
    facility: str = ""
    person: str = ""
    line: str = ""  # where the register says this (for the evidence)
    birth_date: dt.date | None = None
    sex: str = ""
    citizenship: str = ""
    legal_basis: str = ""
    offence_category: str = ""
    state_of_emergency: bool = False
    related_group: str = ""
    infectious: bool | None = None
    lawyer_kind: str = ""
    court_decision: str = ""
    medical_result: str = ""
    term_ground: str = ""  # the ground of a longer term the register claims (custody.grounds.TermGround)
    cell_exception: str = ""  # the ground of an adult sharing a cell with minors (CellException)
    detained_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    protocol_at: dt.datetime | None = None
    prosecutor_notified_at: dt.datetime | None = None
    family_notified_at: dt.datetime | None = None
    consulate_notified_at: dt.datetime | None = None
    lawyer_requested_at: dt.datetime | None = None
    lawyer_arrived_at: dt.datetime | None = None
    lawyer_replacement_offered_at: dt.datetime | None = None
    first_interview_at: dt.datetime | None = None
    medical_exam_at: dt.datetime | None = None
    injuries_reported_at: dt.datetime | None = None
    court_sanction_at: dt.datetime | None = None
    transferred_at: dt.datetime | None = None
    released_at: dt.datetime | None = None
    placements: list[Placement] = field(default_factory=list)
    # Set by the engine: the earlier detention of the same person this one continues (released
    # less than 24 hours before), and the moment the term is counted from.
    previous: Record | None = None
    clock_start: dt.datetime | None = None

    @property
    def start(self) -> dt.datetime | None:
        """When the person's liberty was taken: actual detention, else (a lower bound) delivery."""
        return self.detained_at or self.delivered_at

    @property
    def left_at(self) -> dt.datetime | None:
        """When the person left this centre (release or transfer), if they did."""
        ends = [t for t in (self.released_at, self.transferred_at) if t is not None]
        return min(ends) if ends else None

    def adult_from(self) -> dt.date | None:
        """The person's 18th birthday (29 February: 1 March), or None when the birth date is unknown."""
        b = self.birth_date
        if b is None:
            return None
        try:
            return b.replace(year=b.year + 18)
        except ValueError:
            return dt.date(b.year + 18, 3, 1)

    def is_minor_at(self, moment: dt.datetime | None, zone: dt.tzinfo) -> bool | None:
        """Under 18 at ``moment`` (judged on the local date); None when either is unknown."""
        adult = self.adult_from()
        if adult is None or moment is None:
            return None
        return moment.astimezone(zone).date() < adult

    @property
    def is_foreigner(self) -> bool | None:
        if not self.citizenship:
            return None
        return self.citizenship.upper() not in ("KZ", "XX")  # XX: stateless, no consulate to tell


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule broken by one record (and, for cell rules, another); what it is about, in ``detail``."""

    rule: str
    record: str
    other: str = ""
    missing: str = ""  # the field whose absence is the finding, if that is what it is
    detail: tuple[tuple[str, object], ...] = ()
    minor: bool = False

    @property
    def key(self) -> str:
        return ":".join(part for part in (self.rule, self.record, self.other, self.missing) if part)
