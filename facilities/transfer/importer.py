"""Import of the registry from a spreadsheet: validate every row, then apply all or nothing.

`import_file` reads the file (formats.py), parses every cell against the dataset's columns
(columns.py), checks references and the models' own validation for every row, and collects every
problem as (sheet, line, column, value, reason) in the active language. Only a file without a
single problem is applied, through facilities.services (so each change leaves its audit record
and ledger entry, and a re-imported unchanged row leaves none), in transactions of APPLY_CHUNK
rows so that other writers never wait for the whole file.
"""

from __future__ import annotations

import copy
import datetime as dt
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, OrganisationKind
from facilities import services, text_rules
from facilities.models import ChangeAction, Facility, PopulationSnapshot, Region, Unit, UnitOccupancy
from facilities.transfer import formats
from facilities.transfer.cells import Problem, Row, normalise_name, parse_table
from facilities.transfer.columns import APPLY_ORDER, DATASETS, FACILITIES, POPULATION, UNITS, Dataset
from facilities.transfer.formats import FileRejected, Limits, Table
from lib.charts import format_number

CHUNK = 500  # ids per IN (...) clause: well under SQLite's and PostgreSQL's parameter limits
# Rows per transaction when applying, and at most this long: what another writer may wait for.
APPLY_CHUNK = 100
APPLY_CHUNK_SECONDS = 0.1



@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ImportReport:
    problems: list[Problem] = field(default_factory=list)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    applied: bool = False
    # Rows applied before a problem or the time limit stopped the import, of the rows to apply
    # (0 of 0 when nothing was applied).
    saved: int = 0
    to_save: int = 0
    # How the file was read: "CSV", with the encoding found (formats.Encoding), or "XLSX".
    read_as: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


# --- entry point -------------------------------------------------------------------------------

def import_file(
    *, data: bytes, filename: str, by: Any, dataset: str = "", dry_run: bool = False, limits: Limits | None = None,
    apply_until: float | None = None,
) -> ImportReport:
    """Validate the whole file and, if nothing is wrong and not `dry_run`, apply it atomically.

    `by` is the user the changes are recorded against and whose mandate bounds them (None: the
    system, e.g. a management command run without --user, with no mandate limit).
    `apply_until` (a ``time.monotonic()`` moment; a web request's, which its server would cut off)
    stops applying after the chunk that passes it, and the report says how many rows were saved
    and that the same file imported again saves the rest.
    """
    limits = limits or Limits.from_settings()
    report = ImportReport()
    if dataset and dataset not in DATASETS:
        report.problems.append(_file_problem(_("Unknown dataset “%(name)s”.") % {"name": dataset}))
        return report
    if len(data) > limits.max_bytes:
        report.problems.append(_file_problem(_too_large_message(limits.max_bytes)))
        return report
    try:
        tables = _read(data, filename, dataset, limits, report)
    except FileRejected as exc:
        report.problems.append(Problem(exc.sheet, exc.line, "", "", exc.message))
        return report
    if not any(table.rows for _name, table in tables):
        report.problems.append(_file_problem(_("The file has a header but no data rows.")
                                             if any(t.header for _n, t in tables) else _("The file is empty.")))
        return report

    plan = _Plan(actor=by)
    by_dataset = {name: table for name, table in tables}
    for name in APPLY_ORDER:
        if name in by_dataset:
            rows = parse_table(DATASETS[name], by_dataset[name], limits, report.problems)
            if rows is not None:
                _VALIDATORS[name](plan, rows, report.problems)
    report.outcomes = plan.outcomes()
    if report.problems:
        _sort_problems(report.problems, tables)
        return report
    if not dry_run:
        _apply(plan, report, until=apply_until)
    return report


def _sort_problems(problems: list[Problem], tables: list[tuple[str, Table]]) -> None:
    """In reading order: file-wide problems, then by sheet, line and column."""
    sheets = {table.sheet: (rank, DATASETS[name].header) for rank, (name, table) in enumerate(tables, start=1)}

    def key(problem: Problem) -> tuple[int, int, int]:
        rank, header = sheets.get(problem.sheet, (0, []))
        column = header.index(problem.column) if problem.column in header else len(header)
        return (rank, problem.line or 0, column)

    problems.sort(key=key)


def _too_large_message(max_bytes: int) -> str:
    return _("The file is larger than %(max)s MB.") % {"max": f"{max_bytes / (1024 * 1024):g}"}


def too_large_problem(max_bytes: int) -> Problem:
    return _file_problem(_too_large_message(max_bytes))


def _file_problem(reason: str) -> Problem:
    return Problem("", None, "", "", reason)


def _read(
    data: bytes, filename: str, dataset: str, limits: Limits, report: ImportReport
) -> list[tuple[str, Table]]:
    if formats.check_kind(data, filename) == "csv":
        table = formats.read_csv(data, limits)
        report.read_as = _("CSV in %(encoding)s") % {"encoding": table.encoding}
        if not table.header:
            raise FileRejected(_("The file is empty."))
        name = dataset or _detect_dataset(table)
        table.sheet = name
        return [(name, table)]

    def wanted(title: str) -> bool:
        return normalise_name(title) in DATASETS and (not dataset or normalise_name(title) == dataset)

    titles, tables = formats.read_xlsx(data, limits, wanted)
    report.read_as = _("XLSX workbook")
    if dataset and not tables and len(titles) == 1:
        # A one-sheet workbook ("Sheet1") with the dataset chosen on the form: that sheet is it.
        _titles, tables = formats.read_xlsx(data, limits, lambda title: True)
    if not dataset:
        for title in titles:
            if normalise_name(title) not in DATASETS:
                report.problems.append(Problem(
                    title, None, "", "",
                    _("This sheet is not a dataset; name sheets %(names)s, or remove it.")
                    % {"names": ", ".join(DATASETS)},
                ))
    if not tables:
        raise FileRejected(_("The workbook has no sheet named %(names)s.")
                           % {"names": dataset or ", ".join(DATASETS)})
    result: list[tuple[str, Table]] = []
    seen: set[str] = set()
    for table in tables:
        name = dataset or normalise_name(table.sheet)
        if name in seen:
            report.problems.append(Problem(table.sheet, None, "", "",
                                           _("The workbook has two sheets for this dataset.")))
            continue
        seen.add(name)
        result.append((name, table))
    return result


def _detect_dataset(table: Table) -> str:
    names = {normalise_name(cell) for cell in table.header}
    candidates = [d.name for d in DATASETS.values() if set(d.required_key) <= names]
    if len(candidates) != 1:
        raise FileRejected(_(
            "Cannot tell which dataset this CSV file holds from its header; choose the dataset."
        ))
    return candidates[0]


# --- validation --------------------------------------------------------------------------------

@dataclass
class _Step:
    """One change to make: the service to call and what to call it with."""

    dataset: str
    row: Row
    action: ChangeAction
    target: Any = None  # the existing record for an update
    fields: dict[str, Any] = field(default_factory=dict)
    facility_code: str = ""


@dataclass
class _Plan:
    actor: Any
    steps: list[_Step] = field(default_factory=list)
    unchanged: dict[str, int] = field(default_factory=dict)
    # Facilities the file refers to: existing ones (in the mandate) and those it creates.
    facilities: dict[str, Facility] = field(default_factory=dict)
    creates_facility: set[str] = field(default_factory=set)
    outside_mandate: set[str] = field(default_factory=set)
    # Since when each facility of the file is in use, as it will be once the file is applied.
    opened_on: dict[str, dt.date | None] = field(default_factory=dict)

    def outcomes(self) -> dict[str, Outcome]:
        result: dict[str, Outcome] = {}
        for step in self.steps:
            outcome = result.setdefault(step.dataset, Outcome())
            if step.action == ChangeAction.CREATE:
                outcome.created += 1
            else:
                outcome.updated += 1
        for name, count in self.unchanged.items():
            result.setdefault(name, Outcome()).unchanged += count
        return {name: result[name] for name in APPLY_ORDER if name in result}

    def keep(self, dataset: str) -> None:
        self.unchanged[dataset] = self.unchanged.get(dataset, 0) + 1

    def load_facilities(self, codes: Iterable[str]) -> None:
        """Fetch the existing facilities among `codes`, noting those outside the actor's mandate."""
        wanted = sorted(set(codes) - set(self.facilities) - self.outside_mandate)
        for chunk in _chunks(wanted):
            found = {f.code: f for f in Facility.objects.filter(code__in=chunk)}
            # The same mandate rule the services apply to each change (services.within_mandate).
            allowed = set(services.within_mandate(self.actor, Facility.objects.filter(code__in=chunk))
                          .values_list("code", flat=True))
            for code, facility in found.items():
                if code in allowed:
                    self.facilities[code] = facility
                    self.opened_on.setdefault(code, facility.opened_on)
                else:
                    self.outside_mandate.add(code)


def _chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _duplicates(rows: list[Row], dataset: Dataset, problems: list[Problem]) -> list[Row]:
    """The rows whose key is complete and first seen; a repeated key is a problem."""
    first_line: dict[tuple, int] = {}
    unique = []
    for row in rows:
        if any(key in row.bad for key in dataset.key):
            continue
        key = tuple(row.values[name] for name in dataset.key)
        if key in first_line:
            row.problem(dataset.key[-1], _("Another row (line %(line)s) is for the same record.")
                        % {"line": first_line[key]}, problems)
            continue
        first_line[key] = row.line
        unique.append(row)
    return unique


def _model_problems(
    instance: Any, row: Row, dataset: Dataset, exclude: list[str], problems: list[Problem]
) -> None:
    """Run the model's own validation, reporting each message against its column."""
    skip = [*exclude, *(dataset.column(name).model_field for name in row.bad)]
    try:
        # Uniqueness is settled by the keys above, and the check constraints are mirrored in
        # clean(); validating them here would cost queries per row.
        instance.full_clean(exclude=skip, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        _report_validation_error(exc, row, dataset, problems)


def _report_validation_error(exc: ValidationError, row: Row, dataset: Dataset, problems: list[Problem]) -> None:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    for field_name, messages in errors.items():
        column = "" if field_name == NON_FIELD_ERRORS else dataset.column_for_field(field_name) or field_name
        if column in row.bad:
            continue
        for message in messages:
            row.problem(column, message, problems)


def _missing_for_create(row: Row, dataset: Dataset, problems: list[Problem]) -> None:
    for column in dataset.columns:
        if column.required and column.name not in row.values and column.name not in row.bad:
            row.problem(column.name, _("A new record needs this column."), problems)


def _validate_facilities(plan: _Plan, rows: list[Row], problems: list[Problem]) -> None:
    dataset = FACILITIES
    rows = _duplicates(rows, dataset, problems)
    plan.load_facilities(row.values["code"] for row in rows)
    regions = {region.code: region for region in Region.objects.all()}
    operator_codes = sorted({row.values["operator"] for row in rows if "operator" in row.values})
    operators: dict[str, Organisation] = {}
    for chunk in _chunks(operator_codes):
        operators.update((o.code, o) for o in Organisation.objects.filter(code__in=chunk))
    known_codes: list[str] | None = None
    for row in rows:
        code = row.values["code"]
        if code in plan.outside_mandate:
            row.problem("code", _("A facility with this code exists outside your mandate."), problems)
            continue
        existing = plan.facilities.get(code)
        changes = _facility_fields(row, regions, operators, existing, problems)
        if existing is not None:
            changes = {name: value for name, value in changes.items() if _differs(existing, name, value)}
        changes = _ruled(changes, services.FACILITY_RULES, row, dataset, problems)
        if existing is None:
            if known_codes is None:  # every code, once: a look-alike may be anywhere in the registry
                known_codes = list(Facility.objects.values_list("code", flat=True))
            if "code" in changes and (problem := services.lookalike_problem(
                    changes["code"], [*known_codes, *plan.creates_facility])):
                row.problem("code", problem, problems)
            plan.creates_facility.add(code)
            plan.opened_on[code] = changes.get("opened_on")
            _missing_for_create(row, dataset, problems)
            candidate = Facility(**changes)
        else:
            changes = {name: value for name, value in changes.items() if _differs(existing, name, value)}
            plan.opened_on[code] = changes.get("opened_on", existing.opened_on)
            if not changes:
                plan.keep(dataset.name)
                continue
            candidate = copy.copy(existing)
            for name, value in changes.items():
                setattr(candidate, name, value)
        _model_problems(candidate, row, dataset, ["region", "operator", "latest_snapshot"], problems)
        action = ChangeAction.UPDATE if existing else ChangeAction.CREATE
        plan.steps.append(_Step(dataset.name, row, action, existing, changes))
    _check_opened_on(plan, problems)


def _ruled(
    fields: dict[str, Any], rules: dict[str, Any], row: Row, dataset: Dataset, problems: list[Problem]
) -> dict[str, Any]:
    """The fields as the services' rules clean them; a value that breaks a rule is reported and left out."""
    try:
        return services.apply_rules(fields, rules)
    except ValidationError as exc:
        _report_validation_error(exc, row, dataset, problems)
        broken = set(exc.message_dict)
        return {name: value for name, value in fields.items() if name not in broken}


def _check_opened_on(plan: _Plan, problems: list[Problem]) -> None:
    """A facility cannot have opened after a count the registry already holds for it."""
    moved = [s for s in plan.steps if s.dataset == "facilities" and s.target is not None
             and s.fields.get("opened_on") is not None]
    firsts: dict[int, dt.date] = {}
    for chunk in _chunks([step.target.pk for step in moved]):
        firsts.update(PopulationSnapshot.objects.filter(facility_id__in=chunk).values("facility_id")
                      .annotate(first=Min("date")).values_list("facility_id", "first"))
    for step in moved:
        if problem := services.opened_on_problem(step.fields["opened_on"], firsts.get(step.target.pk)):
            step.row.problem("opened_on", problem, problems)


def _facility_fields(
    row: Row, regions: dict[str, Region], operators: dict[str, Organisation], existing: Facility | None,
    problems: list[Problem],
) -> dict[str, Any]:
    fields = {}
    for name, value in row.values.items():
        if name == "region":
            region = regions.get(value)
            if region is None:
                row.problem(name, _("No region has this code."), problems)
                continue
            value = region
        elif name == "operator":
            operator = operators.get(value)
            keeps_current = existing is not None and operator is not None and operator.pk == existing.operator_id
            if operator is None or (operator.kind != OrganisationKind.OPERATOR and not keeps_current):
                row.problem(name, _("No operating organisation has this code."), problems)
                continue
            value = operator
        fields[name] = value
    return fields


def _differs(instance: Any, name: str, value: Any) -> bool:
    if hasattr(value, "pk"):
        return getattr(instance, f"{name}_id") != value.pk
    return getattr(instance, name) != value


def _resolve_facility(plan: _Plan, row: Row, problems: list[Problem]) -> bool:
    """Whether the row's facility exists in the mandate or is created by this file."""
    code = row.values["facility_code"]
    if code in plan.facilities or code in plan.creates_facility:
        return True
    if code in plan.outside_mandate:
        row.problem("facility_code", _("This facility is outside your mandate."), problems)
    else:
        row.problem("facility_code", _("No facility has this code, in the registry or in this file."), problems)
    return False


def _referenced_facilities(plan: _Plan, rows: list[Row]) -> list[int]:
    """Ids of the existing facilities the rows refer to (loading them into the plan)."""
    codes = {row.values["facility_code"] for row in rows}
    plan.load_facilities(codes)
    return sorted(plan.facilities[code].pk for code in codes if code in plan.facilities)


def _validate_units(plan: _Plan, rows: list[Row], problems: list[Problem]) -> None:
    dataset = UNITS
    rows = _duplicates(rows, dataset, problems)
    facility_ids = _referenced_facilities(plan, rows)
    existing: dict[tuple[int, str], Unit] = {}
    for chunk in _chunks(facility_ids):
        existing.update(((u.facility_id, u.code), u) for u in Unit.objects.filter(facility_id__in=chunk))
    for row in rows:
        if not _resolve_facility(plan, row, problems):
            continue
        code = row.values["facility_code"]
        facility = plan.facilities.get(code)
        fields = {dataset.column(name).model_field: value
                  for name, value in row.values.items() if name != "facility_code"}
        unit = existing.get((facility.pk, fields["code"])) if facility else None
        if unit is not None:
            fields = {name: value for name, value in fields.items() if _differs(unit, name, value)}
        fields = _ruled(fields, services.UNIT_RULES, row, dataset, problems)
        if unit is None:
            _missing_for_create(row, dataset, problems)
            candidate = Unit(**fields)
        else:
            fields = {name: value for name, value in fields.items() if _differs(unit, name, value)}
            if not fields:
                plan.keep(dataset.name)
                continue
            candidate = copy.copy(unit)
            for name, value in fields.items():
                setattr(candidate, name, value)
        _model_problems(candidate, row, dataset, ["facility"], problems)
        action = ChangeAction.UPDATE if unit else ChangeAction.CREATE
        plan.steps.append(_Step(dataset.name, row, action, unit, fields, code))


def _validate_population(plan: _Plan, rows: list[Row], problems: list[Problem]) -> None:
    dataset = POPULATION
    rows = _duplicates(rows, dataset, problems)
    facility_ids = _referenced_facilities(plan, rows)
    dates = sorted({row.values["date"] for row in rows})
    # The dates narrow the query for the usual monthly file; a long history is fetched whole.
    on_dates = {"date__in": dates} if len(dates) <= CHUNK else {}
    existing: dict[tuple[int, dt.date, str], PopulationSnapshot] = {}
    for chunk in _chunks(facility_ids):
        existing.update(((s.facility_id, s.date, s.source), s)
                        for s in PopulationSnapshot.objects.filter(facility_id__in=chunk, **on_dates))
    changed: list[tuple[Row, _Step, PopulationSnapshot]] = []
    today = timezone.localdate()
    for row in rows:
        if not _resolve_facility(plan, row, problems):
            continue
        code = row.values["facility_code"]
        facility = plan.facilities.get(code)
        try:  # the date rules of services.record_population_snapshot
            text_rules.count_date(row.values["date"], opened_on=plan.opened_on.get(code), today=today)
        except text_rules.RuleError as error:
            row.problem("date", str(error), problems)
            continue
        try:  # who may record a verified count: the rule of services.record_population_snapshot
            source = services.source_for(plan.actor, row.values["source"])
        except ValidationError as exc:
            _report_validation_error(exc, row, dataset, problems)
            continue
        counts = {name: value for name, value in row.values.items() if name not in dataset.key}
        snapshot = existing.get((facility.pk, row.values["date"], source)) if facility else None
        if snapshot is None:
            _missing_for_create(row, dataset, problems)
            candidate = PopulationSnapshot(date=row.values["date"])
            for name in services.SNAPSHOT_COUNT_FIELDS:
                setattr(candidate, name, counts.get(name))  # a count not given is not reported
        else:
            if not any(_differs(snapshot, name, value) for name, value in counts.items()):
                plan.keep(dataset.name)
                continue
            candidate = copy.copy(snapshot)
            for name, value in counts.items():
                setattr(candidate, name, value)
        _model_problems(candidate, row, dataset, ["facility"], problems)
        # The service replaces every count, so an update carries the existing ones not in the file.
        full_counts = {name: getattr(candidate, name) for name in services.SNAPSHOT_COUNT_FIELDS}
        step = _Step(dataset.name, row, ChangeAction.UPDATE if snapshot else ChangeAction.CREATE, snapshot,
                     {"date": row.values["date"], "source": source, **full_counts}, code)
        plan.steps.append(step)
        if snapshot is not None:
            changed.append((row, step, snapshot))
    _check_occupancy(changed, problems)


def _check_occupancy(changed: list[tuple[Row, _Step, PopulationSnapshot]], problems: list[Problem]) -> None:
    """A corrected total must still hold the people recorded in the units on that date."""
    ids = [snapshot.pk for _row, _step, snapshot in changed]
    occupied: dict[int, int] = {}
    for chunk in _chunks(ids):
        occupied.update(
            UnitOccupancy.objects.filter(snapshot_id__in=chunk).values("snapshot_id")
            .annotate(people=Sum("occupants")).values_list("snapshot_id", "people")
        )
    for row, step, snapshot in changed:
        people = occupied.get(snapshot.pk, 0)
        if people > step.fields["total"] and "total" not in row.bad:
            row.problem("total", _("The units hold %(people)s people on this date, more than this total.")
                        % {"people": people}, problems)


_VALIDATORS = {
    "facilities": _validate_facilities,
    "units": _validate_units,
    "population": _validate_population,
}


# --- applying ----------------------------------------------------------------------------------

def _apply(plan: _Plan, report: ImportReport, *, until: float | None = None) -> None:
    """Make every change, in transactions of at most APPLY_CHUNK rows or APPLY_CHUNK_SECONDS, so
    other writers never wait for a whole file. A failure (only a concurrent change gets one: every
    row was checked) undoes its chunk and becomes a problem saying how many rows were saved before.
    Past `until`, it stops between chunks and says how many rows were saved."""
    occupancy = _occupancy_of(plan)
    step: _Step | None = None
    saved = 0
    try:
        while saved < len(plan.steps):
            deadline = time.monotonic() + APPLY_CHUNK_SECONDS
            with transaction.atomic():
                done = saved
                for step in plan.steps[saved:saved + APPLY_CHUNK]:
                    _apply_step(plan, step, occupancy)
                    done += 1
                    if time.monotonic() > deadline:
                        break
            saved = done  # a writer waiting meanwhile goes next (on SQLite: lib.writer_turn)
            if until is not None and saved < len(plan.steps) and time.monotonic() > until:
                report.saved, report.to_save = saved, len(plan.steps)
                report.problems.append(_file_problem(
                    _("The time a web page may take ran out: %(saved)s of %(total)s rows were saved. "
                      "Import the same file again to save the rest (the saved rows will count as "
                      "unchanged), or import a file this large with the import_registry command.")
                    % {"saved": format_number(saved), "total": format_number(len(plan.steps))}))
                return
    except services.OutsideMandate as refusal:
        # Checked beforehand, so only a concurrent change gets here.
        step.row.problem("", str(refusal), report.problems)
        _report_saved(saved, report, len(plan.steps))
        return
    except ValidationError as exc:
        _report_validation_error(exc, step.row, DATASETS[step.dataset], report.problems)
        if not report.problems:
            step.row.problem("", _("The row could not be saved; no change was made."), report.problems)
        _report_saved(saved, report, len(plan.steps))
        return
    except DatabaseError:
        message = _("The row could not be saved; no change was made. Try again.")
        if step is None:
            report.problems.append(_file_problem(message))
        else:
            step.row.problem("", message, report.problems)
        _report_saved(saved, report, len(plan.steps))
        return
    report.applied = True


def _report_saved(saved: int, report: ImportReport, to_save: int) -> None:
    if saved:
        report.saved, report.to_save = saved, to_save
        report.problems.insert(0, _file_problem(
            _("%(saved)s rows before this problem were saved. Import the corrected file again: "
              "the saved rows will count as unchanged.") % {"saved": format_number(saved)}
        ))


def _occupancy_of(plan: _Plan) -> tuple[dict[int, dict[Unit, int]], dict[int, dict[Unit, int]]]:
    """Unit occupancies and minors of the snapshots being corrected, so the correction keeps them."""
    ids = [s.target.pk for s in plan.steps if s.dataset == "population" and s.target is not None]
    occupants: dict[int, dict[Unit, int]] = {}
    minors: dict[int, dict[Unit, int]] = {}
    for chunk in _chunks(ids):
        for occupancy in UnitOccupancy.objects.filter(snapshot_id__in=chunk).select_related("unit"):
            occupants.setdefault(occupancy.snapshot_id, {})[occupancy.unit] = occupancy.occupants
            if occupancy.minors is not None:
                minors.setdefault(occupancy.snapshot_id, {})[occupancy.unit] = occupancy.minors
    return occupants, minors


def _apply_step(
    plan: _Plan, step: _Step, occupancy: tuple[dict[int, dict[Unit, int]], dict[int, dict[Unit, int]]]
) -> None:
    actor = plan.actor
    if step.dataset == "facilities":
        if step.action == ChangeAction.CREATE:
            facility = services.create_facility(by=actor, **step.fields)
        else:
            facility = services.update_facility(facility=step.target, by=actor, **step.fields)
        plan.facilities[facility.code] = facility
    elif step.dataset == "units":
        if step.action == ChangeAction.CREATE:
            services.add_unit(facility=plan.facilities[step.facility_code], by=actor, **step.fields)
        else:
            services.update_unit(unit=step.target, by=actor, **step.fields)
    else:
        fields = dict(step.fields)
        occupants, minors = occupancy
        services.record_population_snapshot(
            facility=plan.facilities[step.facility_code], by=actor, date=fields.pop("date"),
            source=fields.pop("source"),
            corrects=step.target.version if step.target is not None else None,
            occupancy=occupants.get(step.target.pk) if step.target is not None else None,
            unit_minors=minors.get(step.target.pk) if step.target is not None else None, **fields,
        )
