"""Receiving police custody registers: a file (CSV or XLSX) or one record from the police system.

Both paths validate with custody.validation (the same words for the same mistakes), write all or
nothing in one transaction, record the submission (its SHA-256 and counts) in the ledger as a
``custody:import`` entry, and evaluate the rules over the facilities it touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from custody.models import CellPlacement, Detention, ImportChannel, RegisterImport
from custody.models.register import MOMENTS
from custody.rules.facts import FACT_NAMES
from custody.services.alerts import evaluate_facilities
from custody.validation import RowInvalid, clean_placement, clean_record
from facilities.models import Facility, Unit
from facilities.services import within_mandate
from ledger import interface as ledger
from lib import faultpoints

LEDGER_KIND = "custody:import"
# The fields of Detention a submission sets (everything clean_record returns but the keys).
STORED = ("person", *FACT_NAMES, *MOMENTS)


@dataclass(frozen=True)
class Problem:
    """One reason a submission cannot be taken: where (sheet, line, column) and why."""

    sheet: str
    line: int | None
    column: str
    reason: str
    value: str = ""  # never the IIN


@dataclass
class Row:
    """One detention as cleaned, with its placements, and where it stood in the submission."""

    fields: dict[str, Any]
    line: int | None
    placements: list[dict[str, Any]] = field(default_factory=list)
    facility: Facility | None = None


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    placements: int = 0
    submission: RegisterImport | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _facilities(by: Any, codes: set[str]) -> dict[str, Facility]:
    found = Facility.objects.filter(code__in=sorted(codes))
    return {f.code: f for f in within_mandate(by, found)}


def resolve(rows: Sequence[Row], *, by: Any, problems: list[Problem], sheet: str = "",
            placement_sheet: str = "") -> None:
    """Attach facilities and units to the rows; unknown ones, duplicates and strays are problems."""
    codes = {row.fields["facility"] for row in rows} | {p["facility"] for row in rows for p in row.placements}
    facilities = _facilities(by, codes)
    seen: dict[tuple[str, str], int | None] = {}
    for row in rows:
        code, record_id = row.fields["facility"], row.fields["record_id"]
        row.facility = facilities.get(code)
        if row.facility is None:
            problems.append(Problem(sheet, row.line, "facility", _(
                "No facility with this code in the registry (or it is outside your mandate)."), code))
        if (code, record_id) in seen:
            problems.append(Problem(sheet, row.line, "record_id", _(
                "The same record appears twice (first on line %(line)s).") % {"line": seen[(code, record_id)]},
                record_id))
        else:
            seen[(code, record_id)] = row.line
    units: dict[tuple[int, str], Unit] = {}
    facility_ids = {f.pk for f in facilities.values()}
    for unit in Unit.objects.filter(facility_id__in=facility_ids):
        units[(unit.facility_id, unit.code)] = unit
    for row in rows:
        for placement in row.placements:
            if row.facility is None:
                continue
            unit = units.get((row.facility.pk, placement["cell"]))
            if unit is None:
                problems.append(Problem(placement_sheet, placement.get("line"), "cell", _(
                    "No cell with this code in the facility %(code)s.") % {"code": row.facility.code},
                    placement["cell"]))
            placement["unit"] = unit
            start = row.fields.get("detained_at") or row.fields.get("delivered_at")
            if start is not None and placement["from_at"] < start - dt.timedelta(hours=24):
                problems.append(Problem(placement_sheet, placement.get("line"), "from", _(
                    "The placement starts more than a day before the person was detained."), ""))


def _same(detention: Detention, fields: Mapping[str, Any], placements: list[dict[str, Any]] | None) -> bool:
    if any(getattr(detention, name) != fields.get(name) for name in STORED):
        return False
    if placements is None:
        return True
    have = sorted((p.unit_id, p.from_at, p.to_at) for p in detention.placements.all())
    return have == sorted((p["unit"].pk, p["from_at"], p["to_at"]) for p in placements)


def apply(rows: Sequence[Row], *, by: Any, channel: str, sha256: str, filename: str = "",
          replace_placements: bool = True, now: dt.datetime | None = None) -> Outcome:
    """Write the rows (all or nothing), log the submission and evaluate the rules. Rows must be resolved."""
    now = now or timezone.now()
    outcome = Outcome()
    with transaction.atomic():
        existing: dict[tuple[int, str], Detention] = {}
        keys = [(row.facility.pk, row.fields["record_id"]) for row in rows]
        for facility_id in {k[0] for k in keys}:
            ids = [k[1] for k in keys if k[0] == facility_id]
            for start in range(0, len(ids), 500):
                for d in (Detention.objects.select_for_update().filter(facility_id=facility_id,
                                                                       record_id__in=ids[start:start + 500])
                          .prefetch_related("placements")):
                    existing[(facility_id, d.record_id)] = d
        decisions = []
        for row in rows:
            fields = {name: row.fields.get(name) for name in STORED}
            given = row.placements if (row.placements or replace_placements) else None
            current = existing.get((row.facility.pk, row.fields["record_id"]))
            if current is not None and _same(current, fields, given):
                outcome.unchanged += 1
            else:
                decisions.append((row, fields, given, current))
        if channel == ImportChannel.API and not decisions:
            return outcome  # the same record again: nothing to write, nothing to log
        submission = RegisterImport.objects.create(channel=channel, by=by, filename=filename[:255], sha256=sha256)
        to_create, placements_of = [], []
        for row, fields, given, current in decisions:
            if current is None:
                detention = Detention(facility=row.facility, record_id=row.fields["record_id"], source=submission,
                                      source_line=row.line, **fields)
                to_create.append(detention)
                outcome.created += 1
            else:
                for name, value in fields.items():
                    setattr(current, name, value)
                current.source, current.source_line, current.revision = submission, row.line, current.revision + 1
                current.save()
                detention = current
                outcome.updated += 1
            if given is not None:
                placements_of.append((detention, given))
        Detention.objects.bulk_create(to_create, batch_size=500)
        replaced = [d.pk for d, _given in placements_of if d.pk is not None]
        CellPlacement.objects.filter(detention_id__in=replaced).delete()
        CellPlacement.objects.bulk_create([
            CellPlacement(detention=d, unit=p["unit"], from_at=p["from_at"], to_at=p["to_at"],
                          source_line=p.get("line"))
            for d, given in placements_of for p in given
        ], batch_size=500)
        outcome.placements = sum(len(given) for _d, given in placements_of)
        submission.detentions, submission.placements = len(rows), sum(len(row.placements) for row in rows)
        submission.created, submission.updated = outcome.created, outcome.updated
        submission.unchanged = outcome.unchanged
        facility_ids = sorted({row.facility.pk for row in rows})
        recorded = ledger.record(
            kind=LEDGER_KIND,
            record={"sha256": sha256, "channel": channel, "detentions": submission.detentions,
                    "placements": submission.placements, "created": outcome.created, "updated": outcome.updated,
                    "unchanged": outcome.unchanged, "facilities": facility_ids},
            scope=facility_ids[0] if len(facility_ids) == 1 else None,
            subject=f"custody.registerimport:{submission.pk}",
            now=now,
        )
        submission.ledger_index = recorded.index
        submission.save()
        if outcome.created or outcome.updated:
            evaluate_facilities(facility_ids=facility_ids, now=now)
        faultpoints.reached("custody:import:before-commit")
    outcome.submission = submission
    return outcome


# --- one record from the police system ------------------------------------------------------------


def canonical_sha256(body: Mapping[str, Any]) -> str:
    """SHA-256 of a submission as stored (the IIN replaced by its pseudonym): what the ledger commits to."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str, ensure_ascii=True).encode()).hexdigest()


def submit_record(*, by: Any, facility_code: str, record_id: str, data: Mapping[str, Any],
                  placements: Sequence[Mapping[str, Any]] | None, now: dt.datetime | None = None) -> Outcome:
    """Create or update one detention by its record id (idempotent: the same body twice changes nothing).

    ``placements`` replaces the record's cell placements when given; None leaves them as they are.
    """
    now = now or timezone.now()
    problems: list[Problem] = []
    raw = {**data, "facility": facility_code, "record_id": record_id}
    try:
        fields = clean_record(raw, now=now)
    except RowInvalid as e:
        return Outcome(problems=[Problem("", None, name, reason) for name, reason in e.errors.items()])
    row = Row(fields=fields, line=None)
    for n, placement in enumerate(placements or [], start=1):
        try:
            cleaned = clean_placement({**placement, "facility": facility_code, "record_id": record_id})
        except RowInvalid as e:
            problems.extend(Problem("", n, f"placements[{n - 1}].{name}", reason) for name, reason in e.errors.items())
            continue
        cleaned["line"] = n
        row.placements.append(cleaned)
    if problems:
        return Outcome(problems=problems)
    resolve([row], by=by, problems=problems)
    if problems:
        return Outcome(problems=problems)
    body = {**{k: v for k, v in fields.items()}, "placements": [
        {k: v for k, v in p.items() if k != "unit"} for p in row.placements]}
    return apply([row], by=by, channel=ImportChannel.API, sha256=canonical_sha256(body),
                 replace_placements=placements is not None, now=now)


# --- one event: a moment recorded on an existing detention -----------------------------------------


def record_event(*, by: Any, facility: Facility, record_id: str, moment: str, at: Any,
                 now: dt.datetime | None = None) -> Outcome:
    """Record one moment of a stored detention (the police system sends events as they happen).

    The moment is validated as in a full record (the same parsing, the same impossible orders);
    the same moment at the same time again changes nothing. A change is a submission with its
    ledger entry, and the rules are evaluated again for the facility.
    """
    from custody.models.register import MOMENTS
    from custody.validation import _check_order, parse_moment

    now = now or timezone.now()
    if moment not in MOMENTS:
        return Outcome(problems=[Problem("", None, "moment", _("Not one of: %(values)s.")
                                         % {"values": ", ".join(MOMENTS)})])
    try:
        value = parse_moment(at)
    except ValueError as e:
        return Outcome(problems=[Problem("", None, "at", str(e))])
    if value > now + dt.timedelta(hours=1):
        return Outcome(problems=[Problem("", None, "at", _("This moment is in the future."))])
    with transaction.atomic():
        detention = Detention.objects.select_for_update().filter(facility=facility, record_id=record_id).first()
        if detention is None:
            return Outcome(problems=[Problem("", None, "record_id", _(
                "No detention with this record id in this file or the register of this facility."))])
        if getattr(detention, moment) == value:
            return Outcome(unchanged=1)
        fields = {name: getattr(detention, name) for name in MOMENTS}
        fields["birth_date"] = detention.birth_date
        fields[moment] = value
        errors: dict[str, str] = {}
        _check_order(fields, errors)
        if errors:
            return Outcome(problems=[Problem("", None, "at" if name == moment else name, reason)
                                     for name, reason in errors.items()])
        body = {"record_id": record_id, "facility": facility.code, "moment": moment, "at": value.isoformat()}
        submission = RegisterImport.objects.create(channel=ImportChannel.API, by=by, sha256=canonical_sha256(body),
                                                   detentions=1, updated=1)
        setattr(detention, moment, value)
        detention.source, detention.source_line, detention.revision = submission, None, detention.revision + 1
        detention.save()
        recorded = ledger.record(kind=LEDGER_KIND, record={
            "sha256": submission.sha256, "channel": "api", "detentions": 1, "placements": 0, "created": 0,
            "updated": 1, "unchanged": 0, "facilities": [facility.pk]}, scope=facility.pk,
            subject=f"custody.registerimport:{submission.pk}", now=now)
        submission.ledger_index = recorded.index
        submission.save(update_fields=["ledger_index"])
        evaluate_facilities(facility_ids=[facility.pk], now=now)
    return Outcome(updated=1, submission=submission)
