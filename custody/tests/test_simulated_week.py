"""A simulated week of registers from several police centres gives exactly the planted alerts."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import time_machine

from custody.models import Alert, Notification
from custody.rules import catalogue, engine
from custody.services.importing import import_file
from custody.simulate import CELLS, as_rows, simulate
from custody.tasks import notify_alerts
from facilities.factories import FacilityFactory, UnitFactory

CENTRES = ["TDC-A", "TDC-B", "TDC-C"]
NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)


def test_the_engine_finds_exactly_what_was_planted():
    sim = simulate(centres=CENTRES, days=7, per_day=12, breach_rate=0.15, seed=3)
    rules = catalogue.parse(catalogue.DEFAULT_FILE.read_text(encoding="utf-8"))
    found = {(f.record, f.rule) for f in engine.evaluate(sim.records, now=NOW, rules=rules)}
    assert sim.planted
    assert found == sim.planted


@pytest.mark.django_db
def test_a_week_of_three_centres_imported_gives_the_planted_alerts_and_notifications(personas):
    sim = simulate(centres=CENTRES, days=7, per_day=4, breach_rate=0.25, seed=5)
    for code in CENTRES:
        centre = FacilityFactory(code=code, type="police_tdc", region=personas.region)
        for cell in CELLS:
            UnitFactory(facility=centre, code=cell, kind="cell", capacity=10)
    book = openpyxl.Workbook()
    detentions = book.active
    detentions.title = "detentions"
    placements = book.create_sheet("placements")
    header = None
    placements.append(["record_id", "facility", "cell", "from", "until"])
    from custody.validation import FIELDS

    header = list(FIELDS)
    detentions.append(header)
    for row, cells in as_rows(sim.records):
        detentions.append([row.get(name) for name in header])
        for cell in cells:
            placements.append([cell[k] for k in ("record_id", "facility", "cell", "from", "until")])
    out = io.BytesIO()
    book.save(out)
    with time_machine.travel(NOW, tick=False):
        outcome, _ = import_file(data=out.getvalue(), filename="week.xlsx", by=personas.npm_monitor)
    assert outcome.ok, outcome.problems[:5]
    got = {(a.evidence[0]["record_id"], a.rule) for a in Alert.objects.all()}
    assert got == sim.planted
    notify_alerts.call()
    children = {a.pk for a in Alert.objects.filter(involves_minor=True)}
    told_ombudsman = set(Notification.objects.filter(organisation__kind="childrens_ombudsman")
                         .values_list("alert_id", flat=True))
    assert children
    assert told_ombudsman == children
    assert Notification.objects.filter(organisation__kind="prosecutor").count() == Alert.objects.count()
