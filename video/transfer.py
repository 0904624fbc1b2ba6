"""Importing a facility's camera registry from CSV or XLSX, as the registry import does.

Columns: ``recorder``, ``public_key`` (needed for a recorder not yet registered), ``camera``,
``zone`` (one of video.models.Zone), ``location``. The file is read by the registry's readers
(encodings, limits, formula neutralising) and every row is checked by the services' own rules
before anything is written; one problem anywhere and nothing changes, each problem named by
line, column, the cell's value and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from facilities.models import Facility
from facilities.transfer import formats
from facilities.transfer.cells import Problem, Row, parse_table
from facilities.transfer.columns import Column, Dataset, Kind
from facilities.transfer.formats import FileRejected, Limits
from video import services
from video.models import Camera, Recorder, Zone

DATASET = Dataset(
    name="cameras",
    label=gettext_lazy("Cameras"),
    columns=(
        Column("recorder", Kind.TEXT, gettext_lazy("The recorder's id, as it signs its manifests.")),
        Column("public_key", Kind.TEXT, gettext_lazy("The recorder's Ed25519 public key (base64); for a new "
                                                      "recorder."), required=False, empty=""),
        Column("camera", Kind.TEXT, gettext_lazy("The camera's id on its recorder.")),
        Column("zone", Kind.CHOICE, gettext_lazy("The zone the camera covers."), choices=tuple(Zone.values)),
        Column("location", Kind.TEXT, gettext_lazy("Where it is, in words."), required=False, empty=""),
    ),
    key=("recorder", "camera"),
)


@dataclass
class CameraImport:
    problems: list[Problem] = field(default_factory=list)
    recorders: int = 0
    cameras: int = 0
    unchanged: int = 0
    read_as: str = ""


def _tables(data: bytes, filename: str, limits: Limits, report: CameraImport) -> list[formats.Table]:
    if formats.check_kind(data, filename) == "csv":
        table = formats.read_csv(data, limits)
        report.read_as = _("CSV in %(encoding)s") % {"encoding": table.encoding}
        table.sheet = DATASET.name
        return [table]
    _titles, tables = formats.read_xlsx(data, limits, lambda title: True)
    report.read_as = _("XLSX workbook")
    return tables[:1]


def import_cameras(*, facility: Facility, data: bytes, filename: str, by: Any) -> CameraImport:
    """Import the camera registry of ``facility``; nothing is written unless every row is right."""
    report = CameraImport()
    limits = Limits.from_settings()
    try:
        if len(data) > limits.max_bytes:
            raise FileRejected(_("The file is larger than %(mb)s MB.") % {"mb": limits.max_bytes // 2**20})
        tables = _tables(data, filename, limits, report)
    except FileRejected as e:
        report.problems.append(Problem(e.sheet, e.line, "", "", e.message))
        return report
    rows: list[Row] = []
    for table in tables:
        parsed = parse_table(DATASET, table, limits, report.problems)
        if parsed is None:
            return report  # the header itself is unusable
        rows += parsed
    for row in rows:
        for column in DATASET.columns:
            row.values.setdefault(column.name, "" if column.name not in row.bad or not column.required else None)
    plan = _check(facility, rows, report.problems)
    if report.problems:
        report.problems.sort(key=lambda p: (p.line or 0, p.column))
        return report
    with transaction.atomic():
        recorders = {r.code: r for r in Recorder.objects.filter(facility=facility)}
        for row, new_recorder in plan:
            values = row.values
            code = values["recorder"]
            if code not in recorders:
                recorders[code] = services.register_recorder(facility=facility, code=code,
                                                             public_key=values["public_key"], by=by)
                report.recorders += 1
            if new_recorder is None:
                report.unchanged += 1
                continue
            services.register_camera(recorder=recorders[code], code=values["camera"], zone=values["zone"],
                                     location=values["location"], by=by)
            report.cameras += 1
    return report


def _check(facility: Facility, rows: list[Row], problems: list[Problem]) -> list[tuple[Row, bool | None]]:
    """Each row with whether it registers a camera (None: already registered as written)."""
    recorders = {r.code: r for r in Recorder.objects.filter(code__in={r.values.get("recorder") for r in rows})}
    existing = {(c.recorder.code, c.code): c for c in Camera.objects.filter(recorder__in=recorders.values())
                .select_related("recorder")}
    seen: set[tuple[str, str]] = set()
    keys: dict[str, str] = {}
    plan: list[tuple[Row, bool | None]] = []
    for row in rows:
        values = row.values
        code, camera = values["recorder"], values["camera"]
        for column, problem in (("recorder", services.code_problem(code)), ("camera", services.code_problem(camera))):
            if problem and column not in row.bad:
                row.problem(column, problem, problems)
        if len(values["location"]) > 200:
            row.problem("location", _("At most 200 characters."), problems)
        if (code, camera) in seen:
            row.problem("camera", _("The same camera appears twice in the file."), problems)
        seen.add((code, camera))
        recorder = recorders.get(code)
        if recorder is not None and recorder.facility_id != facility.pk:
            row.problem("recorder", _("This recorder is registered at another facility."), problems)
        elif recorder is None:
            key = values["public_key"] or keys.get(code, "")
            problem = services.key_problem(key)
            if problem:
                row.problem("public_key", _("A new recorder needs its public key: %(rule)s") % {"rule": problem},
                            problems)
            elif keys.setdefault(code, key) != key:
                row.problem("public_key", _("Another row gives this recorder a different key."), problems)
            values["public_key"] = key
        found = existing.get((code, camera))
        if found is not None and (found.zone, found.location) != (values["zone"], values["location"]):
            row.problem("zone", _("This camera is already registered with another zone or location."), problems)
        plan.append((row, None if found is not None else True))
    return plan
